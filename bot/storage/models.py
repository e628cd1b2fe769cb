"""Database tables. Identity is channel-neutral: learners have ids; (channel, external_id) pairs
live in `identities`, so one person can study on Telegram and Zalo as one learner.

Kept whole (over 400 lines): this is the schema, one declarative class per table and no logic;
Alembic's autogenerate and a reader comparing it with the migrations want it in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as UTC on every database.

    SQLite keeps no zone, so without this a 19:00+07:00 and a 12:00+00:00 would compare as text.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """A node of the unit tree: province, commune/ward, neighbourhood group, office team..."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    join_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Denominators from the units file (NULL = unknown, shown as such, never as 100%).
    working_age: Mapped[int | None] = mapped_column(Integer)
    officials: Mapped[int | None] = mapped_column(Integer)
    business_owners: Mapped[int | None] = mapped_column(Integer)


class Learner(Base):
    __tablename__ = "learners"
    __table_args__ = (
        # The minute tick reads only learners whose next lesson is due, never the whole table.
        Index("ix_learners_next_due_at", "next_due_at"),
        # Learners whose next due time must be worked out again (time, zone or status changed).
        Index(
            "ix_learners_due_unset",
            "timezone",
            "lesson_time",
            postgresql_where=sql_text(
                "next_due_at IS NULL AND status = 'active' AND lesson_time IS NOT NULL"
            ),
            sqlite_where=sql_text(
                "next_due_at IS NULL AND status = 'active' AND lesson_time IS NOT NULL"
            ),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    nickname: Mapped[str] = mapped_column(String(40))
    show_name: Mapped[bool] = mapped_column(Boolean, default=True)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    occupation: Mapped[str | None] = mapped_column(String(32))
    lesson_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM, learner's zone
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="onboarding")  # active|paused|...
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the next daily push is due (UTC). NULL: not worked out yet; the tick sets it for
    # active learners with a lesson time, and moves it a day on when it plans today's row.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Target groups the plans count: an official also belongs to an agency (an office-team unit).
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    # Sensitive and optional: asked only with its own consent (for the special-audience classes),
    # counted in aggregates, never shown per person. Cleared when the consent is withdrawn.
    ethnicity: Mapped[str | None] = mapped_column(String(40))
    ethnicity_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Identity(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Our last push that reached the user here ("last_ok" in the state before 'dialogsplit').
    last_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the platform said the messaging window had closed (Zalo OA -230).
    window_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # bot.services.conversation.Conversation as JSON; written by patch (bot/storage/conversation.py)
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    # The unit's own bot this identity came through (bots.id); NULL: the default bot from settings.
    bot_id: Mapped[int | None] = mapped_column(
        ForeignKey("bots.id", ondelete="SET NULL"), index=True
    )


class Progress(Base):
    """One row per lesson a learner was given: when, and when it was completed."""

    __tablename__ = "progress"
    __table_args__ = (UniqueConstraint("learner_id", "lesson_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    assigned_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    best_score: Mapped[int | None] = mapped_column(Integer)  # best confirmed practice score
    # When the learner first opened the lesson themselves (not when a push planned it): the push
    # looks at it so it never sends a lesson the learner is already in the middle of.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizAnswer(Base):
    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("learner_id", "lesson_id", "question"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    lesson_id: Mapped[str] = mapped_column(String(40))
    question: Mapped[int] = mapped_column(Integer)
    choice: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Submission(Base):
    """Stored before grading starts, so a crash never loses the learner's work."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    photo_ref: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), default="received")  # received|graded|too_long
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The learner's conversation with the in-chat model ("Thử với AI ngay đây"), when the work came
    # from one: [{"role": "user"|"assistant", "text": ...}], shown to the grader as evidence.
    exchange: Mapped[list | None] = mapped_column(JSON)


class SubmissionFingerprint(Base):
    """One MinHash LSH band of a submission's text (scoring/fingerprint.py), for the copy check.

    Near-copies share a band with high probability, so the few candidates for a new submission are
    found by an index lookup on (lesson_id, band) instead of reading every submission of the lesson.
    """

    __tablename__ = "submission_fingerprints"
    __table_args__ = (Index("ix_submission_fingerprints_lesson_band", "lesson_id", "band"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(BigInteger)
    lesson_id: Mapped[str] = mapped_column(String(40))
    band: Mapped[int] = mapped_column(BigInteger)


class GradeRecord(Base):
    """Every grade keeps its inputs' findings, the model reply and the reasons, for appeals."""

    __tablename__ = "grades"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON)  # Grade.as_json()
    status: Mapped[str] = mapped_column(String(16))  # final|provisional|review|superseded
    grader: Mapped[str] = mapped_column(String(32))
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    points_paid: Mapped[int] = mapped_column(Integer, default=0)
    appealed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewer: Mapped[str | None] = mapped_column(String(64))


class LedgerEntry(Base):
    """Append-only points ledger; the unique key makes a retried award a no-op."""

    __tablename__ = "points_ledger"
    # Standings read one week of points per learner: the cost follows the week, not the history.
    __table_args__ = (Index("ix_points_ledger_learner_created", "learner_id", "created_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # Indexed by ix_points_ledger_learner_created (learner_id first), which also serves
    # every lookup by learner alone.
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(160), unique=True)
    # The key's parts (scoring.points.LedgerKey), so that a lesson's practice lines are read by
    # equality; NULL for a free-form key. A learner's lines are few: the learner index serves.
    kind: Mapped[str | None] = mapped_column(String(16))
    lesson_id: Mapped[str | None] = mapped_column(String(40))
    seq: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActivityDay(Base):
    """A calendar day (learner's zone) on which the learner studied; streaks derive from these."""

    __tablename__ = "activity_days"
    __table_args__ = (UniqueConstraint("learner_id", "day"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)


class Delivery(Base):
    """A day's lesson push to one learner; the unique (learner, day) stops a second send."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("learner_id", "day"),
        Index("ix_deliveries_status_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    lesson_id: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sending|sent|...
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Process roles: who is sending it and until when; a lapsed lease is taken up by any worker.
    lease_owner: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessedUpdate(Base):
    """Inbound updates already handled: a platform's redelivery is answered once."""

    __tablename__ = "processed_updates"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboxEvent(Base):
    """A platform event kept before it is acknowledged; a worker handles it afterwards.

    Webhooks must answer within seconds (the Zalo OA within 2), so they only insert here; the
    unique (channel, key) turns a redelivery into a no-op, and a restart finds what is pending.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "key"),
        Index("ix_inbox_status_available", "status", "available_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(128))
    user_key: Mapped[str] = mapped_column(String(96), index=True)  # one user's events in order
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|processing|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))


class LinkCode(Base):
    """A one-time code shown in one channel and typed in another to join them to one learner."""

    __tablename__ = "link_codes"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OAToken(Base):
    """The Zalo Official Account's token pair. The refresh token works once: the row is swapped
    by compare-and-swap on it, and `refreshing_until` is a lease so that one process refreshes."""

    __tablename__ = "oa_tokens"
    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seed_hash: Mapped[str] = mapped_column(String(64))  # which hand-given pair this row grew from


class ChannelUsage(Base):
    """Messages sent per channel per calendar month, for plans with a monthly quota."""

    __tablename__ = "channel_usage"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    messages: Mapped[int] = mapped_column(Integer, default=0)


class GradeCacheEntry(Base):
    """A model's reply for one (lesson, folded text, photo) key: identical work is not paid twice."""

    __tablename__ = "grade_cache"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_reply: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LlmUsage(Base):
    """Model tokens spent per calendar day, against the daily budget."""

    __tablename__ = "llm_usage"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)


class TryAIUsage(Base):
    """Turns and tokens of the in-chat model per learner per day (the province's total is the sum)."""

    __tablename__ = "tryai_usage"
    learner_id: Mapped[int] = mapped_column(
        Id, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)


# ---- passing and certificates (done vs passed, review days, level certificates) ----------------


class LessonReview(Base):
    """A review day's lesson: one done but not passed, brought back with its feedback.

    One a day per learner (the unique key); `retried_at` is set when the retry has been graded.
    """

    __tablename__ = "lesson_reviews"
    __table_args__ = (UniqueConstraint("learner_id", "day"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    lesson_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Certificate(Base):
    """A level certificate: earned once per learner and level (the unique key), named by the
    learner, verifiable by its code, revocable by an official (who, why and when are kept)."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("learner_id", "level"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    level_title: Mapped[str] = mapped_column(String(120))
    # The name as the learner confirmed it for the certificate; NULL until they have.
    full_name: Mapped[str | None] = mapped_column(String(80))
    name_draft: Mapped[str | None] = mapped_column(String(80))  # typed, not yet confirmed
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    unit_name: Mapped[str] = mapped_column(String(300), default="")  # as it was when earned
    lessons_passed: Mapped[int] = mapped_column(Integer)
    average_score: Mapped[int] = mapped_column(Integer)
    capstone_score: Mapped[int] = mapped_column(Integer)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_on: Mapped[date | None] = mapped_column(Date)  # the date printed (learner's zone)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))


class CertificateChange(Base):
    """A change to a printed certificate (a misspelt name corrected): what it was, what it became,
    who asked (the learner, or an official through the CLI) and when. The learner's own
    corrections are counted from these rows (one without an official)."""

    __tablename__ = "certificate_changes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(16))  # "full_name"
    old: Mapped[str] = mapped_column(String(300))
    new: Mapped[str] = mapped_column(String(300))
    by: Mapped[str] = mapped_column(String(120))  # "learner:<id>" or the official's name
    by_learner: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class HonoursSnapshot(Base):
    """A closed period's honours of one unit, stored when the period closed (or first read after
    it): learners moving or leaving later do not change a list already announced."""

    __tablename__ = "honours_snapshots"
    __table_args__ = (UniqueConstraint("unit_id", "period"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))  # "2026Q4" or "2026"
    data: Mapped[dict] = mapped_column(JSON)  # the report, as bot.services.honours writes it
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- roles: who may run what, over which unit's subtree (issue "Roles and how people get them")


class RoleGrant(Base):
    """A person's role over one unit and every unit under it. Revoked rows stay, for the audit."""

    __tablename__ = "roles"
    __table_args__ = (
        # At most one active grant of a role on a unit per person; revoked ones may repeat.
        Index(
            "uq_roles_active",
            "learner_id",
            "role",
            "unit_id",
            unique=True,
            postgresql_where=sql_text("revoked_at IS NULL"),
            sqlite_where=sql_text("revoked_at IS NULL"),
        ),
        Index("ix_roles_unit_id", "unit_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoleInvite(Base):
    """A one-time invitation to a role on a unit. Only the code's SHA-256 is kept."""

    __tablename__ = "role_invites"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoleEvent(Base):
    """The audit log: who did what to whom on which unit. Never updated."""

    __tablename__ = "role_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class FailedAttempt(Base):
    """One wrong join or invite code, per throttle key (a person, a chat): a sliding window that
    every worker process sees, on SQLite and PostgreSQL alike, with nothing else installed."""

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(96))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- group leaders: nudges, announcements, the weekly digest, through one outbox


class NudgeOptOut(Base):
    """A learner who said "đừng nhắc tôi": no reminders from their group leader."""

    __tablename__ = "nudge_optouts"
    learner_id: Mapped[int] = mapped_column(
        Id, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Announcement(Base):
    """A message a leader (or instructor, official) sent to everyone in a unit."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_unit_created", "unit_id", "created_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """One message to one recipient (a learner, or a group chat), written before anything is
    sent. The unique key makes queuing idempotent (a nudge a day, an announcement once per
    member, a digest a week) and the status makes a restart send what is left and nothing else."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_available", "status", "available_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # nudge | announce | digest | ...
    learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(16))  # set for a group chat post
    chat_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)  # the message: text, title, options
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UnitChat(Base):
    """A group chat (Telegram) that added the bot and was linked to a unit by its leader: the
    weekly digest is posted there too."""

    __tablename__ = "unit_chats"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- core instructors and mentors: classes, in-person sessions, challenges, peer reviews,
# ---- mentors' invite links (issue "Core instructor" and "Mentor (Feynman)")


class ClassInfo(Base):
    """A unit of kind "lớp" that an instructor opened from the chat: who opened it, whether it is
    closed. Its members keep their own group (`class_members`), so classes never empty a tổ."""

    __tablename__ = "classes"
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClassMember(Base):
    __tablename__ = "class_members"
    __table_args__ = (UniqueConstraint("class_id", "learner_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClassSession(Base):
    """An in-person session: a short code (and its QR) shown on the wall for one hour."""

    __tablename__ = "class_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionCheckin(Base):
    __tablename__ = "session_checkins"
    __table_args__ = (UniqueConstraint("session_id", "learner_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Challenge(Base):
    """A task with a deadline and points for a class, group or ward. Work for it is stored in
    `submissions` under the lesson id "ch~<id>" and graded like practice work."""

    __tablename__ = "challenges"
    __table_args__ = (Index("ix_challenges_closed_deadline", "closed_at", "deadline"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    lesson_id: Mapped[str | None] = mapped_column(String(40))  # the rubric's lesson, if any
    criteria: Mapped[list | None] = mapped_column(JSON)  # written criteria, when no lesson
    points: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # results computed and paid


class ChallengeSend(Base):
    """The outbox of a challenge's announcement and results: one row per learner and kind, so a
    restart resumes where it stopped and nobody is told twice."""

    __tablename__ = "challenge_sends"
    __table_args__ = (
        UniqueConstraint("challenge_id", "learner_id", "kind"),
        Index("ix_challenge_sends_status_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # announce | results
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|sending|sent|skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PeerReview(Base):
    """A mentor's short, rubric-based review of a peer's work: advice the learner receives. An
    instructor may mark it helpful, which pays the mentor once."""

    __tablename__ = "peer_reviews"
    __table_args__ = (UniqueConstraint("submission_id", "mentor_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    marks: Mapped[dict] = mapped_column(JSON)  # {criterion id: met|partly|missing}
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verdict: Mapped[str | None] = mapped_column(String(16))  # helpful | not_helpful
    judged_by: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MentorLink(Base):
    """A mentor's own invite link (`start=m_<code>`)."""

    __tablename__ = "mentor_links"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Referral(Base):
    """Who brought a learner in: the mentor whose link the learner joined through."""

    __tablename__ = "referrals"
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- process roles: leases on background work shared by processes ---------------------------


class WorkLease(Base):
    """One piece of background work held by one process until `expires_at` (kind: grade,
    regrade...). A process that dies leaves its lease to lapse; any other then takes it up."""

    __tablename__ = "work_leases"
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# ---- Bots per unit: a commune or ward may bring its own Telegram bot or Zalo OA --------------


class BotAccount(Base):
    """A unit's own bot. The token is kept encrypted when HOCAI_SECRET_KEY is set and is never
    printed in full; `disabled_at` keeps the row (identities still name it) but stops its use."""

    __tablename__ = "bots"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | zalo_oa
    name: Mapped[str] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(Text)  # "fernet:..." or the token as given
    # Hash of the token: finds a token added twice without decrypting every row.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    webhook_secret: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ---- badges, streak freezes, rankings that roll up, honours --------------------------------


class UnitClosure(Base):
    """Every (ancestor, descendant) pair of the unit tree with its distance, a unit with itself
    at depth 0. Rebuilt on each units import, so a subtree is one indexed lookup."""

    __tablename__ = "unit_closure"
    __table_args__ = (Index("ix_unit_closure_ancestor_depth", "ancestor_id", "depth"),)
    ancestor_id: Mapped[int] = mapped_column(
        Id, ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    descendant_id: Mapped[int] = mapped_column(
        Id, ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    depth: Mapped[int] = mapped_column(Integer)


class UnitStatsRow(Base):
    """One unit's standing figures over its whole subtree for the recent window, refreshed by a
    scheduled set-based query: boards read a few rows instead of counting a province."""

    __tablename__ = "unit_stats"
    unit_id: Mapped[int] = mapped_column(
        Id, ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    members: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[int] = mapped_column(Integer, default=0)
    active_officials: Mapped[int] = mapped_column(Integer, default=0)
    active_business: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    score_count: Mapped[int] = mapped_column(Integer, default=0)
    since: Mapped[date] = mapped_column(Date)  # the window's first day
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BadgeAward(Base):
    """A badge a learner earned; the unique pair makes each badge earned, and announced, once."""

    __tablename__ = "badges"
    __table_args__ = (UniqueConstraint("learner_id", "code"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    earned_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StreakFreeze(Base):
    """A streak freeze bought with points (ledger key freeze:<learner>:<seq>); `used_on` is the
    missed day it covered. One freeze per day, one row per purchase."""

    __tablename__ = "streak_freezes"
    __table_args__ = (
        UniqueConstraint("learner_id", "seq", name="uq_streak_freezes_learner_id_seq"),
        UniqueConstraint("learner_id", "used_on", name="uq_streak_freezes_learner_id_used_on"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    bought_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_on: Mapped[date | None] = mapped_column(Date)


class HelpfulReview(Base):
    """A mentor's review that a learner marked helpful (the mentor feature writes these through
    bot.services.badges.mentor_review_helpful); `key` names the review, so it counts once."""

    __tablename__ = "helpful_reviews"
    __table_args__ = (Index("ix_helpful_reviews_mentor_created", "mentor_id", "created_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The refresh of unit_stats and the honours read a window of days, never a table's history.
Index("ix_activity_days_day", ActivityDay.day)
Index("ix_progress_completed_on", Progress.completed_on)


# ---- the officials' figures: the dashboard snapshot and closed quarters ---------------------


class DashboardFigures(Base):
    """One unit's figures over its whole subtree (bot.services.ports.figures.Counts as JSON),
    refreshed by a scheduled job so that a province's dashboard reads rows instead of counting."""

    __tablename__ = "dashboard_figures"
    unit_id: Mapped[int] = mapped_column(
        Id, ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    counts: Mapped[dict] = mapped_column(JSON)
    since: Mapped[date] = mapped_column(Date)  # the counted period's first day
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuarterClose(Base):
    """A closed quarter: its figures are kept in quarter_figures, as they were on closing."""

    __tablename__ = "quarter_closes"
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026Q4
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)  # exclusive
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    units: Mapped[int] = mapped_column(Integer)


class QuarterFigures(Base):
    """One unit's figures for a closed quarter, with the unit as it was then (code, name, parent):
    later moves, renames and deleted learners do not change a past report. Counts only, never a
    person: no learner id or name is kept here."""

    __tablename__ = "quarter_figures"
    period: Mapped[str] = mapped_column(
        String(7), ForeignKey("quarter_closes.period", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(Id, primary_key=True)  # no foreign key: units may go
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(BigInteger)
    working_age: Mapped[int | None] = mapped_column(Integer)
    officials: Mapped[int | None] = mapped_column(Integer)
    business_owners: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[dict] = mapped_column(JSON)


class WebLink(Base):
    """A one-time sign-in link to the officials' web pages (only the token's SHA-256 is kept),
    and the session it opened: valid until `session_until`, ended early by signing out."""

    __tablename__ = "web_links"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
