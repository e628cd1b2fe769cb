"""Helpers for the roles tests: a class under group T05, people with roles, their ids."""

from __future__ import annotations

from bot.app import App
from bot.services import invites
from bot.services.permissions import Role
from tests.conftest import Chat

CLASS_CSV = """code,name,kind,parent_code,population
T05-L1,Lớp AI tối thứ Ba,lớp,T05,
"""


async def unit_id(app: App, code: str) -> int:
    async with app.store.transaction() as repo:
        unit = await repo.units.unit_by_code(code)
    assert unit is not None
    return unit.id


async def person(app: App, chat: Chat) -> int:
    """The learner id behind a chat (the chat says something first if it never has)."""
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity(chat.channel, chat.user)
    if ident is None:
        await chat.send("/roles")
        async with app.store.transaction() as repo:
            ident = await repo.learners.identity(chat.channel, chat.user)
    assert ident is not None
    return ident.learner_id


async def give(app: App, chat: Chat, role: Role, unit_code: str) -> int:
    """Grant a role directly (as the CLI would after an invite); the learner id."""
    learner_id = await person(app, chat)
    unit = await unit_id(app, unit_code)
    async with app.store.transaction() as repo:
        assert (
            await invites.grant(repo, learner_id, role, unit, None, app.deps.now(), via="test")
            is not None
        )
    return learner_id
