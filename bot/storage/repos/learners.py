"""Learners and their chat identities; linking two identities into one learner."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, select, update

from bot.services.conversation import Conversation
from bot.services.ports.records import UNSET, IdentityRecord, LearnerRecord, LearnerStatus, Unset
from bot.storage.models import (
    ActivityDay,
    BadgeAward,
    Delivery,
    GradeRecord,
    HelpfulReview,
    HonoursSnapshot,
    Identity,
    Learner,
    LedgerEntry,
    LinkCode,
    Progress,
    QuizAnswer,
    StreakFreeze,
    Submission,
    TryAIUsage,
    Unit,
    UnitClosure,
)
from bot.storage.repos.base import SqlPort
from bot.storage.repos.classes import teaching_export

FORGOTTEN = ""  # the name left in a closed period's honours by someone who was deleted


def learner_record(row: Learner) -> LearnerRecord:
    return LearnerRecord(
        id=row.id,
        nickname=row.nickname,
        timezone=row.timezone,
        status=LearnerStatus(row.status),
        display_name=row.display_name,
        show_name=row.show_name,
        birth_year=row.birth_year,
        occupation=row.occupation,
        lesson_time=row.lesson_time,
        language=row.language,
        unit_id=row.unit_id,
        consent_at=row.consent_at,
        created_at=row.created_at,
        agency_id=row.agency_id,
        ethnicity=row.ethnicity,
        ethnicity_consent_at=row.ethnicity_consent_at,
    )


def identity_record(row: Identity) -> IdentityRecord:
    return IdentityRecord(
        id=row.id,
        learner_id=row.learner_id,
        channel=row.channel,
        external_id=row.external_id,
        chat_id=row.chat_id,
        reachable=row.reachable,
        state=Conversation.from_json(row.state),
        last_seen_at=row.last_seen_at,
        last_delivered_at=row.last_delivered_at,
        window_closed_at=row.window_closed_at,
        bot_id=row.bot_id,
    )


class SqlLearners(SqlPort):
    async def identity(self, channel: str, external_id: str) -> IdentityRecord | None:
        row = await self.s.scalar(
            select(Identity).where(Identity.channel == channel, Identity.external_id == external_id)
        )
        return identity_record(row) if row else None

    async def identities_of(self, learner_id: int) -> list[IdentityRecord]:
        rows = await self.s.scalars(select(Identity).where(Identity.learner_id == learner_id))
        return [identity_record(r) for r in rows]

    async def create_learner(
        self,
        channel: str,
        external_id: str,
        chat_id: str,
        nickname: str,
        timezone: str,
        now: datetime,
    ) -> tuple[LearnerRecord, IdentityRecord]:
        learner = Learner(
            nickname=nickname,
            timezone=timezone,
            status=LearnerStatus.ONBOARDING,
            created_at=now,
            show_name=True,
            language="vi",
            last_active_at=now,
        )
        self.s.add(learner)
        await self.s.flush()
        ident = Identity(
            learner_id=learner.id,
            channel=channel,
            external_id=external_id,
            chat_id=chat_id,
            reachable=True,
            last_seen_at=now,
            state={},
        )
        self.s.add(ident)
        await self.s.flush()
        return learner_record(learner), identity_record(ident)

    async def touch_identity(self, identity_id: int, chat_id: str, now: datetime) -> None:
        await self.s.execute(
            update(Identity)
            .where(Identity.id == identity_id)
            .values(chat_id=chat_id, last_seen_at=now, reachable=True)
        )
        learner_id = select(Identity.learner_id).where(Identity.id == identity_id).scalar_subquery()
        await self.s.execute(
            update(Learner).where(Learner.id == learner_id).values(last_active_at=now)
        )

    async def set_reachable(self, learner_id: int, channel: str, reachable: bool) -> None:
        await self.s.execute(
            update(Identity)
            .where(Identity.learner_id == learner_id, Identity.channel == channel)
            .values(reachable=reachable)
        )

    async def learner(self, learner_id: int) -> LearnerRecord | None:
        row = await self.s.get(Learner, learner_id)
        return learner_record(row) if row else None

    async def update_learner(
        self,
        learner_id: int,
        *,
        nickname: str | Unset = UNSET,
        display_name: str | Unset | None = UNSET,
        show_name: bool | Unset = UNSET,
        birth_year: int | Unset | None = UNSET,
        occupation: str | Unset | None = UNSET,
        lesson_time: str | Unset | None = UNSET,
        timezone: str | Unset = UNSET,
        language: str | Unset = UNSET,
        unit_id: int | Unset | None = UNSET,
        status: LearnerStatus | Unset = UNSET,
        consent_at: datetime | Unset | None = UNSET,
        agency_id: int | Unset | None = UNSET,
        ethnicity: str | Unset | None = UNSET,
        ethnicity_consent_at: datetime | Unset | None = UNSET,
    ) -> None:
        given = {
            "nickname": nickname,
            "display_name": display_name,
            "show_name": show_name,
            "birth_year": birth_year,
            "occupation": occupation,
            "lesson_time": lesson_time,
            "timezone": timezone,
            "language": language,
            "unit_id": unit_id,
            "status": status,
            "consent_at": consent_at,
            "agency_id": agency_id,
            "ethnicity": ethnicity,
            "ethnicity_consent_at": ethnicity_consent_at,
        }
        fields: dict[str, Any] = {k: v for k, v in given.items() if v is not UNSET}
        if not fields:
            return
        if fields.keys() & {"lesson_time", "timezone", "status"}:
            fields["next_due_at"] = None  # worked out again by the next delivery tick
        await self.s.execute(update(Learner).where(Learner.id == learner_id).values(**fields))

    async def learners_in_units(self, unit_ids: list[int]) -> list[LearnerRecord]:
        if not unit_ids:
            return []
        rows = await self.s.scalars(
            select(Learner)
            .where(Learner.unit_id.in_(unit_ids))
            .order_by(Learner.unit_id, Learner.id)
        )
        return [learner_record(r) for r in rows]

    async def ethnicity_counts(self, unit_id: int) -> dict[str, int]:
        subtree = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit_id)
        rows = await self.s.execute(
            select(Learner.ethnicity, func.count())
            .where(
                Learner.unit_id.in_(subtree),
                Learner.ethnicity.is_not(None),
                Learner.ethnicity_consent_at.is_not(None),
            )
            .group_by(Learner.ethnicity)
        )
        return {str(value): int(count) for value, count in rows.all()}

    async def delete_learner(self, learner_id: int) -> None:
        # Explicit deletes, children first, so that it works without ON DELETE CASCADE support.
        subs = select(Submission.id).where(Submission.learner_id == learner_id)
        await self.s.execute(delete(GradeRecord).where(GradeRecord.submission_id.in_(subs)))
        for model in (
            Submission,
            QuizAnswer,
            Progress,
            LedgerEntry,
            ActivityDay,
            Delivery,
            LinkCode,
            Identity,
            TryAIUsage,
            BadgeAward,
            StreakFreeze,
        ):
            await self.s.execute(delete(model).where(model.learner_id == learner_id))
        await self.s.execute(delete(HelpfulReview).where(HelpfulReview.mentor_id == learner_id))
        await self._forget_in_honours(learner_id)
        await self.s.execute(delete(Learner).where(Learner.id == learner_id))

    async def _forget_in_honours(self, learner_id: int) -> None:
        """A closed period's honours keep their ranks, but not the name of someone who asked for
        their data to be deleted. Deletions are rare: the snapshots naming them are found by
        text (the JSON is written by json.dumps, on SQLite and PostgreSQL alike)."""
        needle = f'%"learner_id": {int(learner_id)},%'
        rows = list(
            await self.s.scalars(
                select(HonoursSnapshot).where(cast(HonoursSnapshot.data, Text).like(needle))
            )
        )
        for row in rows:
            data = copy.deepcopy(dict(row.data))
            for key in ("learners", "mentors"):
                for entry in data.get(key, []):
                    facts = entry.get("facts", {})
                    if facts.get("learner_id") == learner_id:
                        facts.update(learner_id=0, name=FORGOTTEN, unit_name="")
            row.data = data

    async def export_learner(self, learner_id: int) -> dict[str, Any]:
        learner = await self.s.get(Learner, learner_id)
        if learner is None:
            return {}

        def rows(items: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
            return [{f: getattr(r, f) for f in fields} for r in items]

        unit = await self.s.get(Unit, learner.unit_id) if learner.unit_id else None
        agency = await self.s.get(Unit, learner.agency_id) if learner.agency_id else None
        subs = list(
            await self.s.scalars(
                select(Submission)
                .where(Submission.learner_id == learner_id)
                .order_by(Submission.id)
            )
        )
        grades = list(
            await self.s.scalars(
                select(GradeRecord).where(GradeRecord.submission_id.in_([s.id for s in subs]))
            )
        )
        return {
            "learner": {
                f: getattr(learner, f)
                for f in (
                    "id",
                    "display_name",
                    "nickname",
                    "show_name",
                    "birth_year",
                    "occupation",
                    "lesson_time",
                    "timezone",
                    "language",
                    "status",
                    "consent_at",
                    "created_at",
                    "ethnicity",
                    "ethnicity_consent_at",
                )
            },
            "group": unit.name if unit else None,
            "agency": agency.name if agency else None,
            "channels": rows(
                await self.s.scalars(select(Identity).where(Identity.learner_id == learner_id)),
                ("channel", "external_id", "last_seen_at"),
            ),
            "lessons": rows(
                await self.s.scalars(select(Progress).where(Progress.learner_id == learner_id)),
                ("lesson_id", "assigned_on", "completed_on", "best_score"),
            ),
            "quiz_answers": rows(
                await self.s.scalars(select(QuizAnswer).where(QuizAnswer.learner_id == learner_id)),
                ("lesson_id", "question", "choice", "correct", "answered_at"),
            ),
            "submissions": rows(
                subs, ("id", "lesson_id", "text", "photo_ref", "received_at", "exchange")
            ),
            "grades": rows(grades, ("submission_id", "score", "status", "detail", "created_at")),
            "points": rows(
                await self.s.scalars(
                    select(LedgerEntry).where(LedgerEntry.learner_id == learner_id)
                ),
                ("points", "reason", "created_at"),
            ),
            **await teaching_export(self.s, learner_id),  # classes, check-ins, peer reviews
        }


class SqlLinks(SqlPort):
    async def add_link_code(
        self, code: str, learner_id: int, now: datetime, expires_at: datetime
    ) -> bool:
        return await self._inserted(
            LinkCode, code=code, learner_id=learner_id, created_at=now, expires_at=expires_at
        )

    async def link_code_owner(self, code: str, now: datetime) -> int | None:
        return await self.s.scalar(
            select(LinkCode.learner_id).where(
                LinkCode.code == code.upper(), LinkCode.expires_at > now
            )
        )

    async def drop_link_codes(self, learner_id: int) -> None:
        await self.s.execute(delete(LinkCode).where(LinkCode.learner_id == learner_id))

    async def learner_has_progress(self, learner_id: int) -> bool:
        """Anything learnt or earned: an assigned lesson, a quiz answer, work, a point."""
        for model in (Progress, QuizAnswer, Submission, LedgerEntry):
            found = await self.s.scalar(
                select(model.id).where(model.learner_id == learner_id).limit(1)
            )
            if found is not None:
                return True
        return False

    async def move_identities(self, from_learner: int, to_learner: int) -> None:
        await self.s.execute(
            update(Identity)
            .where(Identity.learner_id == from_learner)
            .values(learner_id=to_learner)
        )
