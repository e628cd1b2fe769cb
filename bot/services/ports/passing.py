"""What passing, review days and certificates need from storage (`repo.passing`,
`repo.certificates`); `bot/storage/repos/certificates.py` implements them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from lessons.plan import ReviewSlot
from scoring.passing import Confirmed


@dataclass(frozen=True)
class ReviewRecord:
    """A review day's lesson for one learner."""

    learner_id: int
    lesson_id: str
    day: date
    retried_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.retried_at is not None

    @property
    def slot(self) -> ReviewSlot:
        """The review as today's plan takes it."""
        return ReviewSlot(self.lesson_id, self.done)


@dataclass(frozen=True)
class Feedback:
    """A lesson's latest confirmed grade, as a review day shows it again."""

    score: int
    detail: dict[str, Any]


@dataclass(frozen=True)
class CertificateRecord:
    id: int
    code: str
    learner_id: int
    level: int
    level_title: str
    full_name: str | None
    unit_id: int | None
    unit_name: str
    lessons_passed: int
    average_score: int
    capstone_score: int
    earned_at: datetime
    issued_at: datetime | None = None
    issued_on: date | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None
    name_draft: str | None = None  # a name typed, waiting for the learner's confirmation

    @property
    def named(self) -> bool:
        """Issued: the learner confirmed the name, and the document exists."""
        return self.full_name is not None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class Passing(Protocol):
    async def confirmed_scores(
        self, learner_id: int, lesson_ids: Collection[str] | None = None
    ) -> dict[str, Confirmed]: ...
    async def review_on(self, learner_id: int, day: date) -> ReviewRecord | None: ...
    async def review_counts(self, learner_id: int) -> dict[str, int]: ...
    async def open_review(
        self, learner_id: int, lesson_id: str, day: date, now: datetime
    ) -> bool: ...
    async def mark_retried(
        self, learner_id: int, lesson_id: str, day: date, now: datetime
    ) -> bool: ...
    async def latest_feedback(self, learner_id: int, lesson_id: str) -> Feedback | None: ...


@dataclass(frozen=True)
class NameChange:
    """A printed name corrected: from what, to what, by whom (a learner or an official), when."""

    old: str
    new: str
    by: str
    by_learner: bool
    at: datetime


class Certificates(Protocol):
    async def add(
        self,
        learner_id: int,
        level: int,
        level_title: str,
        code: str,
        unit_id: int | None,
        unit_name: str,
        lessons_passed: int,
        average_score: int,
        capstone_score: int,
        now: datetime,
    ) -> CertificateRecord | None: ...
    async def of_learner(self, learner_id: int) -> list[CertificateRecord]: ...
    async def get(self, certificate_id: int) -> CertificateRecord | None: ...
    async def by_code(self, code: str) -> CertificateRecord | None: ...
    async def set_name(
        self, certificate_id: int, full_name: str, now: datetime, day: date
    ) -> bool: ...
    async def propose_name(self, certificate_id: int, name: str) -> bool: ...
    async def revoke(self, code: str, by: str, reason: str, now: datetime) -> bool: ...
    async def listing(self, unit_ids: Collection[int] | None = None) -> list[CertificateRecord]: ...
    async def propose_fix(self, certificate_id: int, name: str) -> bool:
        """Keep a corrected name until the learner confirms it (an issued, unrevoked one)."""
        ...

    async def rename(
        self, certificate_id: int, old: str, new: str, by: str, by_learner: bool, now: datetime
    ) -> bool:
        """Print `new` instead of `old` and record the change; False (nothing changed) when the
        name is no longer `old` (a double tap, a second process) or the certificate is revoked."""
        ...

    async def changes(self, certificate_id: int) -> list[NameChange]: ...
    # The web pages: named certificates of these units (None: all), the newest issued first,
    # revoked only, in force only (revoked False) or both (None); and their counts.
    async def newest(
        self, unit_ids: Collection[int] | None, revoked: bool | None, limit: int
    ) -> list[CertificateRecord]: ...
    async def level_counts(self, unit_ids: Collection[int] | None) -> tuple[dict[int, int], int]:
        """(named certificates in force by level, named certificates revoked)."""
        ...
