"""Units ranked fairly: by participation over the unit's own working-age population, then by
average confirmed score; equal figures share a rank (1, 1, 3); a unit whose population is not
known is shown as unknown and not ranked, never as 100%."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def rate(part: int, whole: int | None) -> float | None:
    """part / whole, or None when the denominator is unknown (missing or 0)."""
    return part / whole if whole else None


@dataclass(frozen=True)
class UnitFigures:
    """One unit's figures over its whole subtree for a period."""

    unit_id: int
    name: str
    kind: str = ""
    members: int = 0  # learners registered anywhere under the unit
    active: int = 0  # of them, learners who studied in the period
    average_score: float | None = None  # mean best confirmed score; None when nothing graded
    working_age: int | None = None  # denominators from the units file; None = unknown
    officials: int | None = None
    business_owners: int | None = None
    active_officials: int = 0
    active_business: int = 0

    @property
    def participation(self) -> float | None:
        return rate(self.active, self.working_age)

    @property
    def officials_rate(self) -> float | None:
        return rate(self.active_officials, self.officials)

    @property
    def business_rate(self) -> float | None:
        return rate(self.active_business, self.business_owners)


@dataclass(frozen=True)
class UnitStanding:
    figures: UnitFigures
    rank: int | None  # None: not ranked, the working-age population is unknown


def _key(f: UnitFigures) -> tuple[float, float]:
    # Rounded as shown, so two units that read the same share a rank.
    return (round(f.participation or 0.0, 4), round(f.average_score or 0.0, 1))


def rank_units(units: Sequence[UnitFigures]) -> list[UnitStanding]:
    """Competition ranking of units with a known rate; then the unknown ones, most active first."""
    known = sorted(
        (u for u in units if u.participation is not None),
        key=lambda u: (-_key(u)[0], -_key(u)[1], u.name.lower(), u.unit_id),
    )
    out: list[UnitStanding] = []
    for i, unit in enumerate(known):
        same = out and _key(out[-1].figures) == _key(unit)
        out.append(UnitStanding(unit, out[-1].rank if same else i + 1))
    unknown = sorted(
        (u for u in units if u.participation is None),
        key=lambda u: (-u.active, u.name.lower(), u.unit_id),
    )
    return out + [UnitStanding(u, None) for u in unknown]


def competition_ranks(values: Sequence[float]) -> list[int]:
    """Ranks of values already sorted best first: equal values share a rank (1, 1, 3)."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        ranks.append(ranks[-1] if i and values[i - 1] == value else i + 1)
    return ranks
