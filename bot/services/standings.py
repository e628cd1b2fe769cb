"""/progress and /leaderboard: derived from the ledger, progress and activity, never stored."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Translator
from bot.services import badges, buttons, passing, rankings, rankings_chat
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork
from scoring.streaks import longest_streak

TOP = rankings.TOP
ACTIVE_WINDOW = timedelta(days=rankings.WINDOW_DAYS)


async def progress(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator) -> Out:
    current = await repo.progress.current_assignment(learner.id)
    lesson = deps.curriculum.by_id(current.lesson_id) if current else None
    level_no = lesson.level if lesson else 1
    level = deps.curriculum.level(level_no)
    done = await repo.progress.lesson_count(learner.id)
    passed = len(await passing.passed_lessons(deps, repo, learner.id))  # done is not passed
    points = await repo.ledger.points(learner.id)
    streak = await badges.streak_today(deps, repo, learner)
    frozen = (await repo.badges.freezes(learner.id)).used_on
    best = longest_streak(await repo.progress.activity_days(learner.id), frozen)
    board = (await rankings.group_board(deps, repo, learner.unit_id, learner.id)
             if learner.unit_id else None)
    rank = (
        tr("progress.rank", rank=board.mine.rank, total=len(board.rows), group=board.unit_name)
        if board and board.mine else tr("progress.no_group")
    )
    earned = [b.code for b in await repo.badges.earned(learner.id)]
    extra = "\n".join((badges.badge_line(earned, tr),
                       await badges.freeze_line(deps, repo, learner, tr)))
    return Out(
        title=tr("progress.title"),
        text=tr(
            "progress.body", level=level_no, level_title=level.title if level else "",
            done=done, passed=passed, total=len(deps.curriculum.lessons), points=points,
            streak=streak, best=best, rank=rank,
        ) + "\n" + extra,
        options=(buttons.Command("freeze").as_option(tr("freeze.button")),),
    )


async def leaderboard(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator
) -> list[Out]:
    result = await rankings.standings_for(deps, repo, learner)
    return rankings_chat.standings(result, tr, deps.timezone)
