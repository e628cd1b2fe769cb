"""Learners and the chat identities they are reached on; linking two identities into one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from bot.services.ports.records import (
    UNSET,
    IdentityRecord,
    LearnerRecord,
    LearnerStatus,
    Unset,
)


class Learners(Protocol):
    async def identity(self, channel: str, external_id: str) -> IdentityRecord | None: ...
    async def identities_of(self, learner_id: int) -> list[IdentityRecord]: ...
    async def create_learner(
        self,
        channel: str,
        external_id: str,
        chat_id: str,
        nickname: str,
        timezone: str,
        now: datetime,
    ) -> tuple[LearnerRecord, IdentityRecord]: ...
    async def touch_identity(self, identity_id: int, chat_id: str, now: datetime) -> None: ...
    async def set_reachable(self, learner_id: int, channel: str, reachable: bool) -> None: ...
    async def learner(self, learner_id: int) -> LearnerRecord | None: ...
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
        """Change only the fields given; a new time, zone or status re-plans the next push.
        `ethnicity` is stored only with `ethnicity_consent_at` (bot/services/target_groups.py
        sets and clears the two together)."""
        ...

    async def learners_in_units(self, unit_ids: list[int]) -> list[LearnerRecord]: ...
    async def ethnicity_counts(self, unit_id: int) -> dict[str, int]:
        """How many learners of the unit's subtree (unit_closure) gave each ethnicity, counting
        only those whose consent is stored. Counts only, never who: the one way ethnicity
        leaves storage for anyone but the learner themself."""
        ...

    async def delete_learner(self, learner_id: int) -> None: ...
    async def export_learner(self, learner_id: int) -> dict[str, Any]: ...


class Links(Protocol):
    """One person on two channels: a code from one, typed on the other, merges the learners."""

    async def add_link_code(
        self, code: str, learner_id: int, now: datetime, expires_at: datetime
    ) -> bool: ...
    async def link_code_owner(self, code: str, now: datetime) -> int | None: ...
    async def drop_link_codes(self, learner_id: int) -> None: ...
    async def learner_has_progress(self, learner_id: int) -> bool: ...
    async def move_identities(self, from_learner: int, to_learner: int) -> None: ...
