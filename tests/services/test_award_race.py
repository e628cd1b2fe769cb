"""Two processes on one PostgreSQL database: work sent twice at once is paid once."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import build_app
from bot.config import load_settings
from lessons.model import Lesson
from scoring.grading import Grade, Work
from scoring.points import practice_points
from scoring.rules import RulesGrader
from tests.conftest import Chat, Clock, join_code, make_app

pytestmark = pytest.mark.postgres

WORK = (
    "Bạn là cán bộ văn hóa xã. Cuối tháng xã tổ chức giải bóng chuyền cho thanh niên các xóm. Hãy "
    "viết thông báo gửi các xóm trưởng, ngắn gọn, dưới 150 chữ, có hạn đăng ký. Nhận xét: AI viết "
    "khá tốt, tôi sửa lại hạn đăng ký cho đúng ngày.",
    "Bạn là tổ trưởng tổ dân phố. Tổ sắp họp về vệ sinh ngõ xóm vào tối thứ Bảy ở nhà văn hóa. "
    "Hãy viết thông báo mời các gia đình đi họp, dưới 100 chữ, lời lẽ lịch sự. Nhận xét: kết quả "
    "dùng được, tôi sửa lại giờ họp.",
)


class InStep:
    """The rules grader, holding every grade until all the racing work is graded, so that the
    two processes record their grades at the same moment (the race a real model's latency opens)."""

    def __init__(self, parties: int) -> None:
        self.rules, self.barrier = RulesGrader(), asyncio.Barrier(parties)

    async def grade(self, lesson: Lesson, work: Work) -> Grade:
        grade = await self.rules.grade(lesson, work)
        async with asyncio.timeout(30):
            await self.barrier.wait()
        return grade


LEARNERS = 12


async def test_two_processes_pay_racing_work_once(pg_url: str, clock: Clock, curriculum) -> None:
    first = await make_app(pg_url, clock, curriculum)
    settings = load_settings(DATABASE_URL=pg_url, TELEGRAM_BOT_TOKEN="", _env_file=None)
    grader = InStep(2 * LEARNERS)
    second = await build_app(settings, grader=grader, curriculum=curriculum, migrate=False)
    second.deps.clock = clock
    try:
        code = await join_code(first, "T05")
        users = [str(6100 + i) for i in range(LEARNERS)]
        for user in users:
            chat = Chat(first, user)
            await chat.join(code)
            await chat.send("/lesson")
        first.deps.grader = second.deps.grader  # both processes now grade in step
        # Each learner sends two pieces of work at once, one reaching each process.
        await asyncio.gather(
            *(
                Chat(app, user).send(text)
                for user in users
                for app, text in ((first, WORK[0]), (second, WORK[1]))
            )
        )
        lesson = curriculum.lessons[0]
        async with first.store.transaction() as repo:
            for user in users:
                ident = await repo.learners.identity("telegram", user)
                assert ident is not None
                best = await repo.grades.best_confirmed_score(ident.learner_id, lesson.id)
                paid = await repo.ledger.practice_points_paid(ident.learner_id, lesson.id)
                assert paid == practice_points(best or 0), user
    finally:
        await second.close()
        await first.close()
