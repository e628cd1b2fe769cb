"""What the services need from storage, in domain terms. `bot/storage` implements it."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.services.ports_badges import BadgeStore
from bot.services.ports_rankings import RankingStore
from lessons.plan import Assignment
from scoring.points import Award
from scoring.standings import GroupStats


@dataclass
class LearnerRecord:
    id: int
    nickname: str
    timezone: str
    status: str = "onboarding"  # onboarding | active | paused
    display_name: str | None = None
    show_name: bool = True
    birth_year: int | None = None
    occupation: str | None = None
    lesson_time: str | None = None
    language: str = "vi"
    unit_id: int | None = None
    consent_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def public_name(self) -> str:
        return self.display_name if self.show_name and self.display_name else self.nickname


@dataclass
class IdentityRecord:
    id: int
    learner_id: int
    channel: str
    external_id: str
    chat_id: str
    reachable: bool = True
    state: dict[str, Any] = field(default_factory=dict)
    last_seen_at: datetime | None = None  # the user's last inbound event on this channel


@dataclass(frozen=True)
class UnitRecord:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    population: int | None = None
    join_code: str | None = None


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    learner_id: int
    lesson_id: str
    channel: str
    text: str
    photo_ref: str | None
    status: str
    received_at: datetime
    # A conversation with the in-chat model the work came from: ({"role", "text"}, ...).
    exchange: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class GradeInfo:
    """A stored grade with what a reviewer needs to see."""

    id: int
    submission_id: int
    learner_id: int
    lesson_id: str
    score: int
    status: str
    detail: dict[str, Any]
    points_paid: int
    appealed: bool
    text: str = ""
    photo_ref: str | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    learner_id: int
    day: date
    lesson_id: str
    parts_sent: int
    attempts: int


@dataclass(frozen=True)
class HeldSummary:
    """Grades held for confirmation (rules only): how many, their score range, the newest id."""

    count: int
    low: int
    high: int
    last_id: int


class GradeStatus(StrEnum):
    """A grade row's status. Only FINAL grades are confirmed: paid, and counted in standings."""

    FINAL = "final"              # confirmed by a model or a person
    PROVISIONAL = "provisional"  # rules only: held until a model or an instructor confirms it
    REVIEW = "review"            # waits for a person (flagged, or appealed)
    SUPERSEDED = "superseded"    # replaced by a later grade of the same work


@dataclass(frozen=True)
class InboxItem:
    """A stored platform event waiting for (or in) its worker."""

    id: int
    channel: str
    key: str
    user_key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    refreshing_until: datetime | None = None
    seed_hash: str = ""


