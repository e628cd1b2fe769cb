"""The `Challenges` port on SQLAlchemy: challenges, their entries, their outbox."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import case, func, select, update

from bot.services.ports.challenges import (
    ChallengeRecord,
    EntryRecord,
    SendKind,
    SendRecord,
    SendStatus,
    task_id,
)
from bot.services.ports.records import GradeStatus
from bot.storage.models import Challenge, ChallengeSend, GradeRecord, Learner, Submission
from bot.storage.repos.base import SqlPort
from bot.storage.repos.classes import public_name


def _challenge(row: Challenge) -> ChallengeRecord:
    return ChallengeRecord(
        row.id,
        row.unit_id,
        row.created_by,
        row.text,
        row.lesson_id,
        tuple(row.criteria or ()),
        row.points,
        row.deadline,
        row.created_at,
        row.closed_at,
    )


class SqlChallenges(SqlPort):
    async def add_challenge(
        self,
        unit_id: int,
        created_by: int,
        text: str,
        lesson_id: str | None,
        criteria: tuple[str, ...],
        points: int,
        deadline: datetime,
        now: datetime,
    ) -> ChallengeRecord:
        row = Challenge(
            unit_id=unit_id,
            created_by=created_by,
            text=text,
            lesson_id=lesson_id,
            criteria=list(criteria) or None,
            points=points,
            deadline=deadline,
            created_at=now,
        )
        self.s.add(row)
        await self.s.flush()
        return _challenge(row)

    async def challenge(self, challenge_id: int) -> ChallengeRecord | None:
        row = await self.s.get(Challenge, challenge_id, populate_existing=True)
        return _challenge(row) if row else None

    async def challenges_in(self, unit_ids: Collection[int], limit: int) -> list[ChallengeRecord]:
        rows = await self.s.scalars(
            select(Challenge)
            .where(Challenge.unit_id.in_(sorted(set(unit_ids))))
            .order_by(Challenge.id.desc())
            .limit(limit)
        )
        return [_challenge(r) for r in rows]

    async def due(self, now: datetime, limit: int) -> list[ChallengeRecord]:
        rows = await self.s.scalars(
            select(Challenge)
            .where(Challenge.closed_at.is_(None), Challenge.deadline <= now)
            .order_by(Challenge.deadline, Challenge.id)
            .limit(limit)
        )
        return [_challenge(r) for r in rows]

    async def close(self, challenge_id: int, now: datetime) -> bool:
        return bool(
            await self._changed(
                update(Challenge)
                .where(Challenge.id == challenge_id, Challenge.closed_at.is_(None))
                .values(closed_at=now)
            )
        )

    async def entries(self, challenge_id: int) -> list[EntryRecord]:
        confirmed = func.max(
            case((GradeRecord.status == GradeStatus.FINAL, GradeRecord.score), else_=None)
        )
        rows = await self.s.execute(
            select(
                Learner.id,
                Learner.display_name,
                Learner.nickname,
                Learner.show_name,
                confirmed,
                func.max(GradeRecord.score),
                func.min(Submission.received_at),
            )
            .join(Submission, Submission.learner_id == Learner.id)
            .join(GradeRecord, GradeRecord.submission_id == Submission.id)
            .where(
                Submission.lesson_id == task_id(challenge_id),
                GradeRecord.status != GradeStatus.SUPERSEDED,
            )
            .group_by(Learner.id, Learner.display_name, Learner.nickname, Learner.show_name)
        )
        return [
            EntryRecord(
                lid,
                public_name(dn, nick, show),
                None if best is None else int(best),
                int(any_ or 0),
                first,
            )
            for lid, dn, nick, show, best, any_, first in rows
        ]

    # ---- the outbox ----------------------------------------------------------------------

    async def enqueue(
        self,
        challenge_id: int,
        learner_ids: Collection[int],
        kind: SendKind,
        now: datetime,
    ) -> int:
        made = 0
        for learner_id in sorted(set(learner_ids)):
            made += await self._inserted(
                ChallengeSend,
                challenge_id=challenge_id,
                learner_id=learner_id,
                kind=kind.value,
                status=SendStatus.PENDING.value,
                attempts=0,
                updated_at=now,
            )
        return made

    async def claim_sends(self, now: datetime, limit: int) -> list[SendRecord]:
        rows = list(
            await self.s.scalars(
                select(ChallengeSend)
                .where(ChallengeSend.status == SendStatus.PENDING)
                .order_by(ChallengeSend.id)
                .limit(limit)
            )
        )
        claimed = []
        for row in rows:
            # Compare-and-set per row: a row another process claimed first is left to it.
            if await self._changed(
                update(ChallengeSend)
                .where(ChallengeSend.id == row.id, ChallengeSend.status == SendStatus.PENDING)
                .values(
                    status=SendStatus.SENDING.value,
                    attempts=ChallengeSend.attempts + 1,
                    updated_at=now,
                )
            ):
                claimed.append(
                    SendRecord(
                        row.id,
                        row.challenge_id,
                        row.learner_id,
                        SendKind(row.kind),
                        row.attempts + 1,
                    )
                )
        return claimed

    async def finish_send(
        self,
        send_id: int,
        status: SendStatus,
        detail: str | None,
        now: datetime,
    ) -> None:
        await self.s.execute(
            update(ChallengeSend)
            .where(ChallengeSend.id == send_id)
            .values(status=status.value, detail=(detail or None) and detail[:200], updated_at=now)
        )

    async def release_stale_sends(self, before: datetime) -> int:
        return await self._changed(
            update(ChallengeSend)
            .where(ChallengeSend.status == SendStatus.SENDING, ChallengeSend.updated_at < before)
            .values(status=SendStatus.PENDING.value)
        )

    async def send_counts(self, challenge_id: int, kind: SendKind) -> dict[str, int]:
        rows = await self.s.execute(
            select(ChallengeSend.status, func.count())
            .where(ChallengeSend.challenge_id == challenge_id, ChallengeSend.kind == kind.value)
            .group_by(ChallengeSend.status)
        )
        return {status: int(n) for status, n in rows}

    async def recipients(self, challenge_id: int, kind: SendKind) -> list[int]:
        rows = await self.s.scalars(
            select(ChallengeSend.learner_id)
            .where(ChallengeSend.challenge_id == challenge_id, ChallengeSend.kind == kind.value)
            .order_by(ChallengeSend.learner_id)
        )
        return list(rows)
