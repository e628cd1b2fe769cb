"""Mentors: peers' work to review (anonymised), their reviews and the instructor's verdict on
them, mentors' invite links and the learners who joined through them, and the figures the mentor
rule and the level statistics read. `bot/storage/repos/mentoring.py` implements it.

Kept as one port (17 methods): every query serves the /mentor dialog and is read together with
the others in one unit of work; split, each feature change would touch two ports and two repos."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PeerItem:
    """A piece of work a mentor may review: no name, only what the work says."""

    submission_id: int
    learner_id: int
    lesson_id: str
    text: str
    grade_id: int
    score: int


@dataclass(frozen=True)
class PeerReviewRecord:
    id: int
    submission_id: int
    mentor_id: int
    mentor_name: str
    learner_id: int  # whose work it is
    lesson_id: str
    grade_id: int | None  # the work's current grade
    score: int | None
    marks: dict[str, str]
    comment: str
    created_at: datetime
    verdict: str | None = None


@dataclass(frozen=True)
class Referred:
    learner_id: int
    name: str
    lessons_done: int


class Mentoring(Protocol):
    # peer review
    async def peer_candidates(
        self,
        unit_ids: Collection[int],
        mentor_id: int,
        since: datetime,
        limit: int,
    ) -> list[PeerItem]:
        """Graded work of learners these units cover (not the mentor's), sent since `since`,
        not yet reviewed by this mentor and by fewer than two mentors; the oldest first."""
        ...

    async def peer_item(self, submission_id: int) -> PeerItem | None: ...
    async def add_peer_review(
        self,
        submission_id: int,
        mentor_id: int,
        marks: dict[str, str],
        comment: str,
        now: datetime,
    ) -> int | None:
        """The new review's id; None when this mentor already reviewed this work."""
        ...

    async def peer_review(self, review_id: int) -> PeerReviewRecord | None: ...
    async def reviews_to_judge(
        self, unit_ids: Collection[int] | None, limit: int
    ) -> list[PeerReviewRecord]:
        """Reviews no instructor has judged yet, of work these units cover (None: all)."""
        ...

    async def count_to_judge(self, unit_ids: Collection[int] | None) -> int: ...
    async def judge(self, review_id: int, verdict: str, judge_id: int, now: datetime) -> bool:
        """Compare-and-set: a review is judged once."""
        ...

    async def mentor_stats(self, mentor_id: int) -> tuple[int, int]:
        """(reviews written, reviews judged helpful)."""
        ...

    # invite links and the learners they brought
    async def link_code(self, learner_id: int) -> str | None: ...
    async def add_link(self, code: str, learner_id: int, now: datetime) -> bool: ...
    async def mentor_of_code(self, code: str) -> int | None: ...
    async def add_referral(self, learner_id: int, mentor_id: int, now: datetime) -> bool: ...
    async def referred(self, mentor_id: int) -> list[Referred]: ...
    async def referred_by(self, mentor_ids: Collection[int]) -> dict[int, list[int]]: ...

    # what the mentor rule and the level figures read
    async def teach_back_scores(self, learner_ids: Collection[int]) -> dict[int, list[int]]:
        """Each learner's best confirmed score per teach-back task."""
        ...

    async def completed_by(self, learner_ids: Collection[int]) -> dict[int, set[str]]:
        """The lessons each learner has completed."""
        ...

    async def certified_levels(self, learner_ids: Collection[int]) -> dict[int, set[int]]:
        """The levels whose certificate each learner earned (revoked ones left out)."""
        ...