class Repo(Protocol):
    """One transaction's view of the data. Nothing here commits; the transaction does."""

    badges: BadgeStore  # badges, streak freezes, helpful mentor reviews
    rankings: RankingStore  # the unit closure, standings snapshots, honours figures

    # identities and learners
    async def identity(self, channel: str, external_id: str) -> IdentityRecord | None: ...
    async def identities_of(self, learner_id: int) -> list[IdentityRecord]: ...
    async def create_learner(
        self, channel: str, external_id: str, chat_id: str, nickname: str, timezone: str,
        now: datetime,
    ) -> tuple[LearnerRecord, IdentityRecord]: ...
    async def save_state(self, identity_id: int, state: dict[str, Any]) -> None: ...
    async def touch_identity(self, identity_id: int, chat_id: str, now: datetime) -> None: ...
    async def set_reachable(self, learner_id: int, channel: str, reachable: bool) -> None: ...
    async def learner(self, learner_id: int) -> LearnerRecord | None: ...
    async def update_learner(self, learner_id: int, **fields: Any) -> None: ...
    async def delete_learner(self, learner_id: int) -> None: ...
    async def export_learner(self, learner_id: int) -> dict[str, Any]: ...

    # units
    async def unit(self, unit_id: int) -> UnitRecord | None: ...
    async def unit_by_join_code(self, join_code: str) -> UnitRecord | None: ...
    async def unit_by_code(self, code: str) -> UnitRecord | None: ...
    async def units(self) -> list[UnitRecord]: ...
    async def upsert_unit(
        self, code: str, name: str, kind: str, parent_code: str | None, population: int | None,
        join_code: str,
    ) -> UnitRecord: ...

    # updates
    async def first_time_seen(self, channel: str, key: str, now: datetime) -> bool: ...

    # lessons and quiz
    async def current_assignment(self, learner_id: int) -> Assignment | None: ...
    async def assignment(self, learner_id: int, lesson_id: str) -> Assignment | None: ...
    async def mark_started(self, learner_id: int, lesson_id: str, now: datetime) -> None: ...
    async def completed_lessons(self, learner_id: int) -> set[str]: ...
    async def assign(self, learner_id: int, lesson_id: str, level: int, day: date) -> None: ...
    async def complete(self, learner_id: int, lesson_id: str, day: date) -> bool: ...
    async def lessons_completed_on(self, learner_id: int, day: date) -> int: ...
    async def record_quiz_answer(
        self, learner_id: int, lesson_id: str, question: int, choice: int, correct: bool,
        now: datetime,
    ) -> bool: ...
    async def quiz_answers(self, learner_id: int, lesson_id: str) -> dict[int, bool]: ...

    # submissions and grades
    async def add_submission(
        self, learner_id: int, lesson_id: str, channel: str, text: str, photo_ref: str | None,
        dedup_key: str | None, status: str, now: datetime,
        exchange: tuple[dict[str, str], ...] = (),
    ) -> tuple[SubmissionRecord, bool]: ...
    async def submission(self, submission_id: int) -> SubmissionRecord | None: ...
    async def ungraded_submissions(
        self, before: datetime, limit: int
    ) -> list[SubmissionRecord]: ...
    async def add_fingerprints(
        self, submission_id: int, learner_id: int, lesson_id: str, bands: list[int]
    ) -> None: ...
    async def peer_candidates(
        self, lesson_id: str, exclude_learner: int, bands: list[int], limit: int
    ) -> list[str]: ...
    async def add_grade(
        self, submission_id: int, score: int, detail: dict[str, Any], status: str, grader: str,
        tokens: int, points_paid: int, now: datetime,
    ) -> int: ...
    async def practice_points_paid(self, learner_id: int, lesson_id: str) -> int: ...
    async def practice_ledger(self, learner_id: int, lesson_id: str) -> tuple[int, int]: ...
    async def best_confirmed_score(self, learner_id: int, lesson_id: str) -> int | None: ...
    async def set_points_paid(self, grade_id: int, points: int) -> None: ...
    async def set_best_score(self, learner_id: int, lesson_id: str, score: int) -> None: ...
    async def has_graded_submission(self, learner_id: int, lesson_id: str) -> bool: ...
    async def grade(self, grade_id: int) -> GradeInfo | None: ...
    async def set_grade_status(
        self, grade_id: int, status: str, appealed: bool | None = None,
        reviewer: str | None = None,
    ) -> None: ...
    async def review_queue(self, limit: int) -> list[GradeInfo]: ...
    async def latest_grade(self, learner_id: int) -> GradeInfo | None: ...
    async def review_count(self) -> int: ...
    async def provisional_grades(self, limit: int, up_to: int | None = None) -> list[GradeInfo]: ...
    async def provisional_summary(self, up_to: int | None = None) -> HeldSummary: ...

    # points and activity
    async def award(self, learner_id: int, award: Award, now: datetime) -> bool: ...
    async def points(self, learner_id: int) -> int: ...
    async def add_activity_day(self, learner_id: int, day: date) -> None: ...
    async def activity_days(self, learner_id: int) -> list[date]: ...

    # standings
    async def learner_points_in_unit(
        self, unit_id: int | None, since: datetime | None
    ) -> list[tuple[int, str, int]]: ...
    async def group_stats(self, parent_id: int, since: datetime) -> list[GroupStats]: ...
    async def lesson_count(self, learner_id: int) -> int: ...

    # delivery
    async def unset_due_slots(self) -> list[tuple[str, str]]: ...
    async def set_unset_due(self, zone: str, lesson_time: str, due_at: datetime) -> int: ...
    async def due_slots(self, now: datetime) -> list[tuple[str, str]]: ...
    async def plan_due(
        self, zone: str, lesson_time: str, now: datetime, day: date | None,
        due_at: datetime | None, next_due_at: datetime, limit: int,
    ) -> tuple[int, int]: ...
    async def set_delivery_lesson(self, delivery_id: int, lesson_id: str) -> None: ...
    async def create_delivery(
        self, learner_id: int, day: date, lesson_id: str, due_at: datetime,
        status: str = "pending",
    ) -> bool: ...
    async def claim_deliveries(self, now: datetime, limit: int) -> list[DeliveryRecord]: ...
    async def delivery_progress(self, delivery_id: int, parts_sent: int, now: datetime) -> None: ...
    async def finish_delivery(
        self, delivery_id: int, status: str, channel: str | None, error: str | None, now: datetime
    ) -> None: ...
    async def retry_delivery(self, delivery_id: int, due_at: datetime, error: str) -> None: ...
    async def release_stale_deliveries(self, before: datetime) -> int: ...

    # linking channels
    async def learners_in_units(self, unit_ids: list[int]) -> list[LearnerRecord]: ...
    async def learner_has_progress(self, learner_id: int) -> bool: ...
    async def move_identities(self, from_learner: int, to_learner: int) -> None: ...
    async def delete_identity(self, identity_id: int) -> None: ...
    async def add_link_code(
        self, code: str, learner_id: int, now: datetime, expires_at: datetime
    ) -> bool: ...
    async def link_code_owner(self, code: str, now: datetime) -> int | None: ...
    async def drop_link_codes(self, learner_id: int) -> None: ...

    # the event inbox (webhooks acknowledge after this insert; a worker handles the rest)
    async def inbox_add(
        self, channel: str, key: str, user_key: str, payload: dict[str, Any], now: datetime
    ) -> bool: ...
    async def inbox_add_many(
        self, events: list[tuple[str, str, str, dict[str, Any]]], now: datetime
    ) -> set[tuple[str, str]]: ...
    async def inbox_claim(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[InboxItem]: ...
    async def inbox_done(self, item_id: int) -> None: ...
    async def inbox_retry(self, item_id: int, available_at: datetime, error: str) -> None: ...
    async def inbox_failed(self, item_id: int, error: str) -> None: ...
    async def inbox_forget(self, user_key: str) -> int: ...
    async def inbox_purge(self, done_before: datetime) -> int: ...

    # a platform's OAuth token pair (Zalo OA): the refresh token works once
    async def token_pair(self, app_id: str) -> TokenPair | None: ...
    async def seed_token_pair(
        self, app_id: str, pair: TokenPair, seed_hash: str, now: datetime
    ) -> None: ...
    async def lease_token_refresh(
        self, app_id: str, refresh_token: str, now: datetime, until: datetime
    ) -> bool: ...
    async def swap_token_pair(
        self, app_id: str, old_refresh_token: str, pair: TokenPair, now: datetime
    ) -> bool: ...
    async def release_token_lease(self, app_id: str, refresh_token: str) -> None: ...

    # the in-chat model's daily use ("Thử với AI ngay đây")
    async def tryai_used(self, learner_id: int, day: date) -> tuple[int, int]: ...
    async def add_tryai_use(self, learner_id: int, day: date, tokens: int) -> None: ...

    # monthly message quotas
    async def add_usage(self, channel: str, month: str, messages: int) -> int: ...
    async def usage(self, channel: str, month: str) -> int: ...


class Store(Protocol):
    """Opens a transaction: commit on success, roll back on error."""

    def transaction(self) -> AbstractAsyncContextManager[Repo]: ...
