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
    from bot.storage.secrets import FernetCipher

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
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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


def _cipher() -> FernetCipher:
    from bot.storage.secrets import FernetCipher

    key = _settings().secret_key
    return FernetCipher(key.get_secret_value().strip() if key else None)


def cmd_bots_add(args: argparse.Namespace) -> int:
    """A unit's own bot; its token sealed with HOCAI_SECRET_KEY and never printed in full."""
    from bot.services.bots import BotError, OACredentials, add_bot, shown

    cipher = _cipher()
    if args.telegram:
        channel, token = "telegram", args.telegram.strip()
    else:
        missing = [f"--{n.replace('_', '-')}" for n in ("oa_secret_key", "oa_refresh_token")
                   if not getattr(args, n)]
        if missing:
            print(f"a Zalo OA needs {' and '.join(missing)} as well", file=sys.stderr)
            return 2
        channel = "zalo_oa"
        token = OACredentials(args.zalo_oa.strip(), args.oa_secret_key.strip(),
                              args.oa_refresh_token.strip(), args.oa_access_token,
                              args.oa_webhook_secret_key).to_token()
    try:
        record, new = asyncio.run(_with_store(lambda store: add_bot(
            store, cipher, args.unit, channel, token, args.name or "")))
    except BotError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not cipher.sealing:
        print("warning: HOCAI_SECRET_KEY is not set, so the token is stored unsealed "
              "(make a key with `hocai bots keygen`)", file=sys.stderr)
    what = "added" if new else "enabled again"
    print(f"bot {record.id} {what}: unit {args.unit}, {channel} {shown(channel, token)}; "
          "restart the bot processes to start it")
    return 0


def cmd_bots_list(args: argparse.Namespace) -> int:
    from bot.services.bots import list_bots
    from bot.storage.secrets import SecretKeyError

    cipher = _cipher()
    try:
        views = asyncio.run(_with_store(lambda store: list_bots(store, cipher)))
    except SecretKeyError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.csv:
        print("id,unit,channel,name,token,enabled,learners")
    for v in views:
        cells = [str(v.id), v.unit_code, v.channel, v.name, v.masked_token,
                 "yes" if v.enabled else "no", str(v.learners)]
        print(",".join(cells) if args.csv else "  ".join(cells))
    return 0


def cmd_bots_remove(args: argparse.Namespace) -> int:
    from bot.services.bots import BotError, remove_bot

    try:
        record = asyncio.run(_with_store(lambda store: remove_bot(store, args.id)))
    except BotError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"bot {record.id} ({record.name}) disabled; restart the bot processes to stop it")
    return 0


def cmd_bots_keygen(args: argparse.Namespace) -> int:
    from bot.storage.secrets import new_key

    print(new_key())
    return 0


def cmd_honours(args: argparse.Namespace) -> int:
    """A unit's honours for a quarter or a year: printed, or written as .xlsx / .pdf."""
    from zoneinfo import ZoneInfo

    from bot.app import load_lessons
    from bot.i18n import Translator
    from bot.services.context import utc_now
    from bot.services.honours import honours, load_rules
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
            return await honours(repo, unit.id, period, rules, settings.timezone, marks)

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
                write_pdf(report, Path(args.pdf), utc_now().astimezone(
                    ZoneInfo(settings.timezone)).date())
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
        return Deps(store=store, curriculum=curriculum, grader=RulesGrader(),
                    timezone=settings.timezone)

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
        print(tr("report.closed" if closed else "report.already_closed", period=label,
                 units=units))
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
            print(tr("report.cannot_write", file=path, error=exc.strerror or exc),
                  file=sys.stderr)
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
        print(f"lessons: {result['lessons']}  per level: {result['levels']}  "
              f"with occupation variants: {result['with_variants']}")
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


