"""Honours (vinh danh) of a unit for a quarter or a year: its top learners, mentors and
collectives by the weighted rules in bot/rules/honours.yaml. `honours()` returns the data; the
chat (honours_chat), the spreadsheet and the PDF (bot/documents/honours.py) render it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

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
    parse_rules,
    top,
    unit_score,
)
from scoring.rankings import UnitFigures

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


@cache
def packaged_marks() -> PassMarks:
    """The pass marks of the packaged curriculum: for callers without the running one."""
    return pass_marks(load_curriculum()[0])


def _facts(unit: PeriodUnit) -> UnitFacts:
    return UnitFacts(unit.figures, unit.passes)


async def honours(
    repo: UnitOfWork, unit_id: int, period: Period, rules: HonoursRules | None = None,
    zone: str = "Asia/Ho_Chi_Minh", marks: PassMarks | None = None,
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
        unit_id, period.start, period.end, marks,
        (w.passes, w.best_streak, w.active_days), rules.learners.min_active_days, rules.top)
    tz = ZoneInfo(zone)
    mentors = await repo.rankings.mentor_facts(
        unit_id, datetime.combine(period.start, time(), tz).astimezone(UTC),
        datetime.combine(period.end, time(), tz).astimezone(UTC))

    def judged(u: UnitFacts) -> float | None:
        return unit_score(rules, u)

    def name(u: UnitFacts) -> str:
        return u.figures.name

    unjudged = sum(1 for u in (*children, *leaves)
                   if u.figures.participation is None
                   and u.figures.members >= rules.units.min_members)
    return HonoursReport(
        unit.id, unit.code, unit.name, period, rules,
        _facts(own) if own else UnitFacts(UnitFigures(unit.id, unit.name)),
        tuple(top(learners, lambda f: learner_score(rules, f), lambda f: f.name, rules.top)),
        tuple(top(mentors, lambda f: mentor_score(rules, f), lambda f: f.name, rules.top)),
        tuple(top(children, judged, name, rules.top)),
        tuple(top(leaves, judged, name, rules.top)),
        unjudged,
    )

