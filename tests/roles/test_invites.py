"""Invites through the real dialog: a Telegram deep link with buttons and a code typed on the
console with numbered replies; expired, reused and forged codes; throttled codes; the audit log;
officials inviting from the chat inside their subtree; the console's /demo role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import App
from bot.i18n import Translator
from bot.services import permissions, roles_admin, throttle
from bot.services.invites import MadeInvite, code_hash
from bot.services.permissions import Action, Role
from bot.services.roles_chat import ensure_demo_admin
from tests.conftest import Chat, Clock, join_code, text_of
from tests.roles.conftest import give, person, unit_id

VI = Translator("vi")


async def invite(app: App, role: str = "leader", unit: str = "T05", days: float = 3) -> MadeInvite:
    return await roles_admin.invite(app.store, unit, role, days, app.deps.now())


async def roles(app: App, chat: Chat) -> list[tuple[str, int]]:
    learner = await person(app, chat)
    async with app.store.transaction() as repo:
        return [(r.role, r.unit_id) for r in await repo.roles.active_roles(learner)]


async def test_a_deep_link_with_buttons_grants_the_role_once(any_app: App) -> None:
    app = any_app
    made = await invite(app)
    chat = Chat(app, "7001")
    offer = await chat.send(f"/start r_{made.code}")
    assert offer[0].title == VI("roles.invite.offer_title")
    assert "trưởng nhóm" in offer[0].text and "Tổ dân phố số 5" in offer[0].text
    assert [o.key for o in offer[0].options] == ["rl:yes", "rl:no"]
    assert await roles(app, chat) == []  # nothing changes before the yes
    done = await chat.tap("rl:yes")
    assert VI("roles.invite.accepted", role="trưởng nhóm", unit="Tổ dân phố số 5") in text_of(done)
    assert await roles(app, chat) == [("leader", await unit_id(app, "T05"))]
    # The same person or anyone else opening it again: used, and nothing changes.
    other = Chat(app, "7002")
    assert VI("roles.invite.used") in text_of(await other.send(f"/start r_{made.code}"))
    assert await roles(app, other) == []
    # A repeated tap on the old button finds nothing waiting.
    assert VI("roles.invite.nothing_open") in text_of(await chat.tap("rl:yes"))


async def test_a_typed_code_on_the_console_with_numbered_replies(app: App) -> None:
    made = await invite(app, "instructor", "PDP")
    chat = Chat(app, "7003", channel="console")
    await chat.join(await join_code(app, "T05"))
    for typed in (made.typed.lower(), f"vai tro {made.typed}"):
        offer = await chat.send(typed)
        assert "giảng viên nòng cốt" in offer[0].text and offer[0].options
    assert "Phường Phan Đình Phùng" in text_of(await chat.send("1"))
    assert await roles(app, chat) == [("instructor", await unit_id(app, "PDP"))]


async def test_declining_leaves_the_code_for_later(app: App) -> None:
    made = await invite(app)
    chat = Chat(app, "7004")
    await chat.send(f"/start r_{made.code}")
    assert text_of(await chat.tap("rl:no")).strip() == VI("roles.invite.declined")
    assert await roles(app, chat) == []
    await chat.send(f"/start r_{made.code}")
    await chat.tap("rl:yes")
    assert len(await roles(app, chat)) == 1


async def test_an_expired_code_changes_nothing(app: App, clock: Clock) -> None:
    made = await invite(app, days=1)
    chat = Chat(app, "7005")
    offer = await chat.send(f"/start r_{made.code}")  # opened in time...
    clock.advance(days=1, minutes=1)
    late = await chat.tap("rl:yes")  # ...confirmed too late
    assert VI("roles.invite.expired") in text_of(late)
    assert await roles(app, chat) == [] and offer
    assert VI("roles.invite.expired") in text_of(await Chat(app, "7006").send(made.typed))


@pytest.mark.parametrize(
    "forged",
    [
        "/start r_AAAAAAAAAAAAAAAAAA",
        "ABCDEF-GHJKMN-PQRSTU",
        "vai trò ABCDEF GHJKMN PQRSTU",
        "/start r_' OR 1=1 --",
        "/start r_" + "9" * 500,
    ],
)
async def test_forged_codes_change_nothing(app: App, forged: str) -> None:
    await invite(app)
    chat = Chat(app, "7007")
    out = await chat.send(forged)
    assert VI("roles.invite.unknown") in text_of(out)
    assert await roles(app, chat) == []
    async with app.store.transaction() as repo:  # a forged code grants nothing, anywhere
        assert await repo.roles.grants_in(None) == []


async def test_two_people_racing_for_one_code_get_one_role(app: App) -> None:
    made = await invite(app)
    first, second = Chat(app, "7008"), Chat(app, "7009")
    await first.send(f"/start r_{made.code}")
    await second.send(f"/start r_{made.code}")  # both were shown the offer
    await first.tap("rl:yes")
    assert VI("roles.invite.used") in text_of(await second.tap("rl:yes"))
    assert len(await roles(app, first)) == 1 and await roles(app, second) == []


async def test_only_the_hash_of_a_code_is_stored(app: App) -> None:
    made = await invite(app)
    async with app.store.transaction() as repo:
        found = await repo.roles.invite_by_hash(code_hash(made.code))
    assert found is not None and made.code not in repr(found)


async def test_wrong_invite_codes_are_throttled(app: App, clock: Clock) -> None:
    made = await invite(app)
    chat = Chat(app, "7010")
    for i in range(throttle.LIMIT):
        assert VI("roles.invite.unknown") in text_of(await chat.send(f"/start r_{'B' * 17}{i}"))
    # Now even the right code waits: guessing is what this stops.
    assert VI("roles.throttled", minutes=10) in text_of(await chat.send(made.typed))
    assert await roles(app, chat) == []
    clock.advance(minutes=11)
    await chat.send(made.typed)
    await chat.tap("rl:yes")
    assert len(await roles(app, chat)) == 1


async def test_wrong_join_codes_are_throttled_per_person(app: App, clock: Clock) -> None:
    code = await join_code(app, "T05")
    chat = Chat(app, "7011")
    for i in range(throttle.LIMIT):
        assert "không đúng" in text_of(await chat.send(f"/start g_WRONG{i}"))
    out = await chat.send(f"/start g_{code}")
    assert VI("roles.throttled", minutes=10) in text_of(out)
    async with app.store.transaction() as repo:
        learner = await repo.learners.learner(await person(app, chat))
    assert learner is not None and learner.unit_id is None  # the right code opened nothing
    clock.advance(minutes=11)
    assert "Tổ dân phố số 5" in text_of(await chat.send(f"/start g_{code}"))


async def test_wrong_join_codes_typed_while_onboarding_are_throttled(app: App) -> None:
    chat = Chat(app, "7012", channel="zalo_bot")
    await chat.send("/start")
    for i in range(throttle.LIMIT):
        await chat.send(f"SAI{i}XX")
    assert VI("roles.throttled", minutes=10) in text_of(
        await chat.send(await join_code(app, "T05"))
    )


async def test_the_audit_log_records_invite_grant_and_revoke(app: App) -> None:
    made = await invite(app)
    chat = Chat(app, "7013")
    await chat.send(f"/start r_{made.code}")
    await chat.tap("rl:yes")
    learner = await person(app, chat)
    await roles_admin.revoke(
        app.store, app.deps.now(), learner_id=learner, role="leader", unit_code="T05"
    )
    events = await roles_admin.log(app.store, "PDP", 10)  # the ward above sees its groups
    assert [e.action for e in reversed(events)] == ["invite", "grant", "revoke"]
    assert events[1].target_id == learner and events[1].detail["via"] == "invite"
    assert events[0].detail["via"] == "cli" and events[0].unit_id == await unit_id(app, "T05")
    assert await roles_admin.log(app.store, "T07", 10) == []  # a sibling sees none of it
    assert await roles(app, chat) == []


async def test_roles_admin_refuses_what_does_not_exist(app: App) -> None:
    with pytest.raises(roles_admin.RolesError, match="unknown unit"):
        await invite(app, unit="NOPE")
    with pytest.raises(roles_admin.RolesError, match="unknown role"):
        await invite(app, role="mayor")
    with pytest.raises(roles_admin.RolesError, match="no active grant"):
        await roles_admin.revoke(app.store, app.deps.now(), role_id=999)


async def test_an_official_invites_from_the_chat_inside_their_subtree(app: App) -> None:
    official = Chat(app, "7014")
    await give(app, official, Role.OFFICIAL, "PDP")
    pick = await official.send("/invite")
    keys = {o.label: o.key for o in pick[0].options}
    assert set(keys) == {"Phường Phan Đình Phùng", "Tổ dân phố số 5", "Tổ dân phố số 7"}
    roles_offered = await official.tap(keys["Tổ dân phố số 7"])
    labels = [o.label for o in roles_offered[0].options]
    assert "trưởng nhóm" in labels and "quản trị viên" not in labels
    made = await official.tap(
        next(o.key for o in roles_offered[0].options if o.label == "trưởng nhóm")
    )
    code = next(line for line in made[0].text.splitlines() if line.count("-") == 2)
    newcomer = Chat(app, "7015")
    await newcomer.send(code)
    await newcomer.tap("rl:yes")
    assert await roles(app, newcomer) == [("leader", await unit_id(app, "T07"))]
    # The log names the official as the one who invited.
    events = await roles_admin.log(app.store, "T07", 10)
    assert events[-1].actor_id == await person(app, official)


async def test_inviting_outside_ones_scope_or_role_is_refused(app: App) -> None:
    official = Chat(app, "7016")
    await give(app, official, Role.OFFICIAL, "PDP")
    assert VI("roles.make.unknown_unit", code="TN") in text_of(
        await official.send("/invite TN leader")
    )
    assert VI("roles.not_allowed") in text_of(await official.send("/invite T05 admin"))
    # A forged tap for an admin invite, or for a unit outside the subtree.
    tn = await unit_id(app, "TN")
    assert VI("roles.not_allowed") in text_of(await official.tap(f"rl:make:{tn}:leader"))
    assert VI("roles.not_allowed") in text_of(
        await official.tap(f"rl:make:{await unit_id(app, 'T05')}:admin")
    )
    assert VI("choice.stale") in text_of(await official.tap("rl:make:99999999999999:leader"))
    leader = Chat(app, "7017")
    await give(app, leader, Role.LEADER, "T05")
    assert VI("roles.not_allowed") in text_of(await leader.send("/invite"))
    assert VI("roles.not_allowed") in text_of(await leader.send("/invite T05 mentor"))
    async with app.store.transaction() as repo:
        assert await repo.roles.events(None, 50) == [
            e for e in await repo.roles.events(None, 50) if e.action == "grant"
        ]


async def test_an_official_types_the_whole_invite(app: App) -> None:
    official = Chat(app, "7018")
    await give(app, official, Role.OFFICIAL, "PDP")
    out = await official.send("/invite T07 giảng viên")
    assert "giảng viên nòng cốt" in out[0].text and "Tổ dân phố số 7" in out[0].text


async def test_my_roles(app: App) -> None:
    chat = Chat(app, "7019")
    assert text_of(await chat.send("/roles")).strip() == VI("roles.mine_none")
    await give(app, chat, Role.MENTOR, "T05")
    assert "người hướng dẫn: Tổ dân phố số 5" in text_of(await chat.send("/roles"))


async def test_demo_switches_roles_on_the_console_only(app: App) -> None:
    demo = Chat(app, "demo", channel="console")
    await demo.join(await join_code(app, "T05"))
    assert "trưởng nhóm" in text_of(await demo.send("/demo role leader"))
    learner = await person(app, demo)
    t05, pdp = await unit_id(app, "T05"), await unit_id(app, "PDP")
    async with app.store.transaction() as repo:
        assert await permissions.can(repo, learner, Action.NUDGE, t05, admins=())
        assert not await permissions.can(repo, learner, Action.REVIEW, None, admins=())
    await demo.send("/demo role official")
    assert await roles(app, demo) == [("official", pdp)]
    await demo.send("/demo role admin")
    assert VI("review.not_allowed") not in text_of(await demo.send("/review"))
    assert VI("roles.demo.learner") in text_of(await demo.send("/demo role learner"))
    assert await roles(app, demo) == []
    assert VI("review.not_allowed") in text_of(await demo.send("/review"))
    assert VI("roles.demo.usage") in text_of(await demo.send("/demo role mayor"))
    # Elsewhere the command is refused and changes nothing.
    real = Chat(app, "7020")
    await real.join(await join_code(app, "T05"))
    assert VI("roles.demo.only_console") in text_of(await real.send("/demo role admin"))
    assert await roles(app, real) == []


async def test_the_demo_user_starts_as_administrator_by_a_grant(app: App) -> None:
    await ensure_demo_admin(
        app.store, "console", "demo", "Học viên demo", app.deps.timezone, app.deps.now()
    )
    demo = Chat(app, "demo", channel="console")
    assert await roles(app, demo) == [("admin", await unit_id(app, "TN"))]
    assert VI("review.not_allowed") not in text_of(await demo.send("/review"))
    await demo.send("/demo role learner")
    await ensure_demo_admin(
        app.store, "console", "demo", "Học viên demo", app.deps.timezone, app.deps.now()
    )  # a restart keeps the choice
    assert await roles(app, demo) == []
    # Any other console user is no instructor: no special case for the channel.
    assert VI("review.not_allowed") in text_of(
        await Chat(app, "x", channel="console").send("/review")
    )


async def test_invite_codes_last_between_an_hour_and_a_month(app: App) -> None:
    with pytest.raises(roles_admin.RolesError):
        await invite(app, days=0)
    with pytest.raises(roles_admin.RolesError):
        await invite(app, days=31)
    made = await invite(app, days=0.5)
    assert made.invite.expires_at - app.deps.now() == timedelta(hours=12)


async def test_a_join_code_alone_does_not_open_the_member_list(app: App) -> None:
    code = await join_code(app, "T05")
    member = Chat(app, "7021", name="Lê Văn Tám")
    await member.join(code)
    await member.send("/lesson")
    lesson = app.deps.curriculum.lessons[0]
    await member.tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")
    stranger = Chat(app, "7022")
    await stranger.join(code)
    board = await stranger.send("/leaderboard")
    assert "Lê Văn Tám" not in text_of(board)
    assert VI("roles.board_after_first_point", members=2) in board[0].text
    assert "Lê Văn Tám" in text_of(await member.send("/leaderboard"))


def test_every_logged_action_has_a_text_in_both_languages() -> None:
    from bot.i18n import catalog
    from bot.services.invites import Event

    for language in ("vi", "en"):
        assert {f"roles.audit.{e.value}" for e in Event} <= set(catalog(language))
        assert {f"roles.name.{r.value}" for r in Role} <= set(catalog(language))


async def test_officials_read_the_role_log_of_their_units_only(app: App) -> None:
    made = await invite(app, "leader", "T05")
    newcomer = Chat(app, "7030", name="Bà Ba")
    await newcomer.join(await join_code(app, "T05"))
    await newcomer.send(made.typed)
    await newcomer.tap("rl:yes")
    await invite(app, "leader", "TN")  # above the ward: not the ward official's business
    official = Chat(app, "7031")
    await give(app, official, Role.OFFICIAL, "PDP")
    log = text_of(await official.send("/roles log"))
    assert VI("roles.audit.title") in log
    assert "Bà Ba" in log and VI("roles.audit.grant") in log and "Tổ dân phố số 5" in log
    assert "Tỉnh Thái Nguyên" not in log
    assert VI("roles.not_allowed") in text_of(await newcomer.send("/roles log"))
