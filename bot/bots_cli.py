"""`hocai bots add|list|remove|keygen`: units' own Telegram bots and Zalo Official Accounts."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from bot.cli import _settings, _with_store

if TYPE_CHECKING:
    from bot.storage.secrets import FernetCipher


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
        missing = [
            f"--{n.replace('_', '-')}"
            for n in ("oa_secret_key", "oa_refresh_token")
            if not getattr(args, n)
        ]
        if missing:
            print(f"a Zalo OA needs {' and '.join(missing)} as well", file=sys.stderr)
            return 2
        channel = "zalo_oa"
        token = OACredentials(
            args.zalo_oa.strip(),
            args.oa_secret_key.strip(),
            args.oa_refresh_token.strip(),
            args.oa_access_token,
            args.oa_webhook_secret_key,
        ).to_token()
    try:
        record, new = asyncio.run(
            _with_store(
                lambda store: add_bot(store, cipher, args.unit, channel, token, args.name or "")
            )
        )
    except BotError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not cipher.sealing:
        print(
            "warning: HOCAI_SECRET_KEY is not set, so the token is stored unsealed "
            "(make a key with `hocai bots keygen`)",
            file=sys.stderr,
        )
    what = "added" if new else "enabled again"
    print(
        f"bot {record.id} {what}: unit {args.unit}, {channel} {shown(channel, token)}; "
        "restart the bot processes to start it"
    )
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
        cells = [
            str(v.id),
            v.unit_code,
            v.channel,
            v.name,
            v.masked_token,
            "yes" if v.enabled else "no",
            str(v.learners),
        ]
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


def add_bots_commands(sub: Any) -> None:
    """The command group, added to `hocai`'s subcommands (bot/cli.py)."""
    bots = sub.add_parser("bots", help="units' own bots").add_subparsers(
        dest="bots_command", required=True
    )
    badd = bots.add_parser("add", help="a unit's own Telegram bot or Zalo Official Account")
    badd.add_argument("--unit", required=True, help="the unit's code, e.g. PDP")
    which = badd.add_mutually_exclusive_group(required=True)
    which.add_argument("--telegram", metavar="TOKEN", help="the token @BotFather gave")
    which.add_argument("--zalo-oa", metavar="APP_ID", help="the OA's app id (developers.zalo.me)")
    badd.add_argument("--oa-secret-key", help="the app's secret key (with --zalo-oa)")
    badd.add_argument("--oa-refresh-token", help="the OA's refresh token (with --zalo-oa)")
    badd.add_argument("--oa-access-token", help="its access token, if at hand")
    badd.add_argument(
        "--oa-webhook-secret-key",
        help="the webhook page's OA Secret Key, if not the app's secret key",
    )
    badd.add_argument("--name", help="a name to tell the bot by (default: the unit's name)")
    badd.set_defaults(func=cmd_bots_add)
    blist = bots.add_parser("list", help="units' bots, tokens masked")
    blist.add_argument("--csv", action="store_true")
    blist.set_defaults(func=cmd_bots_list)
    brm = bots.add_parser("remove", help="stop using a unit's bot")
    brm.add_argument("id", type=int)
    brm.set_defaults(func=cmd_bots_remove)
    bots.add_parser("keygen", help="print a new HOCAI_SECRET_KEY").set_defaults(
        func=cmd_bots_keygen
    )
