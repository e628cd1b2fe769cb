"""The console demo: the demo user tries the instructor's and leader's tools as a real
administrator."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Translator
from bot.services import invites
from bot.services.context import Deps
from bot.services.io import Inbound, Out
from bot.services.permissions import Role
from bot.services.ports import LearnerRecord, Store, UnitOfWork, UnitRecord
from bot.services.roles_chat.words import role_name

DEMO_CHANNEL = "console"


async def _demo_unit(repo: UnitOfWork, learner: LearnerRecord, role: Role) -> UnitRecord | None:
    """The learner's own group for group roles, the unit above it for an official, the root for
    an administrator."""
    start = learner.unit_id
    if start is None:
        roots = await repo.roles.roots()
        start = roots[0] if roots else None
    if start is None:
        return None
    chain = await repo.roles.ancestors(start)  # the unit first, the root last
    pick = {Role.OFFICIAL: chain[1] if len(chain) > 1 else chain[0], Role.ADMIN: chain[-1]}
    return await repo.units.unit(pick.get(role, chain[0]))


async def demo(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    event: Inbound,
    args: str,
) -> list[Out]:
    """'/demo role leader|instructor|mentor|official|admin|learner': the console only."""
    if event.channel != DEMO_CHANNEL:
        return [Out(text=tr("roles.demo.only_console"))]
    words = args.split()
    wanted = words[1].lower() if len(words) == 2 and words[0].lower() == "role" else ""
    if wanted not in {*Role, "learner"}:
        return [Out(text=tr("roles.demo.usage"))]
    now = deps.now()
    for held in await repo.roles.active_roles(learner.id):
        await invites.revoke(repo, held.id, learner.id, now, via="demo")
    if wanted == "learner":
        return [Out(text=tr("roles.demo.learner"))]
    role = Role(wanted)
    unit = await _demo_unit(repo, learner, role)
    if unit is None:
        return [Out(text=tr("roles.demo.no_units"))]
    await invites.grant(repo, learner.id, role, unit.id, learner.id, now, via="demo")
    return [Out(text=tr("roles.demo.switched", role=role_name(tr, role), unit=unit.name))]


async def ensure_demo_admin(
    store: Store,
    channel: str,
    external_id: str,
    nickname: str,
    timezone: str,
    now: datetime,
) -> None:
    """The console demo user starts as the administrator of the demo tree, by a real grant (the
    permission check has no special case for the console). Granted once: after a '/demo role'
    switch the choice stays across restarts."""
    async with store.transaction() as repo:
        roots = await repo.roles.roots()
        if not roots:
            return
        identity = await repo.learners.identity(channel, external_id)
        if identity is None:
            learner, _ = await repo.learners.create_learner(
                channel, external_id, external_id, nickname, timezone, now
            )
            learner_id = learner.id
        else:
            learner_id = identity.learner_id
            if await repo.roles.events_of(learner_id, 1):
                return
        await invites.grant(repo, learner_id, Role.ADMIN, roots[0], None, now, via="demo")
