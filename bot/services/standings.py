"""/progress and /leaderboard: derived from the ledger, progress and activity, never stored."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Translator
from bot.services import passing
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork
from scoring.standings import rank_groups, rank_learners, rank_of
from scoring.streaks import current_streak, longest_streak

TOP = 10
ACTIVE_WINDOW = timedelta(days=7)


async def progress(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator) -> Out:
    current = await repo.progress.current_assignment(learner.id)
    lesson = deps.curriculum.by_id(current.lesson_id) if current else None
    level_no = lesson.level if lesson else 1
    level = deps.curriculum.level(level_no)
    done = await repo.progress.lesson_count(learner.id)
    passed = len(await passing.passed_lessons(deps, repo, learner.id))  # done is not passed
    days = await repo.progress.activity_days(learner.id)
    points = await repo.ledger.points(learner.id)
    standings = rank_learners(await repo.ledger.learner_points_in_unit(learner.unit_id, None))
    mine = rank_of(standings, learner.id)
    unit = await repo.units.unit(learner.unit_id) if learner.unit_id else None
    rank = (
        tr("progress.rank", rank=mine.rank, total=len(standings), group=unit.name)
        if mine and unit else tr("progress.no_group")
    )
    return Out(
        title=tr("progress.title"),
        text=tr(
            "progress.body", level=level_no, level_title=level.title if level else "",
            done=done, passed=passed, total=len(deps.curriculum.lessons), points=points,
            streak=current_streak(days, deps.today_for(learner)), best=longest_streak(days),
            rank=rank,
        ),
    )


async def leaderboard(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator) -> list[Out]:
    if learner.unit_id is None:
        return [Out(text=tr("board.no_group"))]
    unit = await repo.units.unit(learner.unit_id)
    standings = rank_learners(await repo.ledger.learner_points_in_unit(learner.unit_id, None))
    lines = [
        f"{s.rank}. {s.name}{' ⭐' if s.learner_id == learner.id else ''}: {s.points}"
        for s in standings[:TOP]
    ]
    mine = rank_of(standings, learner.id)
    if mine and mine.rank > TOP:
        lines.append(f"…\n{mine.rank}. {mine.name} ⭐: {mine.points}")
    if not lines:
        lines = [tr("board.empty")]
    elif mine is None or mine.points == 0:
        # A join code is shared widely: having it shows the group's size, not who is in it.
        # Names come with the first point earned (a quiz answer, a lesson).
        lines = [tr("roles.board_after_first_point", members=len(standings))]
    out = [Out(title=tr("board.group_title", group=unit.name if unit else ""),
               text="\n".join(lines))]
    if unit and unit.parent_id:
        parent = await repo.units.unit(unit.parent_id)
        groups = rank_groups(await repo.ledger.group_stats(unit.parent_id, deps.now() - ACTIVE_WINDOW))
        rows = [
            (tr("board.group_row", rank=g.rank, name=g.stats.name,
                rate=round(100 * g.stats.participation), active=g.stats.active,
                members=g.stats.members, avg=round(g.stats.average_score))
             if g.stats.members else tr("board.group_row_empty", rank=g.rank, name=g.stats.name))
            + (" ⭐" if g.stats.unit_id == unit.id else "")
            for g in groups[:TOP]
        ]
        out.append(Out(
            title=tr("board.commune_title", commune=parent.name if parent else ""),
            text="\n".join(rows) + "\n\n" + tr("board.commune_note"),
        ))
    return out
