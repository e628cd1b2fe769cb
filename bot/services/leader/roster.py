"""A group's roster for its leader: who studied today, streaks, the group's rank among its
siblings, and the members to reach in person (display names only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import permissions, reach
from bot.services.context import Deps
from bot.services.permissions import Action
from bot.services.ports import LearnerRecord, LearnerStatus, Member, UnitOfWork, UnitRecord
from scoring.standings import rank_groups
from scoring.streaks import current_streak

IDLE_DAYS = 2  # a nudge goes to members who have not studied for this many days or more
ROSTER_ROWS = 40
ACTIVE_WINDOW = timedelta(days=7)
HISTORY = timedelta(days=60)  # study days read for streaks


@dataclass(frozen=True)
class RosterRow:
    learner_id: int
    name: str
    status: LearnerStatus
    studied_today: bool
    streak: int
    last_studied: date | None
    idle_days: int  # days since the last study day (since joining when never)
    lessons_done: int
    behind: int  # lessons behind one a day since joining
    reach: str | None  # why no channel can carry a message: outside_window|unreachable|no_channel
    opted_out: bool
    language: str = "vi"


@dataclass(frozen=True)
class Roster:
    unit: UnitRecord
    rows: list[RosterRow]
    today: date
    # Among the units under the same parent, the last 7 days, by the share of their own members
    # who studied. NOTE: /leaderboard's commune board ranks by the working-age population over
    # each unit's subtree (bot/services/rankings.py); this roster (and the weekly digest) keeps
    # the members' share, which needs no population figure. Two rules: to settle in one place.
    rank: int | None
    siblings: int

    @property
    def studied_today(self) -> int:
        return sum(r.studied_today for r in self.rows)

    def idle(self) -> list[RosterRow]:
        return [r for r in self.rows if r.idle_days >= IDLE_DAYS]

    def to_reach(self) -> list[RosterRow]:
        return [r for r in self.rows if r.reach is not None and r.status == LearnerStatus.ACTIVE]


def _today(deps: Deps) -> date:
    return deps.now().astimezone(ZoneInfo(deps.timezone)).date()


def _row(
    member: Member,
    days: list[date],
    frozen: list[date],
    reason: str | None,
    opted: bool,
    today: date,
    total_lessons: int,
    zone: ZoneInfo,
) -> RosterRow:
    last = days[-1] if days else None
    joined = member.joined_at.astimezone(zone).date() if member.joined_at else today
    idle = (today - last).days if last else (today - joined).days
    expected = min(total_lessons, (today - joined).days + 1)
    return RosterRow(
        member.learner_id,
        member.name,
        member.status,
        last == today,
        current_streak(days, today, frozen),
        last,
        max(idle, 0),
        member.lessons_done,
        max(0, expected - member.lessons_done),
        reason,
        opted,
        member.language,
    )


async def roster(deps: Deps, repo: UnitOfWork, unit: UnitRecord) -> Roster:
    """Everything the menu shows, in a handful of set-based reads."""
    today, zone = _today(deps), ZoneInfo(deps.timezone)
    members = await repo.leader.members(unit.id)
    ids = [m.learner_id for m in members]
    days = await repo.leader.study_days(ids, today - timedelta(days=HISTORY.days))
    # The streak as the learner sees it: days a streak freeze covered keep it going.
    frozen = await repo.badges.frozen_days(ids, today - timedelta(days=HISTORY.days))
    identities = await repo.leader.identities_for(ids)
    opted = await repo.leader.opted_out(ids)
    now, total = deps.now(), len(deps.curriculum.lessons)
    rows = [
        _row(
            m,
            days[m.learner_id],
            frozen[m.learner_id],
            reach.why_unreachable(identities[m.learner_id], now, deps.policies),
            m.learner_id in opted,
            today,
            total,
            zone,
        )
        for m in members
    ]
    rows.sort(key=lambda r: (-r.idle_days, r.name.lower()))
    rank, siblings = None, 0
    if unit.parent_id is not None:
        ranked = rank_groups(await repo.ledger.group_stats(unit.parent_id, now - ACTIVE_WINDOW))
        siblings = len(ranked)
        rank = next((g.rank for g in ranked if g.stats.unit_id == unit.id), None)
    return Roster(unit, rows, today, rank, siblings)


async def _allowed_unit(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, unit_id: int, action: Action
) -> UnitRecord | None:
    """The unit a tapped id names, when this person may do this there; None otherwise."""
    unit = await repo.units.unit(unit_id)
    if unit is None or not await permissions.can(
        repo, learner.id, action, unit.id, admins=deps.admins
    ):
        return None
    return unit


def _last_seen(tr: Translator, row: RosterRow, today: date) -> str:
    if row.studied_today:
        return tr("leader.roster.today")
    if row.last_studied is None:
        return tr("leader.roster.never")
    return tr("leader.roster.idle", days=(today - row.last_studied).days)


async def rank_line(repo: UnitOfWork, r: Roster, tr: Translator) -> str | None:
    """The group's place among its siblings ("hạng 2/7 trong Phường ..."), None when unranked:
    the leader's menu and the weekly digest say it alike."""
    if r.rank is None:
        return None
    parent = await repo.units.unit(r.unit.parent_id) if r.unit.parent_id else None
    return tr(
        "leader.menu.rank", rank=r.rank, total=r.siblings, parent=parent.name if parent else ""
    )


def roster_text(tr: Translator, r: Roster) -> str:
    lines = []
    for row in r.rows[:ROSTER_ROWS]:
        parts = [
            f"{'✅' if row.studied_today else '•'} {row.name}",
            _last_seen(tr, row, r.today),
            tr("leader.roster.streak", streak=row.streak),
            tr("leader.roster.lessons", done=row.lessons_done),
        ]
        if row.behind:
            parts.append(tr("leader.roster.behind", behind=row.behind))
        if row.status == LearnerStatus.PAUSED:
            parts.append(tr("leader.roster.paused"))
        if row.reach:
            parts.append(tr(f"leader.reason.{row.reach}"))
        lines.append(" · ".join(parts))
    if len(r.rows) > ROSTER_ROWS:
        lines.append(tr("leader.roster.more", more=len(r.rows) - ROSTER_ROWS))
    return "\n".join(lines) or tr("leader.roster.empty")


def reach_text(tr: Translator, r: Roster) -> str:
    rows = r.to_reach()
    if not rows:
        return tr("leader.reach.none")
    return "\n".join(
        tr(
            "leader.reach.row",
            name=row.name,
            reason=tr(f"leader.reason.{row.reach}"),
            last=row.last_studied.strftime("%d/%m") if row.last_studied else "-",
        )
        for row in rows[:ROSTER_ROWS]
    )
