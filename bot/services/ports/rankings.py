"""What unit standings and honours need from storage (`repo.rankings`;
bot/storage/repos/rankings/ implements it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from scoring.honours import LearnerFacts, MentorFacts
from scoring.rankings import UnitFigures


@dataclass(frozen=True)
class UnitPlace:
    """A unit and where it sits: its root (the province) and its depth below it."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    root_id: int
    depth: int


@dataclass(frozen=True)
class Denominators:
    working_age: int | None = None
    officials: int | None = None
    business_owners: int | None = None


@dataclass(frozen=True)
class PeriodUnit:
    """A unit's figures over a period (its whole subtree), where it sits, and its passes."""

    figures: UnitFigures
    passes: int
    parent_id: int | None
    depth: int  # below the unit asked about (0: that unit itself)
    leaf: bool


@dataclass(frozen=True)
class PassMarks:
    """When a lesson counts as passed, as bot/services/passing.py decides it for one learner:
    its best confirmed score reaches the lesson's pass mark (the curriculum's), and for a
    capstone a score confirmed by a model or a person. Lessons not listed never count."""

    marks: Mapping[str, int] = field(default_factory=dict)  # lesson id -> pass mark
    capstones: frozenset[str] = frozenset()


class Rankings(Protocol):
    # the tree: unit_closure holds every (ancestor, descendant) pair; the roles port reads it too
    async def rebuild_closure(self) -> int:
        """Rebuilt from the units' parents when they changed (call after adding or moving
        units); returns the number of pairs."""
        ...

    async def set_denominators(
        self, code: str, values: Denominators, columns: frozenset[str]
    ) -> None: ...
    async def place(self, unit_id: int) -> UnitPlace | None: ...

    # recent standings: live on a small database, else a snapshot refreshed by a scheduled job
    async def learners_up_to(self, limit: int) -> int: ...
    async def refresh_stats(self, since: date, now: datetime) -> int: ...
    async def children_figures(
        self, parent_id: int
    ) -> tuple[list[UnitFigures], datetime | None]: ...
    async def figures_at_depth(
        self, root_id: int, depth: int
    ) -> tuple[list[UnitFigures], datetime | None]: ...

    # a period's figures, for honours (set-based over the period's days)
    async def period_figures(
        self, unit_id: int, start: date, end: date, marks: PassMarks | None
    ) -> dict[int, PeriodUnit]:
        """`marks` None: passes are not counted (0)."""
        ...

    async def top_learners(
        self,
        unit_id: int,
        start: date,
        end: date,
        marks: PassMarks,
        weights: tuple[float, float, float],
        min_active_days: int,
        limit: int,
    ) -> list[LearnerFacts]: ...
    async def mentor_facts(
        self, unit_id: int, start: datetime, end: datetime
    ) -> list[MentorFacts]: ...

    # honours of closed periods, kept as they were when the period closed
    async def honours_snapshot(self, unit_id: int, period: str) -> dict[str, Any] | None: ...
    async def store_honours(
        self, unit_id: int, period: str, data: dict[str, Any], now: datetime
    ) -> bool:
        """Keep it once: False (the first one stays) when this unit's period is stored."""
        ...

    async def honours_stored(self, period: str) -> set[int]:
        """Units whose honours for the period are stored."""
        ...
