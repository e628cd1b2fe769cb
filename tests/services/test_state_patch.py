"""The conversation state is saved by patch: a push and a learner's slow turn for the same person
each keep what the other saved (the push's quiz options once vanished under a grading turn)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.app import App
from bot.services import delivery, reach
from bot.services.conversation import Conversation, HeldText, StatePatch
from bot.services.io import Out
from bot.services.ports import IdentityRecord
from lessons.model import Lesson
from scoring.grading import Grade, Grader, Work
from tests.conftest import Chat, Clock, join_code
from tests.services.test_delivery import FAST, RecordingOutbound

WORK = "Tôi nhờ AI viết thư mời họp tổ dân phố, rồi tự sửa lại giờ họp cho đúng."


class SlowGrader:
    """A grader that holds its answer until the test lets it go (a model taking its time)."""

    def __init__(self, inner: Grader) -> None:
        self.inner = inner
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def grade(self, lesson: Lesson, work: Work) -> Grade:
        self.entered.set()
        await self.release.wait()
        return await self.inner.grade(lesson, work)


class SlowOutbound(RecordingOutbound):
    """A channel whose first send waits until the test lets it go (a slow or paced platform)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, chat_id: str, message: Out) -> None:
        self.entered.set()
        await self.release.wait()
        await super().send(chat_id, message)


async def identity(app: App, user: str) -> IdentityRecord:
    async with app.store.transaction() as repo:
        found = await repo.learners.identity("telegram", user)
    assert found is not None
    return found


async def test_a_push_during_a_slow_grading_turn_keeps_its_options_and_stamp(
    any_app: App, clock: Clock
) -> None:
    chat = Chat(any_app, "8001")
    await chat.join(await join_code(any_app, "T05"), time="19:00")  # 08:00 in Hà Nội
    lesson = any_app.deps.curriculum.lessons[0]
    await chat.send("/lesson")  # opened: tonight's push only reminds
    await chat.tap("work:submit")
    clock.now = datetime(2026, 11, 23, 11, 50, tzinfo=UTC)  # 18:50
    grader = SlowGrader(any_app.deps.grader)
    any_app.deps.grader = grader
    turn = asyncio.create_task(chat.send(WORK))  # the turn has read the state; grading waits
    await grader.entered.wait()

    clock.now = datetime(2026, 11, 23, 12, 10, tzinfo=UTC)  # 19:10: quiet for 20 minutes
    pushed = RecordingOutbound()
    any_app.sender.add(pushed, FAST)
    report = await delivery.delivery_round(any_app.deps, any_app.sender)
    assert report.sent == 1 and len(pushed.sent) == 1  # the reminder, with its one option
    grader.release.set()
    graded = await turn  # the turn finishes and saves what it changed
    assert any(o.title and o.options for o in graded)  # the grade came

    after = await identity(any_app, "8001")
    assert reach.last_used(after) == clock.now  # the push's stamp is kept
    out = await chat.send("1")  # and its options: "1" answers the reminder, the lesson again
    assert out[0].title == lesson.title
    assert after.state.options == [o.key for o in pushed.sent[0][1].options]


async def test_a_tap_during_a_slow_push_is_not_undone_by_it(any_app: App, clock: Clock) -> None:
    chat = Chat(any_app, "8002")
    await chat.join(await join_code(any_app, "T05"), time="19:00")
    clock.now = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)
    slow = SlowOutbound()
    any_app.sender.add(slow, FAST)
    push = asyncio.create_task(delivery.delivery_round(any_app.deps, any_app.sender))
    await slow.entered.wait()  # the push has read the state and is sending the lesson
    await chat.tap("work:submit")  # "Nộp bài": the next message is the work
    slow.release.set()
    assert (await push).sent == 1

    after = await identity(any_app, "8002")
    out = await chat.send("Xong rồi")  # short, but sent as work: graded, not asked about
    assert any(o.title.startswith("Điểm bài làm") for o in out)
    assert after.state.submit is not None  # the push wrote its options, not its stale copy
    assert after.state.options == [o.key for o in slow.sent[-1][1].options]


async def test_patches_merge_in_storage_whatever_was_written_meanwhile(any_app: App) -> None:
    chat = Chat(any_app, "8003")
    await chat.send("/start")
    ident = await identity(any_app, "8003")
    async with any_app.store.transaction() as repo:  # two writers, each from the same snapshot
        await repo.conversations.patch(ident.id, StatePatch(set={"options": ["cmd:lesson"]}))
        await repo.conversations.patch(
            ident.id,
            StatePatch(
                set={"held": {"text": "Bài của tôi", "key": "k1"}, "future_key": [1, {"a": "ạ"}]},
                unset=("step",),
            ),
        )
    async with any_app.store.transaction() as repo:
        await repo.conversations.patch(ident.id, StatePatch(set={"labels": {"cmd:lesson": "Học"}}))
    state = (await identity(any_app, "8003")).state
    assert state.step is None and state.options == ["cmd:lesson"]
    assert state.labels == {"cmd:lesson": "Học"}
    assert state.held == HeldText("Bài của tôi", "k1")
    assert state.extra == {"future_key": [1, {"a": "ạ"}]}  # kept though this version ignores it


def test_only_what_changed_is_in_the_patch() -> None:
    stored = {"step": "name", "options": ["a", "b"], "labels": {"a": "A"}, "someday": 1}
    state = Conversation.from_json(stored)
    assert state.to_json() == stored
    state.step = None
    state.submit = "l1-01"
    patch = state.changes(since=stored)
    assert patch == StatePatch(set={"submit": "l1-01"}, unset=("step",))
    assert patch.apply({**stored, "options": ["pushed"]}) == {
        "options": ["pushed"],
        "labels": {"a": "A"},
        "someday": 1,
        "submit": "l1-01",
    }
    assert not Conversation.from_json(stored).changes(since=stored)


def test_garbage_in_the_stored_state_reads_as_unset() -> None:
    state = Conversation.from_json({"step": 5, "options": "x", "held": "text", "tryai": []})
    assert state == Conversation(extra={})
