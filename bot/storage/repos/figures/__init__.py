"""The officials' figures on SQLAlchemy (the `Figures` port).

Counted set-based: a handful of grouped queries give each unit's own learners' counts (one pass
over the period's rows each, grouped by unit), and the unit closure adds them up over every
subtree in one walk of its pairs. Distinct people who could be counted under two units of a
subtree (instructors) are counted per ancestor in SQL instead. The dashboard snapshot stores the
result per unit; a closed quarter stores it with the units as they were.

One class for the one port, built up by query family (each in its module): the shared filters
(common), each unit's own counts (counts), a subtree counted now (live), and the stored
snapshot and quarters (stored)."""

from __future__ import annotations

from bot.storage.repos.figures.common import MONDAY
from bot.storage.repos.figures.stored import StoredFigures

__all__ = ["MONDAY", "SqlFigures"]


class SqlFigures(StoredFigures):
    """The `Figures` port: stored figures over live ones over each unit's own counts."""
