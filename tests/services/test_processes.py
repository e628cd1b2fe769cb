"""Two and four processes on one PostgreSQL database: one scheduler, each piece of work graded by
the model once, each award paid once.

Each "process" is an App of its own (its own engine and connection pool, as a separate process
has); the real processes, killed with SIGKILL, are in tests/e2e/test_worker_processes.py. Each
test names the mechanism it guards: without it, the test fails.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import stamina

from bot.app import App, build_app
from bot.config import load_settings
from bot.i18n import Translator
from bot.llm.grader import LLMGrader
from bot.scheduling.runner import Intervals, Scheduler
from bot.services import review, submissions
from bot.services.ports import GradeStatus
from bot.storage.grading_costs import SqlGradeCache, SqlTokenBudget
from lessons.model import Curriculum
from scoring.points import QUIZ_CORRECT, practice_points
from tests.conftest import Chat, Clock, join_code, make_app
from tests.grading.fake_model import Answer, FakeModel, honest, submission_of

pytestmark = pytest.mark.postgres


@pytest.fixture
async def processes(pg_url: str, clock: Clock, curriculum: Curriculum) -> AsyncIterator[list[App]]:
    """Four processes on one database (tests use the first two or all four)."""
    first = await make_app(pg_url, clock, curriculum)
    apps = [first]
    # Few connections each: the machine's PostgreSQL serves every test and bench at once.
    settings = load_settings(
        DATABASE_URL=pg_url, TELEGRAM_BOT_TOKEN="", DATABASE_POOL_SIZE=3, _env_file=None
    )
    try:
        for _ in range(3):
            other = await build_app(
                settings, grader=first.deps.grader, curriculum=curriculum, migrate=False
            )
            other.deps.clock = clock
            apps.append(other)
        yield apps
    finally:
        for app in apps:
            await app.close()


@pytest.fixture
def no_waits():  # type: ignore[no-untyped-def]
    with stamina.set_testing(True, attempts=2, cap=True):
        yield


# ---- exactly one scheduler ----------------------------------------------------------------

FAST = Intervals(leader_check=0.05)


async def until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("count", [2, 4])
async def test_one_scheduler_runs_and_another_takes_over(processes: list[App], count: int) -> None:
    """Guards the scheduler lock (pg_try_advisory_lock on a held connection): without it every
    process would start its own APScheduler and run every job."""
    schedulers = [Scheduler(app, FAST) for app in processes[:count]]
    tasks = [asyncio.create_task(s.run()) for s in schedulers]
    try:
        await until(lambda: any(s.running for s in schedulers))
        await asyncio.sleep(0.3)  # every process has tried for the lock several times
        assert [s.running for s in schedulers].count(True) == 1
        leader = next(i for i, s in enumerate(schedulers) if s.running)
        tasks[leader].cancel()  # the leader stops (its connection, and so its lock, goes)
        await asyncio.gather(tasks[leader], return_exceptions=True)
        others = [s for i, s in enumerate(schedulers) if i != leader]
        await until(lambda: any(s.running for s in others))
        await asyncio.sleep(0.3)
        assert [s.running for s in others].count(True) == 1
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# ---- the model asked once per piece of work --------------------------------------------------


def slow(seconds: float):  # type: ignore[no-untyped-def]
    """A fair model that takes `seconds` to answer: long enough for the processes to race."""
    return lambda request: Answer(honest(request).content, delay=seconds)


def graded_by(app: App, model: FakeModel) -> LLMGrader:
    return LLMGrader(
        model.client(),
        "fake-model",
        SqlTokenBudget(app.store, 10_000_000, app.deps.now, "Asia/Ho_Chi_Minh"),
        SqlGradeCache(app.store, app.deps.now),
    )


ROLES = (
    "cán bộ văn hóa xã",
    "tổ trưởng tổ dân phố",
    "chủ hộ kinh doanh tạp hóa",
    "giáo viên tiểu học",
    "nông dân trồng chè",
    "y tá trạm y tế",
    "thư ký hợp tác xã",
)
TOPICS = (
    "giải bóng chuyền thanh niên",
    "dọn vệ sinh ngõ xóm",
    "tiêm chủng cho trẻ nhỏ",
    "phòng cháy chữa cháy mùa khô",
    "hội chợ nông sản cuối tuần",
    "lớp học bơi mùa hè",
    "quyên góp sách cũ",
)
AUDIENCES = (
    "các xóm trưởng",
    "phụ huynh học sinh",
    "bà con trong tổ",
    "các hộ kinh doanh",
    "đoàn viên thanh niên",
    "hội viên phụ nữ",
    "các cụ cao tuổi",
)
TASKS = (
    "Hãy viết thông báo mời {a} đi họp bàn về {t}, dưới {n} chữ, lời lẽ lịch sự, có giờ và "
    "địa điểm.",
    "Hãy soạn tin nhắn Zalo nhắc {a} chuẩn bị cho {t}, thật ngắn gọn, thân mật, nêu rõ hạn "
    "chót đăng ký.",
    "Hãy lập danh sách năm việc cần làm để {a} cùng tham gia {t}, mỗi việc ghi trên một dòng.",
    "Hãy viết bài đăng Facebook kêu gọi {a} ủng hộ {t}, giọng văn vui vẻ, cuối bài cảm ơn mọi "
    "người.",
)
PLACES = (
    "nhà văn hóa thôn Đồng Bẩm",
    "sân trường Tiểu học Quang Trung",
    "chợ Túc Duyên",
    "trạm y tế phường Gia Sàng",
    "bãi chè xóm Khuôn Gà",
    "hội trường ủy ban xã Phúc Xuân",
    "thư viện huyện Đại Từ",
)
CHECKS = (
    "Nhận xét: AI viết khá tốt, tôi sửa lại ngày giờ cho đúng với lịch của {a}.",
    "Nhận xét: bản nháp dùng được, tôi bỏ bớt một câu thừa và thêm số điện thoại liên hệ.",
    "Nhận xét: danh sách hợp lý, tôi đổi thứ tự hai việc đầu cho dễ làm hơn với {a}.",
    "Nhận xét: giọng văn hơi dài, tôi rút gọn lại và kiểm tra tên {t} cho chính xác.",
)


def work(n: int, i: int = 0) -> str:
    """Work of learner `n` sent through process `i`: each piece its own words, so no piece is
    taken for a copy of another learner's (which would wait for a person)."""
    role, topic, audience = ROLES[n % 7], TOPICS[(n + 3) % 7], AUDIENCES[(n + 5) % 7]
    task = TASKS[i % 4].format(a=audience, t=topic, n=90 + 10 * n)
    check = CHECKS[i % 4].format(a=audience, t=topic)
    place = PLACES[(n + 1) % 7]
    return (
        f"Bạn là {role}, làm việc ở {place} đã {3 + n} năm. {task} Thêm thông tin: mọi việc "
        f"diễn ra tại {place}, người phụ trách là {role}. {check}"
    )


