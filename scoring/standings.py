"""Leaderboards: learners by points, groups by participation and average score (not by size)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LearnerStanding:
    learner_id: int
    name: str
    points: int
    rank: int = 0


@dataclass(frozen=True)
class GroupStats:
    unit_id: int
    name: str
    members: int
    active: int  # members with activity in the period
    average_score: float  # mean practice score of the period, 0 when none

    @property
    def participation(self) -> float:
        return self.active / self.members if self.members else 0.0


@dataclass(frozen=True)
class GroupStanding:
    stats: GroupStats
    rank: int


def rank_learners(rows: Sequence[tuple[int, str, int]]) -> list[LearnerStanding]:
    """Competition ranking (1, 2, 2, 4): equal points share a rank; ties listed by name."""
    ordered = sorted(rows, key=lambda r: (-r[2], r[1].lower(), r[0]))
    out: list[LearnerStanding] = []
    for i, (learner_id, name, points) in enumerate(ordered):
        rank = out[-1].rank if out and out[-1].points == points else i + 1
        out.append(LearnerStanding(learner_id, name, points, rank))
    return out


def rank_groups(groups: Sequence[GroupStats]) -> list[GroupStanding]:
    """Participation rate first, then average score; a small group can beat a big one."""

    def key(g: GroupStats) -> tuple[float, float]:
        return (round(g.participation, 4), round(g.average_score, 2))

    ordered = sorted(groups, key=lambda g: (-key(g)[0], -key(g)[1], g.name))
    out: list[GroupStanding] = []
    for i, g in enumerate(ordered):
        same = out and key(out[-1].stats) == key(g)
        out.append(GroupStanding(g, out[-1].rank if same else i + 1))
    return out


def rank_of(standings: Sequence[LearnerStanding], learner_id: int) -> LearnerStanding | None:
    return next((s for s in standings if s.learner_id == learner_id), None)
