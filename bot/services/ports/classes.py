"""Classes an instructor opens (units of kind "lớp"), their members, in-person sessions and
check-ins, and which learners a set of units covers. `bot/storage/repos/classes.py` implements it;
`repo.classes` reaches it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.services.ports.records import UnitRecord

CLASS_KIND = "lớp"  # the unit kind of a class an instructor opens


@dataclass(frozen=True)
class ClassRecord:
    unit: UnitRecord
    opened_by: int | None
    opened_at: datetime
    closed_at: datetime | None
    members: int

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class RosterRow:
    """One member as the class's instructor sees them: a public name, never contact data."""

    learner_id: int
    name: str
    lessons_done: int
    last_studied: date | None
    points: int
    sessions_attended: int


@dataclass(frozen=True)
class SessionRecord:
    id: int
    class_id: int
    code: str
    opened_by: int | None
    starts_at: datetime
    ends_at: datetime


class Classes(Protocol):
    async def add_class(
        self,
        parent_id: int,
        code: str,
        name: str,
        join_code: str,
        opened_by: int,
        now: datetime,
    ) -> UnitRecord: ...
    async def class_info(self, unit_id: int) -> ClassRecord | None:
        """None when the unit is not a class opened here."""
        ...

    async def classes_in(self, unit_ids: Collection[int] | None) -> list[ClassRecord]:
        """Classes among these units (None: all): open ones first, the newest first."""
        ...

    async def close_class(self, unit_id: int, now: datetime) -> bool:
        """Closes an open class and retires its join code; False when it was already closed."""
        ...

    async def add_member(self, class_id: int, learner_id: int, now: datetime) -> bool: ...
    async def classes_of(self, learner_id: int) -> list[int]:
        """The open classes the learner is a member of."""
        ...

    async def roster(self, class_id: int) -> list[RosterRow]: ...

    # who a set of units covers: learners of those units and members of classes among them
    async def learners_in(self, unit_ids: Collection[int]) -> list[int]: ...
    async def covers(self, learner_id: int, unit_ids: Collection[int]) -> bool: ...

    # in-person sessions
    async def open_session(
        self,
        class_id: int,
        code: str,
        opened_by: int,
        starts_at: datetime,
        ends_at: datetime,
    ) -> SessionRecord | None:
        """None when the code is already taken (the caller draws another)."""
        ...

    async def session_by_code(self, code: str) -> SessionRecord | None: ...
    async def check_in(self, session_id: int, learner_id: int, now: datetime) -> bool:
        """False when the learner had already checked in."""
        ...

    async def session_count(self, class_id: int) -> int: ...
