"""Honours (vinh danh) of a unit for a quarter or a year: its top learners, mentors and
collectives by the weighted rules in bot/rules/honours.yaml. `honours()` returns the data; the
chat (honours_chat), the spreadsheet and the PDF (bot/documents/honours.py) render it."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.context import Deps
from bot.services.passing import pass_marks
from bot.services.ports import PassMarks, PeriodUnit, UnitOfWork
from lessons.loader import load_curriculum
from scoring.honours import (
    Honoured,
    HonoursRules,
    LearnerFacts,
    MentorFacts,
    Period,
    UnitFacts,
    learner_score,
    mentor_score,
    parse_period,
    parse_rules,
    quarter_of,
    top,
    unit_score,
)
from scoring.rankings import UnitFigures

log = logging.getLogger(__name__)

RULES_FILE = Path(__file__).resolve().parent.parent / "rules" / "honours.yaml"


def load_rules(path: Path | None = None) -> HonoursRules:
    """The rules file (the packaged one by default); RulesError names the file and the field."""
    source = path or RULES_FILE
    return parse_rules(source.read_text(encoding="utf-8"), str(source))


@dataclass(frozen=True)
class HonoursReport:
    unit_id: int
    unit_code: str
    unit_name: str
    period: Period
    rules: HonoursRules
    own: UnitFacts  # the unit's own figures for the period
    learners: tuple[Honoured[LearnerFacts], ...]
    mentors: tuple[Honoured[MentorFacts], ...]
    units: tuple[Honoured[UnitFacts], ...]  # the collectives directly under the unit
    groups: tuple[Honoured[UnitFacts], ...]  # the smallest collectives, when deeper than those
    unjudged: int  # collectives left out because their working-age population is unknown
    closed: bool = False  # read from the snapshot kept when the period closed


@cache
def packaged_marks() -> PassMarks:
    """The pass marks of the packaged curriculum: for callers without the running one."""
    return pass_marks(load_curriculum()[0])


def _facts(unit: PeriodUnit) -> UnitFacts:
    return UnitFacts(unit.figures, unit.passes)


async def honours(
    repo: UnitOfWork,
    unit_id: int,
    period: Period,
    rules: HonoursRules | None = None,
    zone: str = "Asia/Ho_Chi_Minh",
    marks: PassMarks | None = None,
) -> HonoursReport | None:
    """The unit's honours for the period (a period still running counts up to now); None when
    the unit does not exist. A lesson counts as passed as everywhere else (passing.py): its
    confirmed score reaches its pass mark (`marks`: the running curriculum's; by default the
    packaged one's), and it was done within the period."""
    rules = rules or load_rules()
    marks = marks or packaged_marks()
    unit = await repo.units.unit(unit_id)
    if unit is None:
        return None
    found = await repo.rankings.period_figures(unit_id, period.start, period.end, marks)
    own = found.get(unit_id)
    children = [_facts(u) for u in found.values() if u.depth == 1]
    leaves = [_facts(u) for u in found.values() if u.leaf and u.depth >= 2]
    w = rules.learners.weights
    learners = await repo.rankings.top_learners(
        unit_id,
        period.start,
        period.end,
        marks,
        (w.passes, w.best_streak, w.active_days),
        rules.learners.min_active_days,
        rules.top,
    )
    tz = ZoneInfo(zone)
    mentors = await repo.rankings.mentor_facts(
        unit_id,
        datetime.combine(period.start, time(), tz).astimezone(UTC),
        datetime.combine(period.end, time(), tz).astimezone(UTC),
    )

    def judged(u: UnitFacts) -> float | None:
        return unit_score(rules, u)

    def name(u: UnitFacts) -> str:
        return u.figures.name

    unjudged = sum(
        1
        for u in (*children, *leaves)
        if u.figures.participation is None and u.figures.members >= rules.units.min_members
    )
    return HonoursReport(
        unit.id,
        unit.code,
        unit.name,
        period,
        rules,
        _facts(own) if own else UnitFacts(UnitFigures(unit.id, unit.name)),
        tuple(top(learners, lambda f: learner_score(rules, f), lambda f: f.name, rules.top)),
        tuple(top(mentors, lambda f: mentor_score(rules, f), lambda f: f.name, rules.top)),
        tuple(top(children, judged, name, rules.top)),
        tuple(top(leaves, judged, name, rules.top)),
        unjudged,
    )


# ---- closed periods: a snapshot, so that a list announced stays the list ----------------------
#
# Honours are counted live from where learners are now. Once a quarter or a year is over, its
# list must not change when learners later move to another group or leave: the report is stored
# (as JSON, rules included) when the period closes, by a scheduled job, or at the first reading
# after the close if the job has not reached that unit yet; past periods are read from it.

SNAPSHOT_VERSION = 1
CLOSE_BATCH = 200  # units per scheduler run: a province's 20,000 groups close over a few runs


def _honoured(items: tuple[Honoured[Any], ...]) -> list[dict[str, Any]]:
    return [{"rank": h.rank, "score": h.score, "facts": asdict(h.facts)} for h in items]


def _unit_facts(data: dict[str, Any]) -> UnitFacts:
    return UnitFacts(UnitFigures(**data["figures"]), int(data.get("passes", 0)))


def to_snapshot(report: HonoursReport) -> dict[str, Any]:
    return {
        "version": SNAPSHOT_VERSION,
        "unit_id": report.unit_id,
        "unit_code": report.unit_code,
        "unit_name": report.unit_name,
        "period": report.period.label,
        "rules": report.rules.model_dump(mode="json"),
        "own": asdict(report.own),
        "learners": _honoured(report.learners),
        "mentors": _honoured(report.mentors),
        "units": _honoured(report.units),
        "groups": _honoured(report.groups),
        "unjudged": report.unjudged,
    }


def from_snapshot(data: dict[str, Any]) -> HonoursReport:
    return HonoursReport(
        int(data["unit_id"]),
        str(data["unit_code"]),
        str(data["unit_name"]),
        parse_period(str(data["period"])),
        HonoursRules.model_validate(data["rules"]),
        _unit_facts(data["own"]),
        tuple(
            Honoured(h["rank"], h["score"], LearnerFacts(**h["facts"])) for h in data["learners"]
        ),
        tuple(Honoured(h["rank"], h["score"], MentorFacts(**h["facts"])) for h in data["mentors"]),
        tuple(Honoured(h["rank"], h["score"], _unit_facts(h["facts"])) for h in data["units"]),
        tuple(Honoured(h["rank"], h["score"], _unit_facts(h["facts"])) for h in data["groups"]),
        int(data["unjudged"]),
        closed=True,
    )


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def is_closed(period: Period, today: date) -> bool:
    return today >= period.end


async def report_for(
    repo: UnitOfWork,
    unit_id: int,
    period: Period,
    now: datetime,
    rules: HonoursRules | None = None,
    zone: str = "Asia/Ho_Chi_Minh",
    marks: PassMarks | None = None,
) -> HonoursReport | None:
    """What /honours and `hocai honours` show: a running period counted live; a closed one from
    its snapshot (stored now if none is yet, so that every later reading is the same)."""
    if not is_closed(period, local_today(now, zone)):
        return await honours(repo, unit_id, period, rules, zone, marks)
    stored = await repo.rankings.honours_snapshot(unit_id, period.label)
    if stored is not None:
        return from_snapshot(stored)
    report = await honours(repo, unit_id, period, rules, zone, marks)
    if report is None:
        return None
    await repo.rankings.store_honours(unit_id, period.label, to_snapshot(report), now)
    return replace(report, closed=True)


def last_closed(today: date) -> list[Period]:
    """The periods that closed most recently: the last quarter, and the last year."""
    quarter = quarter_of(quarter_of(today).start - timedelta(days=1))
    return [quarter, parse_period(str(today.year - 1))]


async def close_periods(deps: Deps, limit: int = CLOSE_BATCH) -> int:
    """Store the honours of the periods that last closed, for every unit that has none stored
    yet; at most `limit` units a run, one transaction each. Idempotent: a second run, a restart
    or a second scheduler stores nothing twice (the unique key keeps the first)."""
    today = local_today(deps.now(), deps.timezone)
    marks = pass_marks(deps.curriculum)
    stored = 0
    for period in last_closed(today):
        async with deps.store.transaction() as repo:
            done = await repo.rankings.honours_stored(period.label)
            todo = [u.id for u in await repo.units.units() if u.id not in done]
        for unit_id in todo[: limit - stored]:
            async with deps.store.transaction() as repo:
                report = await honours(
                    repo, unit_id, period, deps.honours_rules, deps.timezone, marks
                )
                if report is not None and await repo.rankings.store_honours(
                    unit_id, period.label, to_snapshot(report), deps.now()
                ):
                    stored += 1
        if stored >= limit:
            break
    if stored:
        log.info("honours: %d closed-period snapshots stored", stored)
    return stored
