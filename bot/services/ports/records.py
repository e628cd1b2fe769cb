"""The records and statuses the storage ports speak in: plain data, no database types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, Final

from bot.services.conversation import Conversation


class LearnerStatus(StrEnum):
    ONBOARDING = "onboarding"  # still answering the first questions
    ACTIVE = "active"  # gets a lesson every day
    PAUSED = "paused"  # asked for no more pushes for now


class SubmissionStatus(StrEnum):
    RECEIVED = "received"  # stored, not graded yet (a crash here is picked up again)
    GRADED = "graded"
    TOO_LONG = "too_long"  # kept, never graded


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; back to pending if it crashes
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    OUTSIDE_WINDOW = "outside_window"  # the platform's reply window closed before it went out
    UNREACHABLE = "unreachable"  # the learner blocked the bot or left the platform


class InboxStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"  # leased by a worker until `locked_until`
    DONE = "done"
    FAILED = "failed"


class Unset(Enum):
    """A field not given to an update (None is a value: it clears the field)."""

    TOKEN = 0


UNSET: Final = Unset.TOKEN


@dataclass
class LearnerRecord:
    id: int
    nickname: str
    timezone: str
    status: LearnerStatus = LearnerStatus.ONBOARDING
    display_name: str | None = None
    show_name: bool = True
    birth_year: int | None = None
    occupation: str | None = None
    lesson_time: str | None = None
    language: str = "vi"
    unit_id: int | None = None
    consent_at: datetime | None = None
    created_at: datetime | None = None
    # Target groups: an official's agency (an office-team unit), and ethnicity, which is
    # sensitive: set only with its own consent (`ethnicity_consent_at`), shown to the learner
    # alone (their /settings, /mydata) and counted only in aggregates. Kept out of repr so that
    # a logged record never carries it.
    agency_id: int | None = None
    ethnicity: str | None = field(default=None, repr=False)
    ethnicity_consent_at: datetime | None = field(default=None, repr=False)

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
    state: Conversation = field(default_factory=Conversation)
    last_seen_at: datetime | None = None  # the user's last inbound event on this channel
    last_delivered_at: datetime | None = None  # our last push that reached them here
    window_closed_at: datetime | None = None  # when the platform said the window had closed
    bot_id: int | None = None  # the unit's own bot it came through; None: the default bot


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
    status: SubmissionStatus
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
    status: GradeStatus
    detail: dict[str, Any]
    points_paid: int
    appealed: bool
    text: str = ""
    photo_ref: str | None = None
    submitted_at: datetime | None = None  # when the work arrived
    graded_at: datetime | None = None  # when this grade was given


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

    FINAL = "final"  # confirmed by a model or a person
    PROVISIONAL = "provisional"  # rules only: held until a model or an instructor confirms it
    REVIEW = "review"  # waits for a person (flagged, or appealed)
    SUPERSEDED = "superseded"  # replaced by a later grade of the same work


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
