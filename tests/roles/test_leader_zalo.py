"""A group leader on the Zalo Bot Platform (numbered replies), nudging learners on the Zalo OA
(the 7-day window) and the Bot Platform (the monthly quota): the real clients against fakes."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import outbox
from bot.services.permissions import Role
from tests.conftest import Chat, Clock
from tests.keys import says
from tests.roles.conftest import give
from tests.zalo.conftest import Zalo, walk_onboarding
from tests.zalo.conftest import zalo as zalo  # the fixture

VI = Translator("vi")


async def test_a_leader_on_the_bot_platform_nudges_within_windows_and_quotas(
    zalo: Zalo, clock: Clock
) -> None:
    code = await zalo.code()
    await walk_onboarding(lambda t: zalo.oa_says("oa-old", t), code, name="Bà Tư")
    clock.advance(days=6)
    await walk_onboarding(lambda t: zalo.oa_says("oa-new", t), code, name="Chú Năm")
    await walk_onboarding(lambda t: zalo.bot_says("bot-c", t), code, name="Cô Sáu")
    await walk_onboarding(lambda t: zalo.bot_says("bot-leader", t), code, name="Tổ Trưởng")
    await give(zalo.app, Chat(zalo.app, "bot-leader", channel="zalo_bot"), Role.LEADER, "T05")
    clock.advance(days=2)  # Bà Tư last wrote 8 days ago: outside the OA's window

    menu = await zalo.bot_says("bot-leader", "quản lý nhóm")
    assert "1. Danh sách hôm nay" in menu and "3. Nhắc người chưa học" in menu
    reach = await zalo.bot_says("bot-leader", "2")
    assert "Bà Tư" in reach and says(reach, "leader.reason.outside_window")

    quota = zalo.app.sender.by_channel["zalo_bot"].outbound.quota
    await zalo.bot_says("bot-leader", "quan ly nhom")
    quota.limit = await quota.used() + 1  # one message left this month: the nudge's answer
    done = await zalo.bot_says("bot-leader", "3")
    # Chú Năm (OA, inside the window) and Cô Sáu (Bot Platform) are queued; Bà Tư is listed.
    assert VI("leader.nudge.done", queued=2, days=2) in done
    assert VI("leader.nudge.unreachable", count=1, names="Bà Tư") in done

    before = {u: len(zalo.oa.to(u)) for u in ("oa-old", "oa-new")}
    bot_before = len(zalo.bot.to("bot-c"))
    report = await outbox.drain(zalo.app.deps, zalo.app.sender)
    assert report.sent == 1 and report.reasons == {"monthly_quota": 1}
    assert "Chú Năm" in zalo.oa.texts("oa-new", before["oa-new"])
    assert len(zalo.oa.to("oa-old")) == before["oa-old"]  # nothing sent outside the window
    assert len(zalo.bot.to("bot-c")) == bot_before  # the month's quota is spent
    # Chú Năm answers the nudge with "2" (Đừng nhắc tôi nữa) on the OA.
    assert VI("leader.optout_done") in await zalo.oa_says("oa-new", "2")