async def left_over_work(app: App, clock: Clock, waiting: int, held: int) -> list[str]:
    """`waiting` submissions a crash left ungraded and `held` rules-only (provisional) grades."""
    code = await join_code(app, "T05")
    texts = []
    for i in range(waiting + held):
        user = str(7100 + i)
        await Chat(app, user).join(code)
        await Chat(app, user).send("/lesson")
        async with app.store.transaction() as repo:
            ident = await repo.learners.identity("telegram", user)
            assert ident is not None
            lesson = await repo.progress.current_assignment(ident.learner_id)
            assert lesson is not None
            submission, _ = await repo.submissions.add_submission(
                ident.learner_id,
                lesson.lesson_id,
                "telegram",
                work(i),
                None,
                f"left-{i}",
                "received",
                clock.now - timedelta(minutes=10),
            )
            if i >= waiting:
                await repo.grades.add_grade(
                    submission.id,
                    60,
                    {"llm_used": False},
                    GradeStatus.PROVISIONAL,
                    "rules",
                    0,
                    0,
                    clock.now - timedelta(minutes=10),
                )
        texts.append(work(i))
    return texts


@pytest.mark.parametrize("count", [2, 4])
async def test_left_over_work_is_graded_by_the_model_once(
    processes: list[App],
    clock: Clock,
    count: int,
    no_waits,  # type: ignore[no-untyped-def]
) -> None:
    """Guards the work leases (`repo.leases.claim_work` on 'grade' and 'regrade'): without
    them every process running the jobs at once asks the model about every piece of work."""
    apps = processes[:count]
    texts = await left_over_work(apps[0], clock, waiting=6, held=4)
    with FakeModel(slow(0.15)).running() as model:
        for app in apps:
            app.deps.grader = graded_by(app, model)
        await asyncio.gather(
            *(
                job
                for app in apps
                for job in (
                    submissions.grade_waiting(app.deps, {"vi": Translator("vi")}),
                    review.regrade_provisional(app.deps, None),
                )
            )
        )
        calls = Counter(submission_of(r) for r in model.requests)
    assert calls == Counter(texts)  # every piece once, none twice
    async with apps[0].store.transaction() as repo:
        assert await repo.grades.provisional_grades(50) == []
        assert await repo.submissions.ungraded_submissions(clock.now, 50) == []


