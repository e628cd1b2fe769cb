"""Standings as chat messages: the one place that turns `LearnerBoard` and `UnitBoard` into text."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.io import Out
from bot.services.rankings import TOP, LearnerBoard, Standings, UnitBoard
from scoring.rankings import UnitStanding


def percent(value: float, tr: Translator) -> str:
    """12%, 4,5% (Vietnamese decimal comma), <0,1%: a province's small rates still read right."""
    pct = 100 * value
    if 0 < pct < 0.1:
        text = "<0.1"
    elif pct >= 10 or pct == int(pct):
        text = f"{pct:.0f}"
    else:
        text = f"{pct:.1f}"
    return (text.replace(".", ",") if tr.language == "vi" else text) + "%"


def learner_board(board: LearnerBoard, tr: Translator) -> Out:
    title = tr("rank.group_title", group=board.unit_name, days=board.window_days)
    if board.rows and not board.names_shown:
        return Out(title=title, text=tr("roles.board_after_first_point", members=len(board.rows)))
    me = board.mine.learner_id if board.mine else None
    lines = [
        tr(
            "rank.learner_row",
            rank=s.rank,
            name=s.name,
            points=s.points,
            me=" ⭐" if s.learner_id == me else "",
        )
        for s in board.rows[:TOP]
    ]
    if board.mine and board.mine.rank > TOP and board.mine not in board.rows[:TOP]:
        lines.append(
            "…\n"
            + tr(
                "rank.learner_row",
                rank=board.mine.rank,
                name=board.mine.name,
                points=board.mine.points,
                me=" ⭐",
            )
        )
    if not any(s.points for s in board.rows):
        lines.append(tr("board.empty"))
    return Out(title=title, text="\n".join(lines))


def unit_row(row: UnitStanding, tr: Translator, mine: bool) -> str:
    f = row.figures
    star = " ⭐" if mine else ""
    if not f.members:
        return tr("rank.unit_row_empty", name=f.name, me=star)
    avg = (
        tr("rank.average", avg=round(f.average_score))
        if f.average_score is not None
        else tr("rank.no_average")
    )
    if row.rank is None or f.working_age is None:
        return tr(
            "rank.unit_row_unknown",
            name=f.name,
            active=f.active,
            members=f.members,
            average=avg,
            me=star,
        )
    return tr(
        "rank.unit_row",
        rank=row.rank,
        name=f.name,
        rate=percent(f.participation or 0, tr),
        active=f.active,
        working_age=f.working_age,
        average=avg,
        me=star,
    )


def unit_board(board: UnitBoard, tr: Translator, zone: str) -> Out:
    rows = list(board.rows[:TOP])
    mine = board.mine
    lines = [unit_row(r, tr, r.figures.unit_id == board.mine_id) for r in rows]
    if mine is not None and mine not in rows:
        lines.append("…\n" + unit_row(mine, tr, True))
    if not lines:
        lines.append(tr("rank.no_units"))
    notes = [tr("rank.note", days=board.window_days)]
    if any(r.rank is None and r.figures.members for r in board.rows):
        notes.append(tr("rank.note_unknown"))
    if (
        mine is not None
        and mine.figures.members
        and (mine.figures.officials or mine.figures.business_owners)
    ):
        notes.append(_own_rates(mine, tr))
    if board.computed_at is not None:
        notes.append(tr("rank.updated", time=_clock(board.computed_at, zone)))
    title_key = "rank.commune_title" if board.level == "groups" else "rank.province_title"
    return Out(
        title=tr(title_key, scope=board.scope_name, days=board.window_days),
        text="\n".join(lines) + "\n\n" + "\n".join(notes),
    )


def _own_rates(mine: UnitStanding, tr: Translator) -> str:
    """The plans' other denominators, for the learner's own unit: officials, business owners."""
    f = mine.figures

    def part(active: int, whole: int | None) -> str:
        return f"{percent(active / whole, tr)} ({active}/{whole})" if whole else tr("rank.unknown")

    return tr(
        "rank.own_rates",
        name=f.name,
        officials=part(f.active_officials, f.officials),
        business=part(f.active_business, f.business_owners),
    )


def _clock(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime("%H:%M %d/%m")


def standings(result: Standings, tr: Translator, zone: str) -> list[Out]:
    if result.group is None:
        return [Out(text=tr("board.no_group"))]
    out = [learner_board(result.group, tr)]
    out += [unit_board(b, tr, zone) for b in (result.commune, result.province) if b is not None]
    return out
