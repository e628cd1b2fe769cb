"""A Telegram group chat linked to a unit gets a challenge's announcement and, at the deadline,
its results: through the leaders' outbox and the real Telegram client (a fake Bot API server
at the HTTP level), paced for Telegram's ~20 messages a minute per group, and once, whatever a
restart or a second worker does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from aiogram import Bot

from bot.app import App
from bot.channels.telegram.outbound import TelegramOutbound
from bot.channels.telegram.runner import make_bot
from bot.i18n import Translator
from bot.services import challenges, outbox
from bot.services.io import Inbound
from bot.services.permissions import Role
from bot.services.ports.challenges import SendKind
from bot.services.sender import Limits
from lessons.loader import load_curriculum
from tests.conftest import Chat, Clock, join_code, make_app, text_of
from tests.fakes.telegram_api import FakeTelegram
from tests.instr.conftest import WORK, give, instructor, learner, rows
from tests.instr.test_challenge_life import create_by_taps

VI = Translator("vi")
TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
GROUP_T05 = "-100555"
GROUP_T07 = "-100777"  # another group's chat: not the challenge's audience


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


def wire_telegram(app: App, fake: FakeTelegram) -> Bot:
    """The real outbound client against the fake server, with a group's real pace."""
    bot = make_bot(TOKEN, fake.base)
    app.sender.add(
        TelegramOutbound(bot), Limits(per_second=1000, per_chat_interval=0, group_per_minute=20)
    )
    return bot


def in_group(user: str, chat_id: str) -> Inbound:
    return Inbound(
        channel="telegram",
        external_id=user,
        chat_id=chat_id,
        kind="command",
        text="/group",
        command="group",
        args="",
        is_group=True,
    )


async def test_a_linked_group_chat_gets_the_announcement_and_results_once(
    database_url: str, clock: Clock, fake: FakeTelegram
) -> None:
    curriculum, _ = load_curriculum()
    app = await make_app(database_url, clock, curriculum)
    first = wire_telegram(app, fake)
    inst = await instructor(app)
    a = await learner(app, "7101", name="Nguyễn Văn An")
    await learner(app, "7102", name="Trần Thị Bình")
    other_leader = Chat(app, "7201", name="Tổ trưởng Tổ Bảy")
    await other_leader.join(await join_code(app, "T07"))
    await give(app, other_leader, Role.LEADER, "T07")
    linked = await app.dialog.handle(in_group(inst.user, GROUP_T05))
    assert VI("leader.chat.linked", group="Tổ dân phố số 5") in text_of(linked)
    await app.dialog.handle(in_group(other_leader.user, GROUP_T07))

    challenge_id = await create_by_taps(inst, app)
    await outbox.drain(app.deps, app.sender)
    (posted,) = fake.to(GROUP_T05)
    assert VI("challenge.announce_title", id=challenge_id) in posted.text
    assert "/challenge" in posted.text and posted.reply_markup is None  # work goes in private
    assert not fake.to(GROUP_T07)
    # The same post queued again (a second worker, a retried transaction): nothing new.
    async with app.store.transaction() as repo:
        made = await repo.challenges.challenge(challenge_id)
        assert made is not None
        assert await challenges.queue_group_chats(app.deps, repo, made, SendKind.ANNOUNCE) == 0
    await outbox.drain(app.deps, app.sender)
    assert len(fake.to(GROUP_T05)) == 1

    await challenges.tick(app.deps, app.sender)  # the learners' own announcements
    await a.tap(f"cg:do:{challenge_id}")
    await a.send(WORK)
    clock.now = datetime(2026, 11, 25, 13, 1, tzinfo=UTC)  # past the deadline
    assert (await challenges.tick(app.deps, app.sender)).closed == 1
    await outbox.drain(app.deps, app.sender)
    results = fake.to(GROUP_T05)[1:]
    assert len(results) == 1 and VI("challenge.results_title", id=challenge_id) in results[0].text
    assert "Nguyễn Văn An" in results[0].text
    assert "Bạn xếp thứ" not in results[0].text  # nobody's own line in the group
    assert not fake.to(GROUP_T07)

    # A restart: a new process on the same database closes nothing and posts nothing again.
    await app.close()
    await first.session.close()
    again = await make_app(database_url, clock, curriculum)
    bot = wire_telegram(again, fake)
    try:
        assert (await challenges.tick(again.deps, again.sender)).closed == 0
        await outbox.drain(again.deps, again.sender)
        assert len(fake.to(GROUP_T05)) == 2
        assert await rows(
            again, "SELECT count(*) FROM outbox WHERE key LIKE 'challenge:%' AND status = 'sent'"
        ) == [(2,)]
    finally:
        await again.close()
        await bot.session.close()


async def test_posts_into_one_group_are_paced_for_telegrams_limit(
    app: App, clock: Clock, fake: FakeTelegram
) -> None:
    """Several challenges at once: their posts into one group are spaced, not sent in a burst."""
    bot = wire_telegram(app, fake)
    inst = await instructor(app)
    await learner(app, "7101")
    await app.dialog.handle(in_group(inst.user, GROUP_T05))
    for _ in range(3):
        await create_by_taps(inst, app)
    await outbox.drain(app.deps, app.sender)
    await bot.session.close()
    posts = fake.to(GROUP_T05)
    assert len(posts) == 3
    gaps = [b.at - a.at for a, b in pairwise(posts)]
    assert min(gaps) >= outbox.GROUP_INTERVAL * 0.9, gaps  # 20 a minute at most