@pytest.mark.parametrize("where", ["another process", "the same process"])
async def test_work_a_live_turn_is_grading_is_left_to_it(
    processes: list[App],
    clock: Clock,
    where: str,
    no_waits,  # type: ignore[no-untyped-def]
) -> None:
    """Guards the lease the live turn takes when it stores the work, under a name of its own:
    without it, the job that grades left-over work (in another process or in the same one, at
    that moment) grades it a second time."""
    live = processes[0]
    job = processes[1] if where == "another process" else live
    code = await join_code(live, "T05")
    chat = Chat(live, "7300")
    await chat.join(code)
    await chat.send("/lesson")
    with FakeModel(slow(0.5)).running() as model:
        live.deps.grader = job.deps.grader = graded_by(live, model)
        turn = asyncio.create_task(chat.send(work(1, 0)))
        await until(lambda: len(model.requests) == 1)  # stored, and the model is thinking
        clock.advance(minutes=2)  # the old rule of thumb ("younger than 2 minutes") is past
        assert await submissions.grade_waiting(job.deps, {"vi": Translator("vi")}) == []
        await turn
    assert len(model.requests) == 1


# ---- one award per learner and lesson -------------------------------------------------------


class InStep:
    """A grader holding every grade until all the racing work is graded, so that the processes
    record their grades at the same moment (the race a real model's latency opens)."""

    def __init__(self, grader, parties: int) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.barrier = grader, asyncio.Barrier(parties)

    async def grade(self, lesson, work):  # type: ignore[no-untyped-def]
        grade = await self.inner.grade(lesson, work)
        async with asyncio.timeout(30):
            await self.barrier.wait()
        return grade


LEARNERS = 6


async def linked_learners(app: App) -> list[tuple[str, str]]:
    """Learners who study on Telegram and have linked a Zalo bot account to it."""
    code = await join_code(app, "T05")
    pairs = []
    for i in range(LEARNERS):
        telegram, zalo = str(8100 + i), f"z{8100 + i}"
        chat = Chat(app, telegram)
        await chat.join(code)
        await chat.send("/lesson")
        shown = "\n".join(m.text for m in await chat.send("/link"))
        link_code = shown.split("Mã của bạn: ")[1][:6]
        await Chat(app, zalo, channel="zalo_bot").send(f"liên kết {link_code}")
        pairs.append((telegram, zalo))
    return pairs


@pytest.mark.parametrize("count", [2, 4])
async def test_racing_work_and_quiz_answers_pay_once(
    processes: list[App], curriculum: Curriculum, count: int
) -> None:
    """Guards the ledger's unique keys (practice lines numbered per learner and lesson, one key
    per quiz question) and the quiz answers' unique row: without them, work or answers sent at
    once through several processes and both linked channels pay twice."""
    apps = processes[:count]
    pairs = await linked_learners(apps[0])
    lesson = curriculum.lessons[0]
    grader = InStep(apps[0].deps.grader, count * LEARNERS)
    for app in apps:
        app.deps.grader = grader  # type: ignore[assignment]

    def chats(app_index: int, pair: tuple[str, str]) -> Chat:
        telegram, zalo = pair
        return (
            Chat(apps[app_index], telegram)
            if app_index % 2 == 0
            else Chat(apps[app_index], zalo, channel="zalo_bot")
        )

    right = lesson.quiz[0].answer_index
    await asyncio.gather(
        *(chats(i, pair).tap(f"q:{lesson.id}:0:{right}") for pair in pairs for i in range(count))
    )
    await asyncio.gather(
        *(chats(i, pair).send(work(n, i)) for n, pair in enumerate(pairs) for i in range(count))
    )
    async with apps[0].store.transaction() as repo:
        for telegram, _ in pairs:
            ident = await repo.learners.identity("telegram", telegram)
            assert ident is not None
            best = await repo.grades.best_confirmed_score(ident.learner_id, lesson.id)
            paid = await repo.ledger.practice_points_paid(ident.learner_id, lesson.id)
            assert best is not None and paid == practice_points(best), telegram
            assert await repo.progress.quiz_answers(ident.learner_id, lesson.id) == {0: True}
            # Everything this learner has: one right answer, the practice, nothing twice.
            assert await repo.ledger.points(ident.learner_id) == QUIZ_CORRECT + paid
