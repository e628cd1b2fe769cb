"""Practice work and its grades: stored first, graded second, reviewed by a person when held."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Protocol

from bot.services.ports.records import (
    GradeInfo,
    GradeStatus,
    HeldSummary,
    SubmissionRecord,
    SubmissionStatus,
)


class Submissions(Protocol):
    async def add_submission(
        self,
        learner_id: int,
        lesson_id: str,
        channel: str,
        text: str,
        photo_ref: str | None,
        dedup_key: str | None,
        status: SubmissionStatus,
        now: datetime,
        exchange: tuple[dict[str, str], ...] = (),
    ) -> tuple[SubmissionRecord, bool]: ...
    async def submission(self, submission_id: int) -> SubmissionRecord | None: ...
    async def ungraded_submissions(
        self, before: datetime, limit: int
    ) -> list[SubmissionRecord]: ...
    async def has_graded_submission(self, learner_id: int, lesson_id: str) -> bool: ...
    async def add_fingerprints(
        self, submission_id: int, learner_id: int, lesson_id: str, bands: list[int]
    ) -> None: ...
    async def peer_candidates(
        self, lesson_id: str, exclude_learner: int, bands: list[int], limit: int
    ) -> list[str]: ...


class Grades(Protocol):
    async def add_grade(
        self,
        submission_id: int,
        score: int,
        detail: dict[str, Any],
        status: GradeStatus,
        grader: str,
        tokens: int,
        points_paid: int,
        now: datetime,
    ) -> int: ...
    async def grade(self, grade_id: int) -> GradeInfo | None: ...
    async def latest_grade(self, learner_id: int) -> GradeInfo | None: ...
    async def best_confirmed_score(self, learner_id: int, lesson_id: str) -> int | None: ...
    async def set_points_paid(self, grade_id: int, points: int) -> None: ...
    async def set_grade_status(
        self,
        grade_id: int,
        status: GradeStatus,
        appealed: bool | None = None,
        reviewer: str | None = None,
    ) -> None: ...
    # `units`: only work of learners those units cover (their own or a class's); None: all.
    async def review_queue(
        self, limit: int, units: Collection[int] | None = None
    ) -> list[GradeInfo]: ...
    async def review_count(self, units: Collection[int] | None = None) -> int: ...
    async def provisional_grades(
        self,
        limit: int,
        up_to: int | None = None,
        units: Collection[int] | None = None,
    ) -> list[GradeInfo]: ...
    async def provisional_summary(
        self,
        up_to: int | None = None,
        units: Collection[int] | None = None,
    ) -> HeldSummary: ...
