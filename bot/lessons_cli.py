"""`hocai lessons check|list|export`: the lesson files checked, listed, or exported as a review
sheet."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


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


def add_lessons_commands(sub: Any) -> None:
    """The command group, added to `hocai`'s subcommands (bot/cli.py)."""
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
