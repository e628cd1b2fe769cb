"""Grades no model or person has confirmed are held: shown plainly, paid only on confirmation.

With no model configured (the default), the rules' grade is provisional. It pays no practice
points and does not count in the group's average until a model regrades it or an instructor
confirms it, one by one or in bulk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import load_settings
from bot.services.units import import_units
from lessons.model import Curriculum
from tests.conftest import UNITS_CSV, Chat, Clock, join_code, sqlite_url
from tests.keys import says


@pytest.fixture
async def no_model_app(tmp_path: Path, clock: Clock, curriculum: Curriculum) -> AsyncIterator[App]:
    """The app as a ward runs it with no model: the grader the app really builds."""
    settings = load_settings(
        DATABASE_URL=sqlite_url(tmp_path),
        TELEGRAM_BOT_TOKEN="",
        OPENAI_BASE_URL="",
        LLM_MODEL="",
        _env_file=None,
    )
    app = await build_app(settings, curriculum=curriculum)
    app.deps.clock = clock
    app.deps.admins = frozenset({"telegram:9000"})
    await import_units(app.store, UNITS_CSV)
    yield app
    await app.close()


async def practice_points(app: App, user: str) -> int:
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", user)
        assert ident is not None
        lesson = app.deps.curriculum.lessons[0]
        return await repo.ledger.practice_points_paid(ident.learner_id, lesson.id)


WORK = {  # honest, different answers to lesson 1 (the same text twice would be a copy)
    "4001": "Tôi viết prompt: Bạn là cán bộ văn hóa xã. Cuối tháng này xã tổ chức giải bóng "
    "chuyền cho thanh niên các xóm. Hãy viết thông báo gửi các xóm trưởng, ngắn gọn, dưới "
    "150 chữ, có hạn đăng ký đội và số người mỗi đội. Nhận xét: AI viết khá tốt, tôi sửa "
    "lại hạn đăng ký cho đúng ngày.",
    "4002": "Bạn là nhân viên bán hàng của hợp tác xã chè. Khách quen vừa hỏi giá chè búp cho dịp "
    "Tết. Hãy viết tin nhắn trả lời khách, dưới 100 chữ, thân thiện, có giá mỗi cân và cách "
    "đặt hàng. Tôi thấy AI viết đúng ý, lịch sự, nhưng tôi phải sửa lại giá cho đúng.",
    "4003": "Bạn là tổ trưởng tổ dân phố. Tổ sắp họp về an ninh trật tự vào tối thứ Sáu ở nhà văn "
    "hóa. Hãy viết thông báo mời các gia đình đi họp, ngắn gọn, dưới 150 chữ, trang trọng. "
    "Kết quả AI đưa ra khá tốt, tôi thêm số điện thoại liên hệ rồi gửi vào nhóm Zalo.",
}


async def learner_with_work(app: App, user: str) -> tuple[Chat, list]:
    chat = Chat(app, user)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    out = await chat.send(WORK[user])
    return chat, out


async def test_a_rules_only_grade_is_held_shown_plainly_and_pays_nothing(
    no_model_app: App,
) -> None:
    _chat, out = await learner_with_work(no_model_app, "4001")
    grade = next(o for o in out if o.options and o.options[0].key.startswith("ap:"))
    assert "tạm thời" in grade.text  # the learner is told plainly ...
    assert "đang chờ" in grade.text  # ... and that the points wait for confirmation
    assert await practice_points(no_model_app, "4001") == 0


async def test_bulk_confirmation_pays_once_and_tells_each_learner(no_model_app: App) -> None:
    told: list[tuple[int, str]] = []

    async def notify(learner_id: int, messages: list) -> None:
        told.extend((learner_id, m.text) for m in messages)

    no_model_app.deps.notify = notify
    for user in ("4001", "4002"):
        await learner_with_work(no_model_app, user)
    instructor = Chat(no_model_app, "9000")
    queue = await instructor.send("/review")
    bulk = [o for m in queue for o in m.options if o.key.startswith("rv:bulk:")]
    assert len(bulk) == 1
    preview = await instructor.tap(bulk[0].key)
    confirm = [o for m in preview for o in m.options if o.key.startswith("rv:bulkok:")]
    assert len(confirm) == 1
    # Work that arrives after the preview is not swept in by it.
    await learner_with_work(no_model_app, "4003")
    done = await instructor.tap(confirm[0].key)
    assert "2" in done[0].text
    paid = [await practice_points(no_model_app, u) for u in ("4001", "4002", "4003")]
    assert paid[0] > 0 and paid[1] > 0 and paid[2] == 0
    again = await instructor.tap(confirm[0].key)  # a double tap pays nothing more
    assert [await practice_points(no_model_app, u) for u in ("4001", "4002")] == paid[:2]
    assert says(again[0].text, "review.bulk_none")
    assert len({lid for lid, _ in told}) == 2


async def test_held_work_stays_out_of_the_group_average_until_confirmed(
    no_model_app: App,
    clock: Clock,
) -> None:
    await learner_with_work(no_model_app, "4001")
    since = datetime(2026, 11, 1, tzinfo=UTC)
    async with no_model_app.store.transaction() as repo:
        pdp = await repo.units.unit_by_code("PDP")
        assert pdp is not None
        before = {g.name: g.average_score for g in await repo.ledger.group_stats(pdp.id, since)}
    assert before["Tổ dân phố số 5"] == 0.0
    instructor = Chat(no_model_app, "9000")
    queue = await instructor.send("/review")
    bulk = next(o for m in queue for o in m.options if o.key.startswith("rv:bulk:"))
    preview = await instructor.tap(bulk.key)
    await instructor.tap(next(o for m in preview for o in m.options).key)
    async with no_model_app.store.transaction() as repo:
        after = {g.name: g.average_score for g in await repo.ledger.group_stats(pdp.id, since)}
    assert after["Tổ dân phố số 5"] > 50


@pytest.mark.parametrize(
    "key", ["rv:bulkok:99999999999999999999999", "rv:bulk:-1", "rv:bulkok:abc"]
)
async def test_forged_bulk_keys_change_nothing(no_model_app: App, key: str) -> None:
    await learner_with_work(no_model_app, "4001")
    out = await Chat(no_model_app, "9000").tap(key)
    assert out and await practice_points(no_model_app, "4001") == 0


async def test_a_learner_cannot_confirm_in_bulk(no_model_app: App) -> None:
    await learner_with_work(no_model_app, "4001")
    out = await Chat(no_model_app, "4001").tap("rv:bulkok:1000")
    assert "giảng viên" in out[0].text
    assert await practice_points(no_model_app, "4001") == 0
