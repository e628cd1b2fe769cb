"""The weekly digest on Monday morning, once a week, to leaders and to a linked group chat."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.i18n import Translator
from bot.services import digest, outbox
from bot.services.io import Inbound
from bot.services.permissions import Role
from tests.conftest import Chat, Clock, text_of
from tests.keys import says
from tests.roles.conftest import give
from tests.roles.test_leader import FAST, LEADER, Recording, group_of

VI = Translator("vi")
MONDAY_0800 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
GROUP_CHAT = "-1001234"


def in_group(user: str, args: str = "") -> Inbound:
    return Inbound(
        channel="telegram",
        external_id=user,
        chat_id=GROUP_CHAT,
        kind="command",
        text=f"/group {args}".strip(),
        command="group",
        args=args,
        is_group=True,
    )


async def test_the_digest_comes_on_monday_morning_once(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    wire = Recording()
    app.sender.add(wire, FAST)
    official = Chat(app, "8100", name="Cán Bộ")
    await give(app, official, Role.OFFICIAL, "PDP")
    await give(app, chats["minh"], Role.MENTOR, "T05")  # mentors get no digest
    clock.now = MONDAY_0800.replace(hour=0, minute=59)  # 07:59: not yet
    assert await digest.queue_weekly(app.deps) == 0
    clock.now = MONDAY_0800
    assert await digest.queue_weekly(app.deps) == 2  # the leader (T05) and the official (PDP)
    assert await digest.queue_weekly(app.deps) == 0  # a second tick, or a restart: nothing new
    await outbox.drain(app.deps, app.sender)
    (mine,) = wire.to(LEADER)
    assert mine.title == VI("leader.digest.title", group="Tổ dân phố số 5")
    assert VI("leader.digest.participation", active=1, members=4, rate=25) in mine.text
    assert "1/2" in mine.text and "Lan (10 điểm)" in mine.text
    assert "Minh" in mine.text and "Người Tổ Bảy" not in mine.text  # who needs help, own group
    assert wire.to("8100")[0].title == VI("leader.digest.title", group="Phường Phan Đình Phùng")
    clock.advance(days=1)  # Tuesday
    assert await digest.queue_weekly(app.deps) == 0
    clock.advance(days=6)  # the next Monday
    assert await digest.queue_weekly(app.deps) == 2


async def test_a_linked_group_chat_gets_the_digest_without_names_of_who_needs_help(
    app: App, clock: Clock
) -> None:
    chats = await group_of(app, clock)
    wire = Recording()
    app.sender.add(wire, FAST)
    # A member cannot link the group chat; someone the bot does not know cannot either.
    assert VI("leader.chat.not_allowed") in text_of(await app.dialog.handle(in_group("8002")))
    assert VI("leader.chat.private_first") in text_of(await app.dialog.handle(in_group("777")))
    assert VI("leader.chat.not_allowed") in text_of(
        await app.dialog.handle(in_group(LEADER, "T07"))
    )
    linked = await app.dialog.handle(in_group(LEADER))
    assert VI("leader.chat.linked", group="Tổ dân phố số 5") in text_of(linked)
    # Other commands in a group still get the short "message me privately" answer.
    other = Inbound(
        channel="telegram",
        external_id=LEADER,
        chat_id=GROUP_CHAT,
        kind="command",
        text="/lesson",
        command="lesson",
        is_group=True,
    )
    assert VI("group.private_only") in text_of(await app.dialog.handle(other))
    clock.now = MONDAY_0800
    assert await digest.queue_weekly(app.deps) == 2  # the leader, and the group chat
    await outbox.drain(app.deps, app.sender)
    (posted,) = wire.to(GROUP_CHAT)
    assert "Lan (10 điểm)" in posted.text
    assert "Minh" not in posted.text and not says(posted.text, "leader.digest.help")
    assert chats
