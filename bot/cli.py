"""`hocai` (also `python -m bot`): run the bot, migrate, import units, check lessons."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Awaitable, Callable
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
    from bot.lessons_cli import add_lessons_commands
    from bot.reports_cli import add_reports_commands

    add_reports_commands(sub)
    add_lessons_commands(sub)
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
