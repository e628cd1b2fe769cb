"""The group leader's tools in the chat ("quản lý nhóm", /group): today's roster, the group's
rank among its siblings, people to reach in person, a one-tap nudge and announcements.

A leader sees members by display name only (the nickname when they chose to hide their name),
never a birth year or a contact. Every action is checked with `permissions.can` on the unit it
names, so a tapped button carrying another group's id gets the same refusal as a typed code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import buttons, outbox, permissions, reach
from bot.services.context import Deps
from bot.services.conversation import AnnouncementDraft, Conversation
from bot.services.invites import Event
from bot.services.io import Out
from bot.services.permissions import Action
from bot.services.ports import LearnerRecord, LearnerStatus, Member, Queued, UnitOfWork, UnitRecord
from lessons.textnorm import fold, folded_words, strip_invisible
from scoring.standings import rank_groups
from scoring.streaks import current_streak

# Buttons: `buttons.Leader` ("ld:menu:<unit>", "ld:roster:<unit>", ..., "ld:optout").
STEP = "leader_announce"  # the step "leader_announce:<unit id>": the next text is the message
IDLE_DAYS = 2  # a nudge goes to members who have not studied for this many days or more
ANNOUNCE_PER_DAY = 3  # announcements per unit in 24 hours
MAX_ANNOUNCE = 1000  # characters
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


# ---- which unit ------------------------------------------------------------------------------


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


async def group_command(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, args: str
) -> list[Out]:
    """'/group' (or "quản lý nhóm"): the menu of one's group; '/group T05' names the unit."""
    code = args.strip().split()[0] if args.strip() else ""
    if code:
        unit = await repo.units.unit_by_code(code)
        # The same answer whether the unit exists or not: nothing leaks about other units.
        if unit is None or not await permissions.can(
            repo, learner.id, Action.VIEW_ROSTER, unit.id, admins=deps.admins
        ):
            return [Out(text=tr("roles.not_allowed"))]
        return await menu(deps, repo, learner, tr, unit)
    held = [
        r
        for r in await permissions.roles_of(repo, learner.id)
        if permissions.allows(r.role, Action.VIEW_ROSTER)
    ]
    unit_ids = sorted({r.unit_id for r in held})
    if not unit_ids:
        admin = await permissions.is_admin(repo, learner.id, deps.admins)
        return [Out(text=tr("leader.type_code" if admin else "leader.not_leader"))]
    if len(unit_ids) == 1:
        unit = await repo.units.unit(unit_ids[0])
        assert unit is not None
        return await menu(deps, repo, learner, tr, unit)
    units = [u for u in [await repo.units.unit(i) for i in unit_ids] if u is not None]
    return [
        Out(
            text=tr("leader.pick_unit"),
            options=tuple(buttons.Leader("menu", u.id).as_option(u.name) for u in units),
        )
    ]


async def menu(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, unit: UnitRecord
) -> list[Out]:
    r = await roster(deps, repo, unit)
    lines = [
        tr(
            "leader.menu.members",
            members=len(r.rows),
            today=r.studied_today,
            rate=round(100 * r.studied_today / len(r.rows)) if r.rows else 0,
        )
    ]
    if r.rank is not None:
        parent = await repo.units.unit(unit.parent_id) if unit.parent_id else None
        lines.append(
            tr(
                "leader.menu.rank",
                rank=r.rank,
                total=r.siblings,
                parent=parent.name if parent else "",
            )
        )
    lines.append(
        tr("leader.menu.idle", idle=len(r.idle()), days=IDLE_DAYS, reach=len(r.to_reach()))
    )
    options = [
        buttons.Leader("roster", unit.id).as_option(tr("leader.btn.roster")),
        buttons.Leader("reach", unit.id).as_option(tr("leader.btn.reach")),
    ]
    can = permissions.can
    if await can(repo, learner.id, Action.NUDGE, unit.id, admins=deps.admins):
        options.append(buttons.Leader("nudge", unit.id).as_option(tr("leader.btn.nudge")))
    if await can(repo, learner.id, Action.ANNOUNCE, unit.id, admins=deps.admins):
        options.append(buttons.Leader("ann", unit.id).as_option(tr("leader.btn.announce")))
    children = [u for u in await repo.units.units() if u.parent_id == unit.id][:10]
    options += [buttons.Leader("menu", u.id).as_option(u.name) for u in children]
    return [
        Out(
            title=tr("leader.menu.title", group=unit.name),
            text="\n".join(lines),
            options=tuple(options),
        )
    ]


