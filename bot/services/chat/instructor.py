"""Instructors in the chat: /review, keeping or changing a grade, confirming held grades in bulk.

The review queue is the reviewer's own: work of learners their units and classes cover
(`scope`; HOCAI_ADMINS and roles on every root see everything). Instructors need not be learners:
these work before (or without) onboarding.
"""

from __future__ import annotations

import re

from bot.services import buttons, review, review_chat, scope
from bot.services.chat import mentoring_admin
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.permissions import Action

STEP = "review_score"  # "review_score:<grade id>": the next typed text is that grade's new score


async def review_scope(turn: Turn) -> scope.Scope:
    """None: everything; empty: not a reviewer."""
    return await scope.of(turn.deps, turn.repo, turn.learner.id, Action.REVIEW)


async def queue(turn: Turn, _args: str) -> list[Out]:
    units = await review_scope(turn)
    if not scope.allowed(units):
        return [Out(text=turn.tr("review.not_allowed"))]
    waiting = await review.review_queue(turn.repo, units)
    return [
        *review_chat.queue(turn.deps, waiting, turn.tr),
        *await mentoring_admin.judge_section(turn, units),
    ]


async def _refused(turn: Turn, grade_id: int) -> list[Out]:
    """Why this person may not confirm or change this grade; [] when they may."""
    units = await review_scope(turn)
    if not scope.allowed(units):
        return [Out(text=turn.tr("review.not_allowed"))]
    grade = await turn.repo.grades.grade(grade_id)
    if grade is not None and not await scope.has_learner(turn.repo, units, grade.learner_id):
        return [Out(text=turn.tr("review.not_yours"))]  # another unit's work: not its score
    return []


async def on_button(turn: Turn, button: buttons.Review) -> list[Out]:
    tr = turn.tr
    units = await review_scope(turn)
    if not scope.allowed(units):
        return [Out(text=tr("review.not_allowed"))]
    if button.action == "bulk":
        return review_chat.bulk_preview(
            await review.bulk_preview(turn.repo, button.grade, units), tr
        )
    if button.action == "bulkok":
        answer, told = await review.bulk_confirm(
            turn.deps, turn.repo, button.grade, turn.who, tr, units
        )
        turn.notices.extend(told)
        return answer
    refused = await _refused(turn, button.grade)
    if refused:
        return refused
    if button.action == "ok":
        return await _apply(turn, button.grade, None)
    turn.state.step = f"{STEP}:{button.grade}"  # "set": the score comes next, typed
    return [Out(text=tr("review.ask_score", id=button.grade))]


async def on_score_text(turn: Turn, step: str) -> list[Out]:
    """The new score typed after "Đổi điểm"."""
    text = turn.event.text.strip()
    if not re.fullmatch(r"[0-9]{1,3}", text) or not 0 <= int(text) <= 100:
        return [Out(text=turn.tr("review.bad_score"))]
    turn.state.step = None
    try:  # the id came from a button: read back through the same codec and its range check
        grade = buttons.Review.unpack(f"{buttons.Review.prefix}:set:{step.partition(':')[2]}")
    except buttons.BadButton:
        return [Out(text=turn.tr("choice.stale"))]
    return await _refused(turn, grade.grade) or await _apply(turn, grade.grade, int(text))


async def _apply(turn: Turn, grade_id: int, score: int | None) -> list[Out]:
    answer, told = await review.override(turn.deps, turn.repo, grade_id, score, turn.who, turn.tr)
    if told is not None:
        turn.notices.append(told)
    return answer
