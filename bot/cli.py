"""`hocai` (also `python -m bot`): run the bot, migrate, import units, check lessons."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
from pathlib import Path

from bot.config import SettingsError, load_settings


def _settings():  # type: ignore[no-untyped-def]
    try:
        return load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run

    settings = _settings()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.any_channel:
        # The console chat owns the terminal: keep the log quiet unless something is wrong.
        logging.getLogger().setLevel(logging.WARNING)
    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        pass
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


async def _with_store(action):  # type: ignore[no-untyped-def]
    from bot.storage.db import SqlStore, make_engine, upgrade

    settings = _settings()
    await asyncio.to_thread(upgrade, settings.database_url)
    store = SqlStore(make_engine(settings.database_url))
    try:
        return await action(store)
    finally:
        await store.close()


def cmd_units_import(args: argparse.Namespace) -> int:
    from bot.services.units import import_units

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    report = asyncio.run(_with_store(lambda store: import_units(store, text)))
    for error in report.errors or []:
        print(error, file=sys.stderr)
    print(f"imported {report.imported} units")
    return 1 if report.errors else 0


def cmd_units_list(args: argparse.Namespace) -> int:
    from bot.services.units import units_csv

    text = asyncio.run(_with_store(units_csv))
    if args.csv:
        sys.stdout.write(text)
    else:
        for line in text.splitlines()[1:]:
            print(line.replace(",", "  "))
    return 0


def cmd_units_reach(args: argparse.Namespace) -> int:
    """Learners of a unit whom no channel can reach (e.g. outside Zalo OA's 7-day window)."""
    from bot.services.context import utc_now
    from bot.services.reach import people_to_reach, reach_csv

    rows = asyncio.run(_with_store(lambda store: people_to_reach(store, args.unit, utc_now())))
    if rows is None:
        print(f"unknown unit code: {args.unit}", file=sys.stderr)
        return 2
    text = reach_csv(rows)
    if args.csv:
        sys.stdout.write(text)
    else:
        for line in text.splitlines()[1:]:
            print(line.replace(",", "  "))
        print(f"{len(rows)} learner(s) to reach in person")
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
        print(f"lessons: {result['lessons']}  per level: {result['levels']}  "
              f"with occupation variants: {result['with_variants']}")
        print(f"not yet reviewed by a person: {len(unreviewed)}")  # type: ignore[arg-type]
        for lesson_id in unreviewed:  # type: ignore[attr-defined]
            print(f"  {lesson_id}")
        for warning in result["warnings"]:  # type: ignore[attr-defined]
            print(f"warning: {warning}")
        for error in result["errors"]:  # type: ignore[attr-defined]
            print(error)
    return 1 if result["errors"] else 0


def cmd_lessons_list(args: argparse.Namespace) -> int:
    from lessons.loader import BUILTIN_DIR, load_curriculum

    directory = Path(args.dir) if args.dir else BUILTIN_DIR
    curriculum, _ = load_curriculum(directory)
    rows = [{"id": ls.id, "level": ls.level, "order": ls.order, "title": ls.title}
            for ls in curriculum.lessons]
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hocai", description="Bình dân học AI: the daily AI-learning bot")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start every configured channel (console chat with no token)"
                   ).set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    units = sub.add_parser("units", help="the unit tree").add_subparsers(dest="units_command",
                                                                         required=True)
    imp = units.add_parser("import", help="import code,name,kind,parent_code,population")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_units_import)
    lst = units.add_parser("list", help="list units with their join codes")
    lst.add_argument("--csv", action="store_true")
    lst.set_defaults(func=cmd_units_list)
    rch = units.add_parser("reach", help="learners of a unit (and units under it) that no "
                           "channel can reach: to contact in person")
    rch.add_argument("unit", help="the unit's code, e.g. T05")
    rch.add_argument("--csv", action="store_true")
    rch.set_defaults(func=cmd_units_reach)
    lessons = sub.add_parser("lessons", help="lesson files").add_subparsers(
        dest="lessons_command", required=True)
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
    from bot.roles_cli import add_roles_commands

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
