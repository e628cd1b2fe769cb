"""What walking every role in the console showed, fixed and kept: keywords with a unit code or a
period ("vinh danh PDP 2026Q4") work as the command does, also out of a half-made step; a
leader's "thông báo" opens their menu while an announcement typed in its step stays one; each
role's tools are listed (leaders' and officials' too); a new demo role drops the old role's
half-made draft. Through the real dialog, on the console (numbered replies)."""

from __future__ import annotations

from bot.app import App
from bot.i18n import Translator
from bot.services.permissions import Role
from tests.conftest import Chat, join_code, text_of
from tests.roles.conftest import give

VI = Translator("vi")


async def person(app: App, user: str, role: Role, unit: str) -> Chat:
    chat = Chat(app, user, channel="console", name=f"Người {user}")
    await chat.join(await join_code(app, "T05"))
    await give(app, chat, role, unit)
    return chat


async def test_keywords_with_a_code_or_a_period(app: App) -> None:
    official = await person(app, "c-9101", Role.OFFICIAL, "PDP")
    out = text_of(await official.send("vinh danh PDP 2026Q4"))
    assert "Vinh danh quý 4/2026: Phường Phan Đình Phùng" in out
    assert "chưa đúng" in text_of(await official.send("Vinh danh 2026Q9"))
    unknown = text_of(await official.send("vinh danh NOPE"))
    assert VI("honours.unknown_unit_chat", code="NOPE") in unknown and "hocai" not in unknown
    assert "Quản lý nhóm: Tổ dân phố số 5" in text_of(await official.send("quan ly nhom T05"))
    tools = text_of(await official.send("/roles"))
    assert VI("tools.official") in tools and VI("tools.leader") in tools


async def test_a_keyword_with_a_code_leaves_a_half_made_challenge(app: App) -> None:
    teacher = await person(app, "c-9102", Role.INSTRUCTOR, "T05")
    await teacher.send("/challenge")
    asked = text_of(await teacher.send("1"))  # "Giao thử thách mới": who is it for?
    assert "dành cho ai" in asked
    out = text_of(await teacher.send("vinh danh T05 2026Q4"))
    assert "Vinh danh quý 4/2026: Tổ dân phố số 5" in out
    assert VI("challenge.pick_audience") not in out


async def test_a_leaders_announcement_is_not_taken_for_a_command(app: App) -> None:
    leader = await person(app, "c-9103", Role.LEADER, "T05")
    menu = await leader.send("thong bao")  # typed without diacritics: the leader's menu
    assert menu[0].title == "Quản lý nhóm: Tổ dân phố số 5"
    labels = [o.label for m in menu for o in m.options]
    number = labels.index(VI("leader.btn.announce")) + 1
    assert "nội dung thông báo" in text_of(await leader.send(str(number)))
    preview = await leader.send("Thông báo họp tổ T05")  # looks like "thông báo" + a code
    assert preview[0].title == VI("leader.announce.preview_title")
    learner = Chat(app, "c-9104", channel="console")
    await learner.join(await join_code(app, "T05"))
    assert VI("leader.not_leader") in text_of(await learner.send("thông báo"))


async def test_a_new_demo_role_drops_the_old_roles_draft(app: App) -> None:
    demo = Chat(app, "c-9105", channel="console")
    await demo.join(await join_code(app, "T05"))
    await demo.send("/demo role instructor")
    await demo.send("/challenge")
    assert "dành cho ai" in text_of(await demo.send("1"))
    switched = await demo.send("/demo role official")
    assert VI("tools.official") in text_of(switched)
    out = text_of(await demo.send("1"))  # now the official's first tool, not an audience
    assert VI("challenge.pick_audience") not in out and "Quản lý nhóm" in out


async def test_a_nudge_with_nobody_to_remind_says_so(app: App) -> None:
    leader = await person(app, "c-9106", Role.LEADER, "T05")
    menu = await leader.send("quan ly nhom")
    labels = [o.label for m in menu for o in m.options]
    out = text_of(await leader.send(str(labels.index(VI("leader.btn.nudge")) + 1)))
    assert VI("leader.nudge.nobody", days=2) in out and "0 người" not in out