def _last_seen(tr: Translator, row: RosterRow, today: date) -> str:
    if row.studied_today:
        return tr("leader.roster.today")
    if row.last_studied is None:
        return tr("leader.roster.never")
    return tr("leader.roster.idle", days=(today - row.last_studied).days)


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


# ---- nudges -----------------------------------------------------------------------------------


def nudge_key(learner_id: int, day: date) -> str:
    return f"nudge:{learner_id}:{day.isoformat()}"


async def nudge(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, unit: UnitRecord
) -> list[Out]:
    """One tap: remind every active member idle for IDLE_DAYS or more, once a day each, except
    those who said "đừng nhắc tôi" and those no channel can reach (they are listed instead)."""
    r = await roster(deps, repo, unit)
    idle = [
        row
        for row in r.idle()
        if row.status == LearnerStatus.ACTIVE and row.learner_id != learner.id
    ]
    opted = [row for row in idle if row.opted_out]
    unreachable = [row for row in idle if not row.opted_out and row.reach]
    wanted = [row for row in idle if not row.opted_out and not row.reach]
    already = await repo.leader.queued_keys([nudge_key(row.learner_id, r.today) for row in wanted])
    fresh = [row for row in wanted if nudge_key(row.learner_id, r.today) not in already]
    queued = await repo.leader.enqueue(
        [
            outbox.to_learner(
                nudge_key(row.learner_id, r.today),
                "nudge",
                row.learner_id,
                nudge_message(Translator(row.language), row.name, unit.name, row.idle_days),
            )
            for row in fresh
        ],
        deps.now(),
    )
    await repo.roles.log(
        learner.id,
        Event.NUDGE,
        None,
        unit.id,
        {
            "queued": queued,
            "opted_out": len(opted),
            "already_today": len(wanted) - len(fresh),
            "unreachable": len(unreachable),
        },
        deps.now(),
    )
    lines = [
        tr("leader.nudge.done", queued=queued, days=IDLE_DAYS)
        if queued or idle
        else tr("leader.nudge.nobody", days=IDLE_DAYS)
    ]  # everyone studied: say so
    if len(wanted) > len(fresh):
        lines.append(tr("leader.nudge.already", count=len(wanted) - len(fresh)))
    if opted:
        lines.append(tr("leader.nudge.opted_out", count=len(opted)))
    if unreachable:
        lines.append(
            tr(
                "leader.nudge.unreachable",
                count=len(unreachable),
                names=", ".join(row.name for row in unreachable[:10]),
            )
        )
    return [Out(text="\n".join(lines))]


def nudge_message(tr: Translator, name: str, group: str, days: int) -> Out:
    return Out(
        text=tr("leader.nudge.message", name=name, group=group, days=days),
        options=(
            buttons.Command("lesson").as_option(tr("leader.nudge.study_now")),
            buttons.Leader("optout").as_option(tr("leader.nudge.stop_button")),
        ),
    )


async def set_reminders(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, on: bool
) -> list[Out]:
    """ "Đừng nhắc tôi" / "nhắc tôi": the learner's own choice about leaders' nudges."""
    await repo.leader.set_opt_out(learner.id, not on, deps.now())
    return [Out(text=tr("leader.optin_done" if on else "leader.optout_done"))]


# ---- announcements ----------------------------------------------------------------------------


async def start_announcement(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    unit: UnitRecord,
) -> list[Out]:
    if (
        await repo.leader.announcements_since(unit.id, deps.now() - timedelta(days=1))
        >= ANNOUNCE_PER_DAY
    ):
        return [Out(text=tr("leader.announce.too_many", limit=ANNOUNCE_PER_DAY))]
    state.step = f"{STEP}:{unit.id}"
    state.leader_draft = None
    return [Out(text=tr("leader.announce.ask", group=unit.name, limit=MAX_ANNOUNCE))]


def clean_announcement(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in strip_invisible(text).strip().splitlines())


def step_unit(step: str) -> int | None:
    """The unit id in a "leader_announce:<unit>" step, read back through the button codec's
    range check (the step was set from a tapped button); None when it does not read."""
    try:
        return buttons.Leader.unpack(f"{buttons.Leader.prefix}:ann:{step.partition(':')[2]}").unit
    except buttons.BadButton:
        return None


async def _recipients(repo: UnitOfWork, unit: UnitRecord, author: LearnerRecord) -> list[Member]:
    return [
        m
        for m in await repo.leader.members(unit.id)
        if m.status == LearnerStatus.ACTIVE and m.learner_id != author.id
    ]


