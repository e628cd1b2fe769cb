"""Telegram's command menu: learners see the learners' commands (the default menu); a person
with a role gets their own menu in their chat (BotCommandScopeChat) with their role's tools,
set when the role is granted and taken away when it is revoked, whichever process did it (the
menus follow the role log). Checked against a fake Bot API server at the HTTP level."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from bot.app import App
from bot.channels.telegram.runner import make_bot, register_commands, sync_menus
from bot.services import invites
from bot.services.permissions import Role
from tests.conftest import Chat, join_code
from tests.fakes.telegram_api import FakeTelegram
from tests.roles.conftest import give

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
TOOLS = {"group", "honours", "invite", "review", "class", "session", "mentor"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    made = make_bot(TOKEN, fake.base)
    yield made
    await made.session.close()


async def member(app: App, user: str) -> Chat:
    chat = Chat(app, user)
    await chat.join(await join_code(app, "T05"))
    return chat


async def test_learners_see_the_short_menu_and_role_holders_their_tools(
    app: App, fake: FakeTelegram, bot: Bot
) -> None:
    await register_commands(bot)
    learners = fake.menu("default")
    assert learners is not None and {"lesson", "certificate", "checkin", "challenge"} <= set(
        learners
    )
    assert not TOOLS & set(learners)
    assert fake.menu("default", language="en") == learners  # same commands, English words

    plain = await member(app, "7100")
    leader = await member(app, "7101")
    teacher = await member(app, "7102")
    mentor = await member(app, "7103")
    await give(app, leader, Role.LEADER, "T05")
    await give(app, teacher, Role.INSTRUCTOR, "PDP")
    await give(app, mentor, Role.MENTOR, "T05")
    last = await sync_menus(app, {None: bot})
    assert fake.menu(f"chat:{plain.user}") is None  # the default menu
    lead = fake.menu(f"chat:{leader.user}")
    assert lead is not None and {"group", "honours", "lesson"} <= set(lead)
    assert not {"class", "review", "invite", "mentor"} & set(lead)
    teach = fake.menu(f"chat:{teacher.user}")
    assert teach is not None and {"class", "session", "review", "mentor", "group"} <= set(teach)
    assert "invite" not in teach
    guide = fake.menu(f"chat:{mentor.user}")
    assert guide is not None and (set(guide) - set(learners)) == {"mentor"}

    # Nothing changed: a second round sets nothing again.
    fake.menus.clear()
    assert await sync_menus(app, {None: bot}, last) == last and not fake.menus
    # A revoke (here as the CLI does it, in another process) takes the menu back.
    fake.menus[(TOKEN, f"chat:{leader.user}", "")] = lead
    async with app.store.transaction() as repo:
        (held,) = await repo.roles.active_roles(await _id(app, leader))
        assert await invites.revoke(repo, held.id, None, app.deps.now(), via="cli")
    await sync_menus(app, {None: bot}, last)
    assert fake.menu(f"chat:{leader.user}") is None


async def test_an_official_gets_invites_and_a_restart_sets_every_holders_menu(
    app: App, fake: FakeTelegram, bot: Bot
) -> None:
    official = await member(app, "7201")
    await give(app, official, Role.OFFICIAL, "PDP")
    await sync_menus(app, {None: bot})  # a fresh start reads the whole role log
    menu = fake.menu(f"chat:{official.user}")
    assert menu is not None and {"invite", "honours", "group"} <= set(menu)
    assert "class" not in menu


async def _id(app: App, chat: Chat) -> int:
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity(chat.channel, chat.user)
    assert ident is not None
    return ident.learner_id
