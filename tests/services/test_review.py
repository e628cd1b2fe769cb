"""Appeals, the instructor's queue and overrides, and regrading once the model answers."""

from __future__ import annotations

import pytest
import stamina

from bot.app import App
from bot.i18n import Translator
from bot.llm.grader import LLMGrader
from bot.services import review
from bot.services.io import Out
from bot.storage.grading_costs import SqlGradeCache, SqlTokenBudget
from tests.conftest import Chat, join_code, text_of
from tests.grading.fake_model import Answer, FakeModel, honest
from tests.keys import says


class Told:
    """A recording `Deps.notify`."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, Out]] = []

    async def __call__(self, learner_id: int, messages: list[Out]) -> None:
        self.messages += [(learner_id, m) for m in messages]


async def studied(app: App, user: str = "3001") -> Chat:
    chat = Chat(app, user)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    return chat


async def test_appeal_review_override_adjusts_points_through_the_ledger(app: App) -> None:
    told = Told()
    app.deps.notify = told
    app.deps.admins = frozenset({"telegram:9000"})
    learner = await studied(app)
    lesson = app.deps.curriculum.lessons[0]
    await learner.tap("work:submit")  # "Nộp bài": short work is graded when sent as work
    out = await learner.send(lesson.rubric.weak + " và tôi đã thử với AI rồi nhé các bạn")
    grade_msg = next(o for o in out if o.title.startswith("Điểm bài làm"))
    appeal_key = grade_msg.options[0].key
    assert appeal_key.startswith("ap:")
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", learner.user)
        before = await repo.ledger.points(ident.learner_id)

    out = await learner.tap(appeal_key)
    assert "giảng viên xem lại" in text_of(out)
    assert "đã được gửi" in text_of(await learner.send("khieu nai"))  # once is enough

    outsider = Chat(app, "8888")
    assert says(text_of(await outsider.send("/review")), "review.not_allowed")
    instructor = Chat(app, "9000")
    queue = await instructor.send("/review")
    assert "1 bài chờ xem lại" in queue[0].text
    item = queue[1]
    assert [o.key.split(":")[1] for o in item.options] == ["ok", "set"]
    await instructor.tap(item.options[1].key)
    assert "0 đến 100" in text_of(await instructor.send("một trăm"))
    out = await instructor.send("90")
    assert "90/100" in text_of(out)

    async with app.store.transaction() as repo:
        assert await repo.grades.review_count() == 0
        # Practice points for the lesson now match 90/100, paid by a new ledger line.
        assert await repo.ledger.practice_points_paid(ident.learner_id, lesson.id) == 45
        assert await repo.ledger.points(ident.learner_id) > before
    assert told.messages and "→ 90/100" in told.messages[0][1].text
    assert says(text_of(await instructor.tap(item.options[0].key)), "review.gone")


async def test_confirming_held_work_pays_it_once(app: App) -> None:
    app.deps.notify = Told()
    learner = await studied(app, "3002")
    out = await learner.send("", kind="photo", photo_ref="tg:photo-1")  # waits for a person
    assert "giảng viên" in text_of(out)
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", learner.user)
        held = await repo.grades.latest_grade(ident.learner_id)
        assert held.status == "review" and await repo.ledger.points(ident.learner_id) == 0
        _, told = await review.override(
            app.deps, repo, held.id, 80, "console:demo", Translator("vi")
        )
    assert told is not None
    async with app.store.transaction() as repo:
        assert await repo.ledger.points(ident.learner_id) == 40


@pytest.fixture
def no_waits():  # type: ignore[no-untyped-def]
    with stamina.set_testing(True, attempts=2, cap=True):
        yield


async def test_provisional_grades_are_regraded_when_the_model_answers(app: App, no_waits) -> None:  # type: ignore[no-untyped-def]
    down = True

    def script(request):  # type: ignore[no-untyped-def]
        return Answer(status=500, body={"error": {"message": "down"}}) if down else honest(request)

    with FakeModel(script).running() as model:
        grader = LLMGrader(
            model.client(),
            "fake-model",
            SqlTokenBudget(app.store, 100_000, app.deps.now, "Asia/Ho_Chi_Minh"),
            SqlGradeCache(app.store, app.deps.now),
        )
        app.deps.grader = grader
        told = Told()
        learner = await studied(app, "3003")
        work = (
            "Bạn là cán bộ phường. Tổ dân phố số 5 sắp họp về an toàn giao thông cho học "
            "sinh. Hãy viết thông báo mời họp dưới 120 chữ, lời lẽ lịch sự. Nhận xét: kết "
            "quả dùng được, tôi sửa lại giờ họp cho đúng."
        )
        out = await learner.send(work)
        assert "tạm thời" in text_of(out)
        assert await review.regrade_provisional(app.deps, told) == 0  # still down: nothing moves
        down = False
        await review.regrade_provisional(app.deps, told)
        async with app.store.transaction() as repo:
            ident = await repo.learners.identity("telegram", learner.user)
            latest = await repo.grades.latest_grade(ident.learner_id)
            assert latest.status == "final" and latest.detail["llm_used"] is True
            assert await repo.grades.provisional_grades(10) == []
            assert (
                await SqlTokenBudget(app.store, 1, app.deps.now, "Asia/Ho_Chi_Minh").spent_today()
                > 0
            )
        # The same words again are answered from the cache: no second model call.
        calls = len(model.requests)
        out = await learner.send(work.upper())  # accents, case and spacing aside: the same work
        assert len(model.requests) == calls and says(text_of(out), "grade.title")
