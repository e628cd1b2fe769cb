"""`hocai roles invite|list|revoke|log`: hand out and take back roles from the server's shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bot.services.context import utc_now


def _run(args: argparse.Namespace, action: Any) -> Any:
    from bot.cli import _with_store
    from bot.services.roles_admin import RolesError

    try:
        return asyncio.run(_with_store(action))
    except RolesError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_invite(args: argparse.Namespace) -> int:
    from bot.cli import _settings
    from bot.services import roles_admin

    made = _run(
        args, lambda store: roles_admin.invite(store, args.unit, args.role, args.days, utc_now())
    )
    username = _settings().telegram_bot_username.lstrip("@") or "<bot>"
    print(f"role: {args.role}  unit: {made.unit.code} ({made.unit.name})")
    print(f"expires: {made.invite.expires_at.isoformat(timespec='minutes')}  (one use)")
    print(f"code to type in the chat: {made.typed}")
    print(f"Telegram link: {made.deep_link('https://t.me/' + username)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from bot.services import roles_admin

    rows = _run(args, lambda store: roles_admin.grants(store, args.unit, args.all))
    for r in rows:
        state = f"  revoked {r.revoked_at:%Y-%m-%d}" if r.revoked_at else ""
        print(
            f"{r.id}  person {r.learner_id} {r.name}  {r.role}  {r.unit_code} ({r.unit_name})"
            f"  since {r.granted_at:%Y-%m-%d}{state}"
        )
    print(f"{len(rows)} role(s)")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from bot.services import roles_admin

    revoked = _run(
        args,
        lambda store: roles_admin.revoke(
            store,
            utc_now(),
            role_id=args.id,
            learner_id=args.person,
            role=args.role,
            unit_code=args.unit,
        ),
    )
    print(f"revoked {revoked.role} of person {revoked.learner_id} (grant {revoked.id})")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from bot.services import roles_admin

    events = _run(args, lambda store: roles_admin.log(store, args.unit, args.limit))
    for e in events:
        print(
            json.dumps(
                {
                    "at": e.at.isoformat(timespec="seconds"),
                    "actor": e.actor_id,
                    "action": e.action,
                    "target": e.target_id,
                    "unit": e.unit_id,
                    **e.detail,
                },
                ensure_ascii=False,
            )
        )
    return 0


def add_roles_commands(sub: Any) -> None:
    roles = sub.add_parser(
        "roles", help="roles per unit: invite, list, revoke, log"
    ).add_subparsers(dest="roles_command", required=True)
    inv = roles.add_parser("invite", help="a one-time code that gives a role on a unit")
    inv.add_argument("--unit", required=True, help="the unit's code, e.g. T05")
    inv.add_argument(
        "--role", required=True, help="leader | instructor | mentor | official | admin"
    )
    inv.add_argument("--days", type=float, default=3.0, help="valid for this many days (3)")
    inv.set_defaults(func=cmd_invite)
    lst = roles.add_parser("list", help="who holds which role (on a unit and under it)")
    lst.add_argument("--unit", help="only this unit and the units under it")
    lst.add_argument("--all", action="store_true", help="revoked roles too")
    lst.set_defaults(func=cmd_list)
    rev = roles.add_parser("revoke", help="take a role back: --id N, or --person --role --unit")
    rev.add_argument("--id", type=int, help="the grant's id from `hocai roles list`")
    rev.add_argument("--person", type=int, help="the person's id from `hocai roles list`")
    rev.add_argument("--role")
    rev.add_argument("--unit")
    rev.set_defaults(func=cmd_revoke)
    lg = roles.add_parser("log", help="the audit log: who did what, when, to whom (JSON lines)")
    lg.add_argument("--unit")
    lg.add_argument("--limit", type=int, default=100)
    lg.set_defaults(func=cmd_log)
