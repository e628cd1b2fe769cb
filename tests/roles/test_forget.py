"""/deleteme for someone with roles, invites, announcements, reminders and a linked group chat:
everything personal goes, the audit log keeps the events without the person."""

from __future__ import annotations

from bot.app import App
from bot.services import outbox, roles_admin
from bot.services.io import Inbound
from bot.services.permissions import Role
from tests.conftest import Chat, Clock, join_code, text_of
from tests.keys import says
from tests.roles.conftest import give, person, unit_id


async def test_a_leader_deletes_their_data(any_app: App, clock: Clock) -> None:
    app = any_app
    boss = Chat(app, "9100", name="Tổ Trưởng")
    await boss.join(await join_code(app, "T05"))
    member = Chat(app, "9101", name="Thành Viên")
    await member.join(await join_code(app, "T05"))
    await give(app, boss, Role.OFFICIAL, "T05")  # may invite, announce
    await give(app, boss, Role.LEADER, "T05")
    t05 = await unit_id(app, "T05")
    await boss.send("/invite T05 mentor")
    await boss.tap(f"ld:ann:{t05}")
    await boss.send("Họp tổ tối nay")
    await boss.tap(f"ld:annok:{t05}")
    clock.advance(days=3)
    await boss.tap(f"ld:nudge:{t05}")
    await member.send("đừng nhắc tôi")
    await app.dialog.handle(
        Inbound(
            channel="telegram",
            external_id="9100",
            chat_id="-100",
            kind="command",
            command="group",
            is_group=True,
        )
    )
    me = await person(app, boss)
    await boss.send("/deleteme")
    assert says(text_of(await boss.tap("del:yes")), "delete.done")
    async with app.store.transaction() as repo:
        assert await repo.learners.identity("telegram", "9100") is None
        assert await repo.roles.active_roles(me) == []
        events = await repo.roles.events([t05], 50)
    assert events and all(e.actor_id != me and e.target_id != me for e in events)
    assert await roles_admin.grants(app.store, "T05") == []
    # What was queued for the member still goes out; nothing for the deleted leader.
    assert (await outbox.drain(app.deps, app.sender)).failed == 0
