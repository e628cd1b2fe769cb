"""Which learners a set of units covers: those whose own unit is one of them, and the members of
the classes among them (a class keeps its members' own groups, so both count)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import or_, select

from bot.storage.models import ClassMember, Learner


def covered(learner_column: Any, unit_ids: Collection[int]) -> Any:
    """A WHERE clause: `learner_column` is a learner the units cover."""
    ids = sorted(set(unit_ids))
    return or_(
        learner_column.in_(select(Learner.id).where(Learner.unit_id.in_(ids))),
        learner_column.in_(select(ClassMember.learner_id).where(ClassMember.class_id.in_(ids))),
    )
