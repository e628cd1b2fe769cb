"""/progress and /leaderboard: derived from the ledger, progress and activity, never stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.i18n import Translator
from bot.services import badges, passing, rankings, rankings_chat
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork
from scoring.badges import FREEZE_MAX_HELD, WEEK
from scoring.streaks import longest_streak

TOP = rankings.TOP
ACTIVE_WINDOW = timedelta(days=rankings.WINDOW_DAYS)


@dataclass(frozen=True)
class ProgressReport:
    """A learner's standing, as data: a chat message, a web page or a spreadsheet renders it.

    `rank`/`group_size`/`group_name` are None outside a group (or before the board ranks them);
    `freezes_used_recently`: days a streak freeze covered within the last week, oldest first."""

    learner_id: int
    level: int
    level_title: str
    lesson_id: str | None
    lessons_done: int
    lessons_passed: int
    lessons_total: int
    points: int
    streak: int
    best_streak: int
    unit_id: int | None
    group_name: str | None
    rank: int | None
    group_size: int
    badges: tuple[str, ...]
    freezes_held: int
    freezes_max: int
    freezes_used_recently: tuple[date, ...]


async def progress_report(deps: Deps, repo: UnitOfWork, learner: LearnerRecord) -> ProgressReport:
    current = await repo.progress.current_assignment(learner.id)
    lesson = deps.curriculum.by_id(current.lesson_id) if current else None
    level_no = lesson.level if lesson else 1
    level = deps.curriculum.level(level_no)
    done = await repo.progress.lesson_count(learner.id)
    passed = len(await passing.passed_lessons(deps, repo, learner.id))  # done is not passed
    points = await repo.ledger.points(learner.id)
    streak = await badges.streak_today(deps, repo, learner)  # may spend a held freeze first
    freezes = await repo.badges.freezes(learner.id)
    best = longest_streak(await repo.progress.activity_days(learner.id), freezes.used_on)
    board = (
        await rankings.group_board(deps, repo, learner.unit_id, learner.id)
        if learner.unit_id
        else None
    )
    today = deps.today_for(learner)
    return ProgressReport(
        learner_id=learner.id,
        level=level_no,
        level_title=level.title if level else "",
        lesson_id=lesson.id if lesson else None,
        lessons_done=done,
        lessons_passed=passed,
        lessons_total=len(deps.curriculum.lessons),
        points=points,
        streak=streak,
        best_streak=best,
        unit_id=learner.unit_id,
        group_name=board.unit_name if board else None,
        rank=board.mine.rank if board and board.mine else None,
        group_size=len(board.rows) if board else 0,
        badges=tuple(b.code for b in await repo.badges.earned(learner.id)),
        freezes_held=freezes.held,
        freezes_max=FREEZE_MAX_HELD,
        freezes_used_recently=tuple(d for d in freezes.used_on if (today - d).days <= WEEK),
    )


async def leaderboard(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator
) -> list[Out]:
    result = await rankings.standings_for(deps, repo, learner)
    return rankings_chat.standings(result, tr, deps.timezone)