async def announcement_text(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    step: str,
    text: str,
) -> list[Out]:
    """The text typed after "Gửi thông báo": checked, then shown back with Gửi / Hủy."""
    unit_id = step_unit(step)
    unit = (
        None
        if unit_id is None
        else await _allowed_unit(deps, repo, learner, unit_id, Action.ANNOUNCE)
    )
    if unit is None:
        state.step = None
        return [Out(text=tr("roles.not_allowed"))]
    body = clean_announcement(text)
    if fold(body) in ("huy", "thoi", "cancel"):
        state.step = None
        return [Out(text=tr("leader.announce.cancelled"))]
    if not folded_words(body):  # emoji only, punctuation only: nothing to read
        return [Out(text=tr("leader.announce.no_words"))]
    if len(body) > MAX_ANNOUNCE:
        return [Out(text=tr("leader.announce.too_long", limit=MAX_ANNOUNCE, length=len(body)))]
    state.step = None
    state.leader_draft = AnnouncementDraft(unit.id, body)
    members = await _recipients(repo, unit, learner)
    return [
        Out(title=tr("leader.announce.preview_title"), text=body),
        Out(
            text=tr("leader.announce.confirm", count=len(members), group=unit.name),
            options=(
                buttons.Leader("annok", unit.id).as_option(tr("leader.announce.send")),
                buttons.Leader("annno").as_option(tr("leader.announce.cancel")),
            ),
        ),
    ]


async def send_announcement(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    unit: UnitRecord,
) -> list[Out]:
    draft, state.leader_draft = state.leader_draft, None
    if draft is None or draft.unit != unit.id:
        return [Out(text=tr("leader.announce.nothing"))]
    now = deps.now()
    if await repo.leader.announcements_since(unit.id, now - timedelta(days=1)) >= ANNOUNCE_PER_DAY:
        return [Out(text=tr("leader.announce.too_many", limit=ANNOUNCE_PER_DAY))]
    members = await _recipients(repo, unit, learner)
    announcement = await repo.leader.add_announcement(unit.id, learner.id, draft.text, now)
    # One row per member, in this transaction: all of them or none, each sent once.
    rows: list[Queued] = [
        outbox.to_learner(
            f"ann:{announcement}:{m.learner_id}",
            "announce",
            m.learner_id,
            Out(
                title=Translator(m.language)(
                    "leader.announce.from", group=unit.name, name=learner.public_name
                ),
                text=draft.text,
            ),
        )
        for m in members
    ]
    queued = await repo.leader.enqueue(rows, now)
    await repo.leader.set_recipients(announcement, queued)
    await repo.roles.log(
        learner.id,
        Event.ANNOUNCE,
        None,
        unit.id,
        {"announcement_id": announcement, "recipients": queued},
        now,
    )
    return [Out(text=tr("leader.announce.queued", count=queued, group=unit.name))]


# ---- the "ld:" buttons ------------------------------------------------------------------------

_NEEDS = {
    "menu": Action.VIEW_ROSTER,
    "roster": Action.VIEW_ROSTER,
    "reach": Action.VIEW_ROSTER,
    "nudge": Action.NUDGE,
    "ann": Action.ANNOUNCE,
    "annok": Action.ANNOUNCE,
}


async def choice(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    button: buttons.Leader,
) -> list[Out]:
    action = button.action
    if action == "optout":
        return await set_reminders(deps, repo, learner, tr, on=False)
    if action == "optin":
        return await set_reminders(deps, repo, learner, tr, on=True)
    if action == "annno":
        state.leader_draft = None
        return [Out(text=tr("leader.announce.cancelled"))]
    unit = await _allowed_unit(deps, repo, learner, button.unit, _NEEDS[action])
    if unit is None:
        return [Out(text=tr("roles.not_allowed"))]
    if action == "menu":
        return await menu(deps, repo, learner, tr, unit)
    if action in ("roster", "reach"):  # who looked at whose members, for the officials above
        await repo.roles.log(
            learner.id, Event.VIEW_ROSTER, None, unit.id, {"view": action}, deps.now()
        )
    if action == "roster":
        r = await roster(deps, repo, unit)
        return [
            Out(
                title=tr("leader.roster.title", group=unit.name, day=r.today.strftime("%d/%m")),
                text=roster_text(tr, r),
            )
        ]
    if action == "reach":
        r = await roster(deps, repo, unit)
        return [Out(title=tr("leader.reach.title", group=unit.name), text=reach_text(tr, r))]
    if action == "nudge":
        return await nudge(deps, repo, learner, tr, unit)
    if action == "ann":
        return await start_announcement(deps, repo, learner, tr, state, unit)
    return await send_announcement(deps, repo, learner, tr, state, unit)
