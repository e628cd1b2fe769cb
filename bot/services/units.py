"""The unit tree (province -> commune/ward -> neighbourhood group or office team, any depth)."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field

from bot.services.ports import Store, UnitRecord
from bot.services.ports.rankings import Denominators

# No 0/O, 1/I/L: codes are read aloud at meetings and typed on small keyboards.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_LENGTH = 6
CSV_COLUMNS = ("code", "name", "kind", "parent_code", "population")
# Optional: the plans' denominators. An empty cell is unknown (shown as such, never as 100%);
# a file without the column leaves what an earlier import stored.
DENOMINATOR_COLUMNS = ("working_age", "officials", "business_owners")


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    parent_code: str | None
    population: int | None
    denominators: Denominators = field(default_factory=Denominators)


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[str] | None = None


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_LENGTH))


def parse_units_csv(text: str) -> tuple[list[UnitRow], list[str]]:
    """Rows of `code,name,kind,parent_code,population`; errors name the line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [f"line 1: missing columns {', '.join(missing)}"]
    rows, errors, seen = [], [], set()
    for line, raw in enumerate(reader, start=2):
        code = (raw.get("code") or "").strip()
        name = (raw.get("name") or "").strip()
        kind = (raw.get("kind") or "").strip()
        if not code or not name or not kind:
            errors.append(f"line {line}: code, name and kind are required")
            continue
        if code in seen:
            errors.append(f"line {line}: code {code} appears twice")
            continue
        numbers = {c: _count(raw.get(c)) for c in ("population", *DENOMINATOR_COLUMNS)}
        bad = [c for c, n in numbers.items() if n == -1]
        if bad:
            errors.append(f"line {line}: {bad[0]} {raw.get(bad[0])!r} is not a number")
            continue
        seen.add(code)
        rows.append(
            UnitRow(
                code,
                name,
                kind,
                (raw.get("parent_code") or "").strip() or None,
                numbers["population"],
                Denominators(
                    numbers["working_age"], numbers["officials"], numbers["business_owners"]
                ),
            )
        )
    return rows, errors


def csv_denominators(text: str) -> frozenset[str]:
    """The denominator columns a units file has (the others are left as stored)."""
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    return frozenset(c.strip() for c in header) & frozenset(DENOMINATOR_COLUMNS)


def _count(cell: str | None) -> int | None:
    """'12.500', '12,500', '12500' -> 12500; '' -> None (unknown); not a number -> -1."""
    digits = (cell or "").strip().replace(".", "").replace(",", "").replace(" ", "")
    if not digits:
        return None
    return int(digits) if digits.isdigit() else -1


def parents_first(rows: list[UnitRow]) -> tuple[list[UnitRow], list[str]]:
    """Order rows so that each parent comes before its children (the file may be in any order)."""
    by_code = {r.code: r for r in rows}
    ordered: list[UnitRow] = []
    placed: set[str] = set()
    errors: list[str] = []

    def place(row: UnitRow, trail: tuple[str, ...]) -> None:
        if row.code in placed:
            return
        if row.code in trail:
            errors.append(f"unit {row.code}: its parents form a loop")
            return
        parent = by_code.get(row.parent_code or "")
        if parent is not None:
            place(parent, (*trail, row.code))
        placed.add(row.code)
        ordered.append(row)

    for row in rows:
        place(row, ())
    return ordered, errors


async def import_units(store: Store, text: str) -> ImportReport:
    rows, errors = parse_units_csv(text)
    rows, loop_errors = parents_first(rows)
    errors += loop_errors
    columns = csv_denominators(text)
    report = ImportReport(errors=errors)
    async with store.transaction() as repo:
        for row in rows:
            existing = await repo.units.unit_by_code(row.code)
            join_code = existing.join_code if existing and existing.join_code else None
            while join_code is None:
                candidate = new_join_code()
                if await repo.units.unit_by_join_code(candidate) is None:
                    join_code = candidate
            try:
                await repo.units.upsert_unit(
                    row.code, row.name, row.kind, row.parent_code, row.population, join_code
                )
            except LookupError:
                errors.append(f"unit {row.code}: parent {row.parent_code} is unknown")
                continue
            await repo.rankings.set_denominators(row.code, row.denominators, columns)
            report.imported += 1
        await repo.rankings.rebuild_closure()
    return report


async def units_csv(store: Store) -> str:
    async with store.transaction() as repo:
        units = await repo.units.units()
    by_id: dict[int, UnitRecord] = {u.id: u for u in units}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("code", "name", "kind", "parent_code", "join_code"))
    for u in units:
        parent = by_id.get(u.parent_id) if u.parent_id else None
        writer.writerow((u.code, u.name, u.kind, parent.code if parent else "", u.join_code or ""))
    return out.getvalue()


DEMO_UNITS = """code,name,kind,parent_code,population,working_age,officials,business_owners
TN,Tỉnh Thái Nguyên,province,,1300000,850000,21000,64000
TN-PDP,Phường Phan Đình Phùng,ward,TN,90000,61000,1500,4800
TN-PDP-T05,Tổ dân phố số 5,group,TN-PDP,420,280,6,25
TN-PDP-T07,Tổ dân phố số 7,group,TN-PDP,380,250,,
"""
DEMO_JOIN_CODE = "DEMO05"


async def ensure_demo_units(store: Store) -> str:
    """A small unit tree for the console demo, with a fixed join code to type."""
    async with store.transaction() as repo:
        found = await repo.units.unit_by_join_code(DEMO_JOIN_CODE)
        if found is not None:
            return DEMO_JOIN_CODE
        if await repo.units.unit_by_code("TN-PDP-T05") is not None:
            return ""  # someone imported real units with these codes; leave them alone
        for row, join in zip(
            parse_units_csv(DEMO_UNITS)[0],
            ("DEMOTN", "DEMOPD", DEMO_JOIN_CODE, "DEMO07"),
            strict=True,
        ):
            await repo.units.upsert_unit(
                row.code, row.name, row.kind, row.parent_code, row.population, join
            )
            await repo.rankings.set_denominators(
                row.code, row.denominators, frozenset(DENOMINATOR_COLUMNS)
            )
        await repo.rankings.rebuild_closure()
    return DEMO_JOIN_CODE
