"""/honours in the chat: the honours of a unit for a quarter or a year, for whoever may see the
unit's reports (permissions: Action.VIEW_REPORT on the unit, i.e. over its subtree)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import permissions
from bot.services.context import Deps
from bot.services.honours import HonoursReport, report_for
from bot.services.io import Out
from bot.services.passing import pass_marks
from bot.services.permissions import Action
from bot.services.ports import LearnerRecord, UnitOfWork, UnitRecord
from bot.services.rankings_chat import percent
from scoring.honours import Period, PeriodError, UnitFacts, parse_period, quarter_of

MAX_ARG = 64


def period_name(period: Period, tr: Translator) -> str:
    if period.is_quarter:
        return tr("honours.quarter", q=period.label[-1], year=period.start.year)
    return tr("honours.year", year=period.start.year)


def _unit_line(rank: int, u: UnitFacts, tr: Translator) -> str:
    f = u.figures
    avg = round(f.average_score) if f.average_score is not None else "–"
    return tr(
        "honours.unit_row",
        rank=rank,
        name=f.name,
        rate=percent(f.participation or 0, tr),
        active=f.active,
        working_age=f.working_age or 0,
        average=avg,
        passes=u.passes,
    )


def render(report: HonoursReport, tr: Translator) -> list[Out]:
    """One message per list, so no list is cut in the middle on a small screen."""
    head = Out(
        title=tr("honours.title", period=period_name(report.period, tr), unit=report.unit_name),
        text=tr(
            "honours.intro",
            start=report.period.start.strftime("%d/%m/%Y"),
            end=report.period.end.strftime("%d/%m/%Y"),
        ),
    )
    learners = [
        tr(
            "honours.learner_row",
            rank=h.rank,
            name=h.facts.name or tr("honours.forgotten"),
            unit=h.facts.unit_name or "–",
            passes=h.facts.passes,
            streak=h.facts.best_streak,
            days=h.facts.active_days,
        )
        for h in report.learners
    ] or [tr("honours.nobody")]
    mentors = [
        tr(
            "honours.mentor_row",
            rank=h.rank,
            name=h.facts.name or tr("honours.forgotten"),
            unit=h.facts.unit_name or "–",
            helpful=h.facts.helpful_reviews,
        )
        for h in report.mentors
    ] or [tr("honours.no_mentors")]
    units = [_unit_line(h.rank, h.facts, tr) for h in report.units] or [tr("honours.nobody")]
    out = [
        head,
        Out(title=tr("honours.learners_title"), text="\n".join(learners)),
        Out(title=tr("honours.mentors_title"), text="\n".join(mentors)),
        Out(title=tr("honours.units_title"), text="\n".join(units)),
    ]
    if report.groups:
        out.append(
            Out(
                title=tr("honours.groups_title"),
                text="\n".join(_unit_line(h.rank, h.facts, tr) for h in report.groups),
            )
        )
    notes = [tr("honours.how")]
    if report.closed:
        notes.append(tr("honours.closed", end=report.period.end.strftime("%d/%m/%Y")))
    if report.unjudged:
        notes.append(tr("honours.unjudged", count=report.unjudged))
    out.append(Out(text="\n".join(notes)))
    return out


async def command(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, args: str, tr: Translator
) -> list[Out]:
    """`/honours [UNIT CODE] [2026Q4 | 2026]`: by default the person's own commune (or unit, or
    the unit of their role) and the current quarter. Only units in the person's scope; bad input
    answers kindly and changes nothing."""
    scope = await permissions.units_in_scope(
        repo, learner.id, Action.VIEW_REPORT, admins=deps.admins
    )
    if not scope:  # before reading the arguments: a learner learns nothing about units here
        return [Out(text=tr("honours.not_allowed"))]
    words = args.split()
    if len(args) > MAX_ARG or len(words) > 2:
        return [Out(text=tr("honours.usage"))]
    period: Period | None = None
    code: str | None = None
    for word in words:
        try:
            period = parse_period(word)
            continue
        except PeriodError:
            pass
        if re.match(r"\d{4}", word):  # a year with something wrong after it
            return [Out(text=tr("honours.bad_period", period=word))]
        if code is not None:
            return [Out(text=tr("honours.usage"))]
        code = word
    today = deps.now().astimezone(ZoneInfo(deps.timezone)).date()
    period = period or quarter_of(today)
    if code is not None:
        unit = await repo.units.unit_by_code(code) or await repo.units.unit_by_code(code.upper())
        if unit is None:  # in the chat: no server command to look codes up with
            return [Out(text=tr("honours.unknown_unit_chat", code=code))]
        if unit.id not in scope:
            return [Out(text=tr("honours.not_allowed"))]
    else:
        unit = await _default_unit(repo, learner, scope)
        if unit is None:
            return [Out(text=tr("honours.which_unit"))]
    report = await report_for(
        repo,
        unit.id,
        period,
        deps.now(),
        deps.honours_rules,
        deps.timezone,
        pass_marks(deps.curriculum),
    )
    if report is None:
        return [Out(text=tr("honours.unknown_unit", code=code or ""))]
    return render(report, tr)


async def _default_unit(
    repo: UnitOfWork, learner: LearnerRecord, scope: set[int]
) -> UnitRecord | None:
    """The first in scope of: the commune above the person's group, the group, the units of
    their roles that allow reports, the root."""
    own = await repo.units.unit(learner.unit_id) if learner.unit_id else None
    candidates = [own.parent_id, own.id] if own else []
    candidates += [
        r.unit_id
        for r in await permissions.roles_of(repo, learner.id)
        if permissions.allows(r.role, Action.VIEW_REPORT)
    ]
    candidates += sorted(await repo.roles.roots())
    found = next((c for c in candidates if c is not None and c in scope), None)
    return await repo.units.unit(found) if found is not None else None