async def _in_transaction(action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    async def run(store: SqlStore) -> T:
        async with store.transaction() as repo:
            return await action(repo)

    return await _with_store(run)


def _certificate_lines(record) -> list[str]:  # type: ignore[no-untyped-def]
    from scoring.certificate_code import shown

    day = record.issued_on or record.earned_at.date()
    return [f"  code:  {shown(record.code)}", f"  name:  {record.full_name or ''}",
            f"  level: {record.level} ({record.level_title})", f"  date:  {day.isoformat()}",
            f"  unit:  {record.unit_name or '-'}"]


def cmd_certificates_verify(args: argparse.Namespace) -> int:
    """What the public page shows for a code. Exit 0 valid, 1 revoked, 2 unknown or malformed."""
    from bot.services.certificates import verify

    found = asyncio.run(_in_transaction(lambda repo: verify(repo, args.code)))
    if found.record is None:
        why = ("not a certificate code (15 letters and digits, e.g. ABCDE-FGHJK-MNPQR)"
               if found.status == "malformed" else "no certificate has this code")
        print(f"{found.status}: {why}", file=sys.stderr)
        return 2
    record = found.record
    if found.status == "revoked":
        when = record.revoked_at.isoformat(timespec="minutes") if record.revoked_at else "?"
        print(f"REVOKED on {when} by {record.revoked_by}: {record.revoke_reason}")
    else:
        print("valid")
    print("\n".join(_certificate_lines(record)))
    return 1 if found.status == "revoked" else 0


def cmd_certificates_list(args: argparse.Namespace) -> int:
    import csv

    from bot.services.certificates import as_rows, listing

    records = asyncio.run(_in_transaction(lambda repo: listing(repo, args.unit)))
    if records is None:
        print(f"unknown unit code: {args.unit}", file=sys.stderr)
        return 2
    rows = as_rows(records)
    if args.csv:
        fields = ["code", "full_name", "level", "level_title", "issued_on", "unit", "status",
                  "revoked_at", "revoked_by", "revoke_reason"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return 0
    for row in rows:
        print(f"{row['code']}  level {row['level']}  {row['issued_on'] or '-':10}  "
              f"{row['status']:13}  {row['full_name'] or '-'}  ({row['unit'] or '-'})")
    print(f"{len(rows)} certificate(s)")
    return 0


def cmd_certificates_revoke(args: argparse.Namespace) -> int:
    """Revoke with a reason; who (the --by name, else the operator's login), why and when are
    kept. Revoking twice changes nothing. Exit 0 revoked, 1 already revoked, 2 not found."""
    import getpass

    from bot.services.certificates import revoke
    from bot.services.context import utc_now

    by = args.by or f"cli:{getpass.getuser()}"
    outcome, record = asyncio.run(_in_transaction(
        lambda repo: revoke(repo, args.code, by, args.reason, utc_now())))
    if outcome == "no_reason":
        print("a reason is required: --reason \"...\" (e.g. work found copied)", file=sys.stderr)
        return 2
    if record is None:
        print(f"{outcome}: no certificate has this code; nothing changed", file=sys.stderr)
        return 2
    when = record.revoked_at.isoformat(timespec="minutes") if record.revoked_at else "?"
    if outcome == "already":
        print(f"already revoked on {when} by {record.revoked_by}: {record.revoke_reason}; "
              "nothing changed", file=sys.stderr)
        return 1
    print(f"revoked on {when} by {record.revoked_by}: {record.revoke_reason}")
    print("\n".join(_certificate_lines(record)))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hocai", description="Bình dân học AI: the daily AI-learning bot")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start every configured channel (console chat with no "
                         "token); with --role, one part of a deployment on PostgreSQL")
    run.add_argument("--role", choices=("all", "web", "worker", "scheduler"),
                     help="all (default, one process); web: channels' intake and answers; "
                     "worker: sends the daily push (any number); scheduler: the clock (one "
                     "active at a time, others stand by). Also HOCAI_ROLE")
    run.set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    units = sub.add_parser("units", help="the unit tree").add_subparsers(dest="units_command",
                                                                         required=True)
    imp = units.add_parser("import", help="import code,name,kind,parent_code,population "
                           "[,working_age,officials,business_owners]")
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
    bots = sub.add_parser("bots", help="units' own bots").add_subparsers(
        dest="bots_command", required=True)
    badd = bots.add_parser("add", help="a unit's own Telegram bot or Zalo Official Account")
    badd.add_argument("--unit", required=True, help="the unit's code, e.g. PDP")
    which = badd.add_mutually_exclusive_group(required=True)
    which.add_argument("--telegram", metavar="TOKEN", help="the token @BotFather gave")
    which.add_argument("--zalo-oa", metavar="APP_ID", help="the OA's app id (developers.zalo.me)")
    badd.add_argument("--oa-secret-key", help="the app's secret key (with --zalo-oa)")
    badd.add_argument("--oa-refresh-token", help="the OA's refresh token (with --zalo-oa)")
    badd.add_argument("--oa-access-token", help="its access token, if at hand")
    badd.add_argument("--oa-webhook-secret-key",
                      help="the webhook page's OA Secret Key, if not the app's secret key")
    badd.add_argument("--name", help="a name to tell the bot by (default: the unit's name)")
    badd.set_defaults(func=cmd_bots_add)
    blist = bots.add_parser("list", help="units' bots, tokens masked")
    blist.add_argument("--csv", action="store_true")
    blist.set_defaults(func=cmd_bots_list)
    brm = bots.add_parser("remove", help="stop using a unit's bot")
    brm.add_argument("id", type=int)
    brm.set_defaults(func=cmd_bots_remove)
    bots.add_parser("keygen", help="print a new HOCAI_SECRET_KEY").set_defaults(func=cmd_bots_keygen)
    hon = sub.add_parser("honours", help="a unit's honours (vinh danh) for a quarter or a year")
    hon.add_argument("--unit", required=True, help="the unit's code, e.g. PDP")
    hon.add_argument("--period", required=True, help="a quarter (2026Q4) or a year (2026)")
    hon.add_argument("--xlsx", help="write a workbook to this file")
    hon.add_argument("--pdf", help="write a printable PDF to this file")
    hon.set_defaults(func=cmd_honours)
    rep = sub.add_parser("report", help="a unit's quarterly report (.xlsx, .pdf), or --close a "
                         "quarter's figures")
    rep.add_argument("--unit", help="the unit's code, e.g. PDP")
    rep.add_argument("--period", help="a quarter: 2026Q4 or 2026-Q4")
    rep.add_argument("--xlsx", help="write the workbook to this file")
    rep.add_argument("--pdf", help="write the summary with charts to this file")
    rep.add_argument("--close", action="store_true",
                     help="store an ended quarter's figures (default: the previous quarter)")
    rep.set_defaults(func=cmd_report)
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
    certs = sub.add_parser("certificates", help="level certificates: verify, list, revoke"
                           ).add_subparsers(dest="certificates_command", required=True)
    ver = certs.add_parser("verify", help="what the public verification page shows for a code")
    ver.add_argument("code")
    ver.set_defaults(func=cmd_certificates_verify)
    cls = certs.add_parser("list", help="certificates, of a unit and the units under it")
    cls.add_argument("--unit", help="a unit's code, e.g. PDP")
    cls.add_argument("--csv", action="store_true")
    cls.set_defaults(func=cmd_certificates_list)
    rev = certs.add_parser("revoke", help="revoke a certificate (who, why and when are kept)")
    rev.add_argument("code")
    rev.add_argument("--reason", required=True, help="why, e.g. \"work found copied\"")
    rev.add_argument("--by", help="who revokes (default: cli:<your login>)")
    rev.set_defaults(func=cmd_certificates_revoke)
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
