"""`hocai units import|list|reach`: the unit tree, and who must be reached in person."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.cli import _with_store


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
    from bot.app.runners import declared_policies
    from bot.services.context import utc_now
    from bot.services.reach import people_to_reach, reach_csv

    policies = declared_policies()
    rows = asyncio.run(
        _with_store(lambda store: people_to_reach(store, args.unit, utc_now(), policies))
    )
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


def add_units_commands(sub: Any) -> None:
    """The command group, added to `hocai`'s subcommands (bot/cli.py)."""
    units = sub.add_parser("units", help="the unit tree").add_subparsers(
        dest="units_command", required=True
    )
    imp = units.add_parser(
        "import",
        help="import code,name,kind,parent_code,population "
        "[,working_age,officials,business_owners]",
    )
    imp.add_argument("file")
    imp.set_defaults(func=cmd_units_import)
    lst = units.add_parser("list", help="list units with their join codes")
    lst.add_argument("--csv", action="store_true")
    lst.set_defaults(func=cmd_units_list)
    rch = units.add_parser(
        "reach",
        help="learners of a unit (and units under it) that no "
        "channel can reach: to contact in person",
    )
    rch.add_argument("unit", help="the unit's code, e.g. T05")
    rch.add_argument("--csv", action="store_true")
    rch.set_defaults(func=cmd_units_reach)
