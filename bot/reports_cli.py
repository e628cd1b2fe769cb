"""`hocai honours` and `hocai report`: a unit's honours and its quarterly report, printed or
written as .xlsx / .pdf, and closing a quarter's figures."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import _settings, _with_store

if TYPE_CHECKING:
    from bot.storage.db import SqlStore


def cmd_honours(args: argparse.Namespace) -> int:
    """A unit's honours for a quarter or a year: printed, or written as .xlsx / .pdf."""
    from zoneinfo import ZoneInfo

    from bot.app import load_lessons
    from bot.i18n import Translator
    from bot.services.context import utc_now
    from bot.services.honours import load_rules, report_for
    from bot.services.honours_chat import render
    from bot.services.passing import pass_marks
    from scoring.honours import PeriodError, parse_period

    tr = Translator("vi")
    try:
        period = parse_period(args.period)
    except PeriodError as exc:
        print(tr("honours.bad_period", period=args.period[:40]), f"({exc})", file=sys.stderr)
        return 2
    settings = _settings()
    rules = load_rules(settings.honours_file)
    marks = pass_marks(load_lessons(settings))  # passed as in the chat: HOCAI_LESSONS_DIR too

    async def build(store):  # type: ignore[no-untyped-def]
        async with store.transaction() as repo:
            unit = await repo.units.unit_by_code(args.unit)
            if unit is None:
                return None
            return await report_for(
                repo, unit.id, period, utc_now(), rules, settings.timezone, marks
            )

    report = asyncio.run(_with_store(build))
    if report is None:
        print(tr("honours.unknown_unit", code=args.unit[:64]), file=sys.stderr)
        return 2
    try:
        if args.xlsx or args.pdf:
            from bot.documents.honours import write_pdf, write_xlsx

            if args.xlsx:
                write_xlsx(report, Path(args.xlsx))
                print(f"wrote {args.xlsx}")
            if args.pdf:
                write_pdf(
                    report, Path(args.pdf), utc_now().astimezone(ZoneInfo(settings.timezone)).date()
                )
                print(f"wrote {args.pdf}")
            return 0
    except OSError as exc:
        print(f"cannot write: {exc}", file=sys.stderr)
        return 2
    for message in render(report, tr):
        print("\n".join(part for part in (message.title, message.text) if part) + "\n")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The quarterly report of a unit (.xlsx and/or .pdf), or `--close`: store an ended
    quarter's figures (the previous quarter by default) so that its reports never change."""
    from bot.app import load_lessons
    from bot.i18n import Translator
    from bot.services import report as reports
    from bot.services.context import Deps
    from scoring.rules import RulesGrader

    tr = Translator("vi")
    period = None
    if args.period is not None:
        try:
            period = reports.parse_quarter(args.period)
        except reports.PeriodError:
            print(tr("report.bad_period", period=args.period[:40]), file=sys.stderr)
            return 2
    if not args.close:
        if not args.unit:
            print(tr("report.which_unit"), file=sys.stderr)
            return 2
        if period is None:
            print(tr("report.bad_period", period=""), file=sys.stderr)
            return 2
        if not (args.xlsx or args.pdf):
            print(tr("report.which_file"), file=sys.stderr)
            return 2
    settings = _settings()
    curriculum = load_lessons(settings)  # passed as in the chat: HOCAI_LESSONS_DIR too

    def deps_for(store: SqlStore) -> Deps:
        return Deps(
            store=store, curriculum=curriculum, grader=RulesGrader(), timezone=settings.timezone
        )

    if args.close:

        async def close(store: SqlStore) -> tuple[bool, str, int]:
            deps = deps_for(store)
            closed = await reports.close_quarter(deps, period)
            label = period.label if period else reports.previous_quarter(deps).label
            async with store.transaction() as repo:
                found = await repo.figures.quarter(label)
            return closed, label, found.units if found else 0

        try:
            closed, label, units = asyncio.run(_with_store(close))
        except reports.PeriodError:
            print(tr("report.not_ended", period=args.period), file=sys.stderr)
            return 2
        print(tr("report.closed" if closed else "report.already_closed", period=label, units=units))
        return 0
    assert period is not None

    async def build(store: SqlStore) -> reports.QuarterReport | str:
        async with store.transaction() as repo:
            unit = await repo.units.unit_by_code(args.unit)
            if unit is None:
                return "report.unknown_unit"
            found = await reports.quarter_report(deps_for(store), repo, unit.id, period)
            return found if found is not None else "report.not_in_quarter"

    try:
        built = asyncio.run(_with_store(build))
    except reports.FutureQuarter:
        print(tr("report.future_period", period=period.label), file=sys.stderr)
        return 2
    if isinstance(built, str):
        print(tr(built, code=args.unit[:64], period=period.label), file=sys.stderr)
        return 2
    from bot.documents.report_pdf import summary
    from bot.documents.report_xlsx import workbook

    for path, make in ((args.xlsx, workbook), (args.pdf, summary)):
        if not path:
            continue
        try:
            Path(path).write_bytes(make(built, tr))
        except OSError as exc:
            print(tr("report.cannot_write", file=path, error=exc.strerror or exc), file=sys.stderr)
            return 2
        print(tr("report.written", file=path))
    return 0


def add_reports_commands(sub: Any) -> None:
    """The command group, added to `hocai`'s subcommands (bot/cli.py)."""
    hon = sub.add_parser("honours", help="a unit's honours (vinh danh) for a quarter or a year")
    hon.add_argument("--unit", required=True, help="the unit's code, e.g. PDP")
    hon.add_argument("--period", required=True, help="a quarter (2026Q4) or a year (2026)")
    hon.add_argument("--xlsx", help="write a workbook to this file")
    hon.add_argument("--pdf", help="write a printable PDF to this file")
    hon.set_defaults(func=cmd_honours)
    rep = sub.add_parser(
        "report", help="a unit's quarterly report (.xlsx, .pdf), or --close a quarter's figures"
    )
    rep.add_argument("--unit", help="the unit's code, e.g. PDP")
    rep.add_argument("--period", help="a quarter: 2026Q4 or 2026-Q4")
    rep.add_argument("--xlsx", help="write the workbook to this file")
    rep.add_argument("--pdf", help="write the summary with charts to this file")
    rep.add_argument(
        "--close",
        action="store_true",
        help="store an ended quarter's figures (default: the previous quarter)",
    )
    rep.set_defaults(func=cmd_report)
