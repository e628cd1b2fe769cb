"""`hocai certificates verify|list|revoke|rename`: level certificates from the server's shell."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.cli import _in_transaction


def _certificate_lines(record) -> list[str]:  # type: ignore[no-untyped-def]
    from scoring.certificate_code import shown

    day = record.issued_on or record.earned_at.date()
    return [
        f"  code:  {shown(record.code)}",
        f"  name:  {record.full_name or ''}",
        f"  level: {record.level} ({record.level_title})",
        f"  date:  {day.isoformat()}",
        f"  unit:  {record.unit_name or '-'}",
    ]


def cmd_certificates_verify(args: argparse.Namespace) -> int:
    """What the public page shows for a code. Exit 0 valid, 1 revoked, 2 unknown or malformed."""
    from bot.services.certificates import verify

    found = asyncio.run(_in_transaction(lambda repo: verify(repo, args.code)))
    if found.record is None:
        why = (
            "not a certificate code (15 letters and digits, e.g. ABCDE-FGHJK-MNPQR)"
            if found.status == "malformed"
            else "no certificate has this code"
        )
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
        fields = [
            "code",
            "full_name",
            "level",
            "level_title",
            "issued_on",
            "unit",
            "status",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return 0
    for row in rows:
        print(
            f"{row['code']}  level {row['level']}  {row['issued_on'] or '-':10}  "
            f"{row['status']:13}  {row['full_name'] or '-'}  ({row['unit'] or '-'})"
        )
    print(f"{len(rows)} certificate(s)")
    return 0


def cmd_certificates_revoke(args: argparse.Namespace) -> int:
    """Revoke with a reason; who (the --by name, else the operator's login), why and when are
    kept. Revoking twice changes nothing. Exit 0 revoked, 1 already revoked, 2 not found."""
    import getpass

    from bot.services.certificates import revoke
    from bot.services.context import utc_now

    by = args.by or f"cli:{getpass.getuser()}"
    outcome, record = asyncio.run(
        _in_transaction(lambda repo: revoke(repo, args.code, by, args.reason, utc_now()))
    )
    if outcome == "no_reason":
        print('a reason is required: --reason "..." (e.g. work found copied)', file=sys.stderr)
        return 2
    if record is None:
        print(f"{outcome}: no certificate has this code; nothing changed", file=sys.stderr)
        return 2
    when = record.revoked_at.isoformat(timespec="minutes") if record.revoked_at else "?"
    if outcome == "already":
        print(
            f"already revoked on {when} by {record.revoked_by}: {record.revoke_reason}; "
            "nothing changed",
            file=sys.stderr,
        )
        return 1
    print(f"revoked on {when} by {record.revoked_by}: {record.revoke_reason}")
    print("\n".join(_certificate_lines(record)))
    return 0


def cmd_certificates_rename(args: argparse.Namespace) -> int:
    """Correct a misspelt printed name (an official's fix after the learner's own one). Exit 0
    renamed, 1 nothing to change, 2 refused (unknown, malformed, revoked, not a name)."""
    import getpass

    from bot.services.certificates import MAX_FULL_NAME, rename
    from bot.services.context import utc_now

    by = args.by or f"cli:{getpass.getuser()}"
    outcome, record = asyncio.run(
        _in_transaction(lambda repo: rename(repo, args.code, args.name, by, utc_now()))
    )
    if outcome in ("malformed", "unknown"):
        print(f"{outcome}: no certificate has this code; nothing changed", file=sys.stderr)
        return 2
    if outcome == "revoked":
        print("this certificate is revoked; nothing changed", file=sys.stderr)
        return 2
    if outcome == "bad_name":
        print(
            f"not a full name to print (letters, spaces and hyphens, two words or more, at "
            f"most {MAX_FULL_NAME} characters); nothing changed",
            file=sys.stderr,
        )
        return 2
    assert record is not None
    if outcome == "same":
        print(
            f"the certificate already bears {record.full_name!r}; nothing changed", file=sys.stderr
        )
        return 1
    print(f"renamed to {record.full_name} by {by}; the learner is told in the chat")
    print("\n".join(_certificate_lines(record)))
    return 0


def add_certificates_commands(sub: Any) -> None:
    """The command group, added to `hocai`'s subcommands (bot/cli.py)."""
    certs = sub.add_parser(
        "certificates", help="level certificates: verify, list, revoke, rename"
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
    rev.add_argument("--reason", required=True, help='why, e.g. "work found copied"')
    rev.add_argument("--by", help="who revokes (default: cli:<your login>)")
    rev.set_defaults(func=cmd_certificates_revoke)
    ren = certs.add_parser(
        "rename",
        help="correct the name printed on a certificate (same "
        "code; who changed what and when is kept; the learner is told)",
    )
    ren.add_argument("code")
    ren.add_argument("--name", required=True, help="the full name as it should be printed")
    ren.add_argument("--by", help="who corrects it (default: cli:<your login>)")
    ren.set_defaults(func=cmd_certificates_rename)
