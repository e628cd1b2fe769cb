"""Which commands a person's chat menu lists: a learner's, or with roles their tools too.

Telegram shows one menu per chat: learners see the default one (set at start), and each role
holder gets their own (BotCommandScopeChat) in their language, set again whenever a role is
granted or revoked. The role log (`role_events`) says whose menu changed; the channel
(bot/channels/telegram/runner.py) follows it, so a role given from the chat, by an invite or
with the CLI in another process all reach the menu. This module only decides.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.services.invites import Event
from bot.services.permissions import ALLOWED, Action, Role, external_admin
from bot.services.ports import UnitOfWork

CHANNEL = "telegram"
EVENTS_PAGE = 500


@dataclass(frozen=True)
class Menu:
    """One Telegram chat's menu: with no actions, the learners' default one."""

    learner_id: int
    chat_id: str
    bot_id: int | None
    language: str
    actions: frozenset[Action]


async def actions_of(repo: UnitOfWork, learner_id: int) -> frozenset[Action]:
    held: set[Action] = set()
    for grant in await repo.roles.active_roles(learner_id):
        try:
            held |= ALLOWED[Role(grant.role)]
        except ValueError:  # a role this version does not know: no tools for it
            continue
    return frozenset(held)


async def menus_of(
    repo: UnitOfWork, learner_ids: Collection[int], admins: Collection[str]
) -> list[Menu]:
    """The menu of each Telegram chat of these people (HOCAI_ADMINS get every tool)."""
    found: list[Menu] = []
    for learner_id in sorted(set(learner_ids)):
        learner = await repo.learners.learner(learner_id)
        if learner is None:
            continue
        actions = await actions_of(repo, learner_id)
        for identity in await repo.learners.identities_of(learner_id):
            if identity.channel != CHANNEL:
                continue
            mine = (
                frozenset(Action)
                if external_admin(identity.channel, identity.external_id, admins)
                else actions
            )
            found.append(
                Menu(learner_id, identity.chat_id, identity.bot_id, learner.language, mine)
            )
    return found


async def changed_after(repo: UnitOfWork, after_id: int) -> tuple[set[int], int]:
    """People whose roles were granted or revoked after the role-log entry `after_id` (0: ever),
    and the last entry read."""
    people: set[int] = set()
    last = after_id
    while True:
        page = await repo.roles.events_after(last, EVENTS_PAGE)
        if not page:
            return people, last
        for event in page:
            if event.action in (Event.GRANT, Event.REVOKE) and event.target_id is not None:
                people.add(event.target_id)
        last = page[-1].id


async def admins_known(repo: UnitOfWork, admins: Collection[str]) -> set[int]:
    """The learners behind HOCAI_ADMINS' Telegram ids (they hold no grant rows)."""
    people: set[int] = set()
    for entry in admins:
        channel, _, external = entry.rpartition(":")
        if channel in ("", CHANNEL):
            identity = await repo.learners.identity(CHANNEL, external)
            if identity is not None:
                people.add(identity.learner_id)
    return people
