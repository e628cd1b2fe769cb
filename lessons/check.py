"""`hocai lessons check` as a function: the report that CI and instructors read."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TypedDict

from lessons.loader import BUILTIN_DIR, load_curriculum
from lessons.validate import level_counts, not_reviewed_by_person, warnings, with_variants


class Report(TypedDict):
    levels: dict[str, int]  # ordinary lessons per level
    lessons: int
    capstones: int
    with_variants: int
    not_reviewed_by_person: list[str]  # lesson ids
    warnings: list[str]
    errors: list[str]


def report(
    directory: Path = BUILTIN_DIR, overrides: Path | None = None, today: date | None = None
) -> Report:
    """Errors fail the check; warnings (stale facts) and the review list are work for people."""
    curriculum, problems = load_curriculum(directory, overrides)
    unreviewed = not_reviewed_by_person(curriculum)
    return {
        "levels": level_counts(curriculum),
        "lessons": len(curriculum.lessons),
        "capstones": sum(1 for ls in curriculum.lessons if ls.is_capstone),
        "with_variants": len(with_variants(curriculum)),
        "not_reviewed_by_person": unreviewed,
        "warnings": [f"{lid}: {msg}" for lid, msg in warnings(curriculum, today or date.min)],
        "errors": [str(p) for p in problems],
    }


if __name__ == "__main__":  # python -m lessons.check [DIR]
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else BUILTIN_DIR
    result = report(folder, today=date.today())
    print(json.dumps(result, ensure_ascii=False, indent=2))
    sys.exit(1 if result["errors"] else 0)
