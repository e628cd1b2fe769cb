"""Unit standings and honours on SQLAlchemy (the `Rankings` port): the unit closure, the
recent-standings snapshot, and a period's figures, all set-based.

The closure (unit_closure) is the one place the unit tree is walked: it is rebuilt here, after
every change to the units, and the roles port (permissions) reads subtrees and ancestors from it
too (bot/storage/repos/roles.py).

One class implements the one `Rankings` port, method for method; it is assembled from its query
families (tree, standings, periods), each in its own module, so no part is over 15 methods."""

from __future__ import annotations

from bot.storage.repos.rankings.common import CHANGED, CLOSURE, DENOMINATORS, passed_lessons
from bot.storage.repos.rankings.periods import PeriodQueries
from bot.storage.repos.rankings.standings import StandingQueries
from bot.storage.repos.rankings.tree import TreeQueries

__all__ = ["CHANGED", "CLOSURE", "DENOMINATORS", "SqlRankings", "passed_lessons"]


class SqlRankings(TreeQueries, StandingQueries, PeriodQueries):
    """The `Rankings` port on SQLAlchemy."""
