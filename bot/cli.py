"""`hocai` (also `python -m bot`): run the bot, migrate, import units, check lessons."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.services.ports import UnitOfWork
    from bot.storage.db import SqlStore

T = TypeVar("T")


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run

    settings = _settings(**({"HOCAI_ROLE": args.role} if args.role else {}))
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not settings.any_channel and settings.role == "all":
        # The console chat owns the terminal: keep the log quiet unless something is wrong.
        logging.getLogger().setLevel(logging.WARNING)
    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        pass
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        # Everything is closed; without this the interpreter's last garbage collection walks
        # the whole heap (lessons, aiogram's models) and Ctrl+C seems ignored for seconds.
        gc.freeze()
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.storage.db import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


async def _with_store(action: Callable[[SqlStore], Awaitable[T]]) -> T:
    from bot.storage.db import SqlStore, make_engine, upgrade

    settings = _settings()
    await asyncio.to_thread(upgrade, settings.database_url)
    store = SqlStore(make_engine(settings.database_url))
    try:
        return await action(store)
    finally:
        await store.close()


async def _in_transaction(action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    async def run(store: SqlStore) -> T:
        async with store.transaction() as repo:
            return await action(repo)

    return await _with_store(run)


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


def cmd_lessons_check(args: argparse.Namespace) -> int:
    from bot.services.context import utc_now
    from lessons.check import report
    from lessons.loader import BUILTIN_DIR

    directory = Path(args.dir) if args.dir else BUILTIN_DIR
    result = report(directory, today=utc_now().date())
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        unreviewed = result["not_reviewed_by_person"]
        print(
            f"lessons: {result['lessons']}  per level: {result['levels']}  "
            f"with occupation variants: {result['with_variants']}"
        )
        print(f"not yet reviewed by a person: {len(unreviewed)}")
        for lesson_id in unreviewed:
            print(f"  {lesson_id}")
        for warning in result["warnings"]:
            print(f"warning: {warning}")
        for error in result["errors"]:
            print(error)
    return 1 if result["errors"] else 0


def cmd_lessons_list(args: argparse.Namespace) -> int:
    from lessons.loader import BUILTIN_DIR, load_curriculum

    directory = Path(args.dir) if args.dir else BUILTIN_DIR
    curriculum, _ = load_curriculum(directory)
    rows = [
        {"id": ls.id, "level": ls.level, "order": ls.order, "title": ls.title}
        for ls in curriculum.lessons
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['level']}.{row['order']:02d}  {row['id']}  {row['title']}")
    return 0


def cmd_lessons_export(args: argparse.Namespace) -> int:
    """The review sheet for a subject-matter reviewer: one row per lesson and variant."""
    from bot.lessons_export import write_review_sheet
    from lessons.loader import BUILTIN_DIR, load_curriculum

    directory = Path(args.dir) if args.dir else BUILTIN_DIR
    curriculum, problems = load_curriculum(directory)
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    try:
        rows = write_review_sheet(curriculum, Path(args.xlsx))
    except OSError as exc:
        print(f"cannot write {args.xlsx}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {rows} rows ({len(curriculum.lessons)} lessons) to {args.xlsx}")
    return 0


def cmd_learners_forget(args: argparse.Namespace) -> int:
    """Delete a learner and everything about them, as /deleteme does (a person who asks the ward
    office instead: a lost phone, no chat any more). Exit 0 deleted, 2 not found."""

    async def forget(repo: UnitOfWork) -> int | None:
        if args.id is not None:
            found = await repo.learners.learner(args.id)
            learner_id = found.id if found else None
        else:
            ident = await repo.learners.identity(args.channel, args.user)
            learner_id = ident.learner_id if ident else None
        if learner_id is not None:
            await repo.learners.delete_learner(learner_id)
        return learner_id

    if args.id is None and not (args.channel and args.user):
        print("give --id, or --channel and --user", file=sys.stderr)
        return 2
    deleted = asyncio.run(_in_transaction(forget))
    if deleted is None:
        print("no such learner", file=sys.stderr)
        return 2
    print(f"deleted learner {deleted} and all their data")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hocai", description="Bình dân học AI: the daily AI-learning bot"
    )
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="start every configured channel (console chat with no "
        "token); with --role, one part of a deployment on PostgreSQL",
    )
    run.add_argument(
        "--role",
        choices=("all", "web", "worker", "scheduler"),
        help="all (default, one process); web: channels' intake and answers; "
        "worker: sends the daily push (any number); scheduler: the clock (one "
        "active at a time, others stand by). Also HOCAI_ROLE",
    )
    run.set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    from bot.bots_cli import add_bots_commands
    from bot.units_cli import add_units_commands

    add_units_commands(sub)
    add_bots_commands(sub)
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
    lessons = sub.add_parser("lessons", help="lesson files").add_subparsers(
        dest="lessons_command", required=True
    )
    chk = lessons.add_parser("check", help="validate lesson files")
    chk.add_argument("dir", nargs="?")
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(func=cmd_lessons_check)
    ls = lessons.add_parser("list", help="lessons in curriculum order")
    ls.add_argument("dir", nargs="?")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_lessons_list)
    exp = lessons.add_parser("export", help="a review sheet (.xlsx) for subject-matter reviewers")
    exp.add_argument("dir", nargs="?")
    exp.add_argument("--xlsx", required=True, help="the .xlsx file to write")
    exp.set_defaults(func=cmd_lessons_export)
    from bot.certificates_cli import add_certificates_commands

    learners = sub.add_parser("learners", help="learners' data").add_subparsers(
        dest="learners_command", required=True
    )
    fgt = learners.add_parser("forget", help="delete a learner and all their data (as /deleteme)")
    fgt.add_argument("--id", type=int, help="the learner's id")
    fgt.add_argument(
        "--channel",
        help="with --user: the chat they are known on (telegram, zalo_bot, zalo_oa, console)",
    )
    fgt.add_argument("--user", help="their id on that chat (e.g. a Telegram user id)")
    fgt.set_defaults(func=cmd_learners_forget)
    from bot.roles_cli import add_roles_commands

    add_certificates_commands(sub)
    add_roles_commands(sub)
    try:
        from bot.grading_cli import add_grading_commands
    except ImportError:
        pass
    else:
        add_grading_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
