"""How roles meet the routing table: an invite while joining (the joining questions go on), a
code typed as "/role CODE", a half-typed announcement ended by "/group" but a joining step
kept, and the menu's new commands."""

from __future__ import annotations

from bot.app import App
from bot.i18n import Translator
from bot.services.chat.routes import ROUTER
from bot.services.permissions import Role
from tests.conftest import Chat, join_code, text_of
from tests.roles.conftest import give, unit_id
from tests.roles.test_invites import invite, roles

VI = Translator("vi")


async def test_an_invite_opened_while_joining_then_joining_goes_on(app: App) -> None:
    made = await invite(app)
    chat = Chat(app, "7101")
    offer = await chat.send(f"/start r_{made.code}")
    assert [o.key for o in offer[0].options] == ["rl:yes", "rl:no"]
    done = await chat.tap("rl:yes")
    assert VI("roles.invite.accepted", role="trưởng nhóm", unit="Tổ dân phố số 5") in done[0].text
    assert VI("onboarding.ask_group") in text_of(done)  # the first joining question follows
    assert await roles(app, chat) == [("leader", await unit_id(app, "T05"))]
    # A wrong code typed while joining: the kind refusal, then the question again.
    wrong = await chat.send("ABCDEF-GHJKMN-PQRSTU")
    assert VI("roles.invite.unknown") in wrong[0].text
    assert VI("onboarding.ask_group") in text_of(wrong[1:])
    joined = await chat.send(f"/start g_{await join_code(app, 'T05')}")  # joining still works
    assert VI("onboarding.welcome_group", group="Tổ dân phố số 5") in text_of(joined)


async def test_a_code_typed_after_slash_role(app: App) -> None:
    made = await invite(app, "mentor")
    chat = Chat(app, "7102")
    await chat.join(await join_code(app, "T05"))
    offer = await chat.send(f"/role {made.typed}")
    assert "người hướng dẫn" in offer[0].text
    await chat.send("1")  # numbered reply: "Nhận vai trò"
    assert await roles(app, chat) == [("mentor", await unit_id(app, "T05"))]
    assert "người hướng dẫn" in text_of(await chat.send("/role"))  # alone: one's roles


async def test_group_ends_a_half_typed_announcement_but_keeps_a_joining_step(app: App) -> None:
    boss = Chat(app, "7103")
    await boss.join(await join_code(app, "T05"))
    await give(app, boss, Role.LEADER, "T05")
    t05 = await unit_id(app, "T05")
    await boss.tap(f"ld:ann:{t05}")
    await boss.send("/group")  # the announcement is dropped: the next text is not sent as one
    out = await boss.send("Họp tổ tối nay")
    assert VI("leader.announce.preview_title") not in [m.title for m in out]
    newcomer = Chat(app, "7104")
    await newcomer.send("/start")  # waiting for a group code
    assert VI("leader.not_leader") in text_of(await newcomer.send("/group"))
    joined = await newcomer.send(await join_code(app, "T05"))
    assert VI("onboarding.joined", group="Tổ dân phố số 5") in text_of(joined)


def test_group_and_roles_are_in_the_menu() -> None:
    from bot.services.permissions import ALLOWED, Role

    learner = [name for name, _ in ROUTER.menu(VI)]
    leader = [name for name, _ in ROUTER.menu(VI, ALLOWED[Role.LEADER])]
    assert "roles" in learner and "group" not in learner  # a learner's menu stays short
    assert {"group", "roles"} <= set(leader)
    assert not {"role", "invite", "demo", "nonudge", "nudgeon"} & set(leader)
