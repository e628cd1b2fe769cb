"""The weekly digest, and the group chats it is posted to.

Every Monday from 08:00 (the province's zone, HOCAI_TIMEZONE) each person whose role allows
VIEW_REPORT gets their unit's week: participation, the unit's rank among its siblings, the top
learners, and who needs help. A Telegram group chat that added the bot and was linked by its
leader ("/group" typed in the group) gets the same digest without the "needs help" names. The
outbox key (week, unit, recipient) makes it once a week whatever restarts or workers do.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import leader, outbox, permissions
from bot.services.context import Deps
from bot.services.invites import Event
from bot.services.io import Inbound, Out
from bot.services.permissions import Action
from bot.services.ports import LearnerStatus, Queued, UnitOfWork, UnitRecord

WEEKDAY = 0  # Monday
HOUR = 8
TOP = 3
HELP_DAYS = 3  # "needs help": not studied for this many days
HELP_NAMES = 8


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


async def digest(
    deps: Deps, repo: UnitOfWork, unit: UnitRecord, tr: Translator, public: bool
) -> Out:
    """One unit's week. `public` (a group chat) leaves out who needs help."""
    r = await leader.roster(deps, repo, unit)
    active = [row for row in r.rows if row.last_studied and (r.today - row.last_studied).days < 7]
    lines = [
        tr(
            "leader.digest.participation",
            active=len(active),
            members=len(r.rows),
            rate=round(100 * len(active) / len(r.rows)) if r.rows else 0,
        )
    ]
    if (rank := await leader.rank_line(repo, r, tr)) is not None:
        lines.append(rank)
    names = {row.learner_id: row.name for row in r.rows}
    points = await repo.leader.week_points(list(names), deps.now() - timedelta(days=7))
    top = sorted(
        ((p, names[i]) for i, p in points.items() if p > 0), key=lambda x: (-x[0], x[1].lower())
    )[:TOP]
    if top:
        lines.append(
            tr(
                "leader.digest.top",
                top=", ".join(tr("leader.digest.top_row", name=name, points=p) for p, name in top),
            )
        )
    if not public:
        needy = [
            row
            for row in r.rows
            if row.status == LearnerStatus.ACTIVE and row.idle_days >= HELP_DAYS
        ]
        if needy:
            lines.append(
                tr(
                    "leader.digest.help",
                    count=len(needy),
                    days=HELP_DAYS,
                    names=", ".join(row.name for row in needy[:HELP_NAMES]),
                )
            )
            lines.append(tr("leader.digest.help_hint"))
    return Out(title=tr("leader.digest.title", group=unit.name), text="\n".join(lines))


async def queue_weekly(deps: Deps) -> int:
    """Queue this week's digests when it is Monday morning; idempotent. How many were new."""
    local = deps.now().astimezone(ZoneInfo(deps.timezone))
    if local.weekday() != WEEKDAY or local.hour < HOUR:
        return 0
    week = week_of(local.date())
    async with deps.store.transaction() as repo:
        readers: dict[int, set[int]] = {}
        for grant in await repo.roles.grants_in(None):
            if permissions.allows(grant.role, Action.VIEW_REPORT):
                readers.setdefault(grant.unit_id, set()).add(grant.learner_id)
        for unit_id in await repo.leader.linked_units():
            readers.setdefault(unit_id, set())
        rows: list[Queued] = []
        for unit_id, people in sorted(readers.items()):
            rows += await _unit_rows(deps, repo, unit_id, people, week)
        return await repo.leader.enqueue(rows, deps.now())


async def _unit_rows(
    deps: Deps, repo: UnitOfWork, unit_id: int, people: set[int], week: str
) -> list[Queued]:
    unit = await repo.units.unit(unit_id)
    if unit is None:
        return []
    chats = await repo.leader.chats_of(unit_id)
    keys = {f"digest:{week}:{unit_id}:{p}": p for p in sorted(people)}
    chat_keys = {f"digest:{week}:{unit_id}:chat:{c}:{i}": (c, i) for c, i in chats}
    done = await repo.leader.queued_keys([*keys, *chat_keys])
    if done.issuperset([*keys, *chat_keys]):
        return []  # already queued this week: no need to build it again
    rows: list[Queued] = []
    by_language: dict[tuple[str, bool], Out] = {}

    async def built(language: str, public: bool) -> Out:
        if (language, public) not in by_language:
            by_language[(language, public)] = await digest(
                deps, repo, unit, Translator(language), public
            )
        return by_language[(language, public)]

    for key, person in keys.items():
        if key in done:
            continue
        learner = await repo.learners.learner(person)
        if learner is not None:
            rows.append(
                outbox.to_learner(key, "digest", person, await built(learner.language, False))
            )
    for key, (channel, chat_id) in chat_keys.items():
        if key not in done:
            rows.append(outbox.to_chat(key, "digest", channel, chat_id, await built("vi", True)))
    return rows


async def link_group_chat(deps: Deps, event: Inbound) -> list[Out]:
    """'/group [CODE]' typed in a group chat by its leader: the weekly digest is posted there."""
    tr = Translator("vi")
    async with deps.store.transaction() as repo:
        identity = await repo.learners.identity(event.channel, event.external_id)
        if identity is None:
            return [Out(text=tr("leader.chat.private_first"))]
        person = identity.learner_id
        code = event.args.strip().split()[0] if event.args.strip() else ""
        unit = await repo.units.unit_by_code(code) if code else None
        if not code:
            held = sorted(
                {
                    r.unit_id
                    for r in await permissions.roles_of(repo, person)
                    if permissions.allows(r.role, Action.VIEW_REPORT)
                }
            )
            unit = await repo.units.unit(held[0]) if len(held) == 1 else None
            if len(held) > 1:
                return [Out(text=tr("leader.chat.name_unit"))]
        if unit is None or not await permissions.can(
            repo, person, Action.VIEW_REPORT, unit.id, admins=deps.admins
        ):
            return [Out(text=tr("leader.chat.not_allowed"))]
        await repo.leader.link_chat(unit.id, event.channel, event.chat_id, person, deps.now())
        await repo.roles.log(
            person, Event.LINK_CHAT, None, unit.id, {"channel": event.channel}, deps.now()
        )
    return [Out(text=tr("leader.chat.linked", group=unit.name))]
