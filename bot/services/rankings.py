"""Standings that roll up the unit tree: learners in a group, groups in a commune, communes and
wards across the province. Results are domain data (`LearnerBoard`, `UnitBoard`); the chat
renders them in bot/services/rankings_chat.py, and a web page can render the same data.

Unit figures cover the whole subtree. On a small database they are counted at each request; on a
province's database they come from the `unit_stats` snapshot, which a scheduled job refreshes with
one set-based query (`refresh`), so a board reads a few hundred rows, never the ledger's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.context import Deps
from bot.services.ports import LearnerRecord, UnitOfWork
from bot.services.ports.rankings import UnitPlace
from scoring.rankings import UnitFigures, UnitStanding, rank_units
from scoring.standings import LearnerStanding, rank_learners, rank_of

WINDOW_DAYS = 7
TOP = 10
# Up to this many learners, unit figures are counted live at each request (fresh, and a few
# milliseconds); above it the boards read the snapshot. bench/standings_bench.py measures both:
# live, a board of 10,000 learners already takes 50-100 ms; from the snapshot, 5-15 ms at any size.
LIVE_MAX_LEARNERS = 2_000


@dataclass(frozen=True)
class LearnerBoard:
    """Learners of one unit by points over the window; ties share a rank."""

    unit_id: int
    unit_name: str
    rows: tuple[LearnerStanding, ...]
    mine: LearnerStanding | None
    window_days: int = WINDOW_DAYS
    # A join code is shared widely: having it shows the group's size, not who is in it. Names
    # come with the first point the viewer earns (a quiz answer, a lesson), ever, not this week.
    names_shown: bool = True


@dataclass(frozen=True)
class UnitBoard:
    """Units ranked against each other: the groups of a commune, or the communes of a province.

    `scope_name` is the area the board covers; `computed_at` is when the snapshot was taken
    (None when counted live)."""

    scope_id: int
    scope_name: str
    level: str  # "groups": the children of a unit; "communes": one tier across the province
    rows: tuple[UnitStanding, ...]
    mine_id: int | None
    computed_at: datetime | None = None
    window_days: int = WINDOW_DAYS

    @property
    def mine(self) -> UnitStanding | None:
        return next((r for r in self.rows if r.figures.unit_id == self.mine_id), None)


@dataclass(frozen=True)
class Standings:
    """What /leaderboard shows a learner: their group, their commune's groups, the province's
    communes; a board is None where the tree has no such level above the learner."""

    group: LearnerBoard | None
    commune: UnitBoard | None
    province: UnitBoard | None


def window_start(deps: Deps) -> date:
    """The first day of the window, in the province's calendar."""
    return deps.now().astimezone(ZoneInfo(deps.timezone)).date() - timedelta(WINDOW_DAYS - 1)


async def group_board(
    deps: Deps, repo: UnitOfWork, unit_id: int, learner_id: int | None = None
) -> LearnerBoard | None:
    unit = await repo.units.unit(unit_id)
    if unit is None:
        return None
    since = deps.now() - timedelta(days=WINDOW_DAYS)
    rows = rank_learners(await repo.ledger.learner_points_in_unit(unit_id, since))
    mine = rank_of(rows, learner_id) if learner_id is not None else None
    shown = (
        learner_id is None
        or (mine is not None and mine.points > 0)
        or (await _has_earned(repo, learner_id))
    )
    return LearnerBoard(unit.id, unit.name, tuple(rows), mine, names_shown=shown)


async def _has_earned(repo: UnitOfWork, learner_id: int) -> bool:
    """Ever earned a point: points left, or spent on a streak freeze."""
    if await repo.ledger.points(learner_id) > 0:
        return True
    return (await repo.badges.freezes(learner_id)).bought > 0


async def _live(repo: UnitOfWork, live: bool | None) -> bool:
    """Counted live or read from the snapshot: as asked, else by the database's size."""
    if live is not None:
        return live
    return await repo.rankings.learners_up_to(LIVE_MAX_LEARNERS + 1) <= LIVE_MAX_LEARNERS


async def _live_tier(deps: Deps, repo: UnitOfWork, top_id: int, depth: int) -> list[UnitFigures]:
    """Counted now: the units `depth` levels below `top_id`, each over its subtree."""
    # No end: today's study counts at once. Passes are not shown here: not counted.
    found = await repo.rankings.period_figures(top_id, window_start(deps), date.max, None)
    return [u.figures for u in found.values() if u.depth == depth]


async def commune_board(
    deps: Deps,
    repo: UnitOfWork,
    parent_id: int,
    mine_id: int | None = None,
    live: bool | None = None,
) -> UnitBoard | None:
    """The units directly under `parent_id` (a commune's groups), each over its subtree."""
    parent = await repo.rankings.place(parent_id)
    return await _commune_board(deps, repo, parent, mine_id, live) if parent else None


async def _commune_board(
    deps: Deps, repo: UnitOfWork, parent: UnitPlace, mine_id: int | None, live: bool | None
) -> UnitBoard:
    if await _live(repo, live):
        figures, at = await _live_tier(deps, repo, parent.id, 1), None
    else:
        figures, at = await repo.rankings.children_figures(parent.id)
    return UnitBoard(parent.id, parent.name, "groups", tuple(rank_units(figures)), mine_id, at)


async def province_board(
    deps: Deps, repo: UnitOfWork, unit_id: int, live: bool | None = None
) -> UnitBoard | None:
    """`unit_id` (a commune) among every unit of its tier across its province."""
    place = await repo.rankings.place(unit_id)
    return await _province_board(deps, repo, place, live) if place else None


async def _province_board(
    deps: Deps, repo: UnitOfWork, place: UnitPlace, live: bool | None
) -> UnitBoard | None:
    if place.depth == 0:
        return None
    root = await repo.units.unit(place.root_id)
    if root is None:
        return None
    if await _live(repo, live):
        figures, at = await _live_tier(deps, repo, root.id, place.depth), None
    else:
        figures, at = await repo.rankings.figures_at_depth(root.id, place.depth)
    return UnitBoard(root.id, root.name, "communes", tuple(rank_units(figures)), place.id, at)


async def standings_for(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, live: bool | None = None
) -> Standings:
    if learner.unit_id is None:
        return Standings(None, None, None)
    group = await group_board(deps, repo, learner.unit_id, learner.id)
    unit = await repo.units.unit(learner.unit_id)
    parent = await repo.rankings.place(unit.parent_id) if unit and unit.parent_id else None
    if unit is None or parent is None:
        return Standings(group, None, None)
    live = await _live(repo, live)  # decided once: both boards from the same source
    return Standings(
        group,
        await _commune_board(deps, repo, parent, unit.id, live),
        await _province_board(deps, repo, parent, live),
    )


async def refresh(deps: Deps) -> int:
    """The scheduled job: every unit's figures over its subtree for the window, in one query."""
    async with deps.store.transaction() as repo:
        return await repo.rankings.refresh_stats(window_start(deps), deps.now())
