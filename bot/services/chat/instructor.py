"""Instructors in the chat: /review, keeping or changing a grade, confirming held grades in bulk.

Instructors need not be learners: these work before (or without) onboarding.
"""

from __future__ import annotations

import re

from bot.services import buttons, review
from bot.services.chat.turn import Turn
from bot.services.io import Out

STEP = "review_score"  # "review_score:<grade id>": the next typed text is that grade's new score


async def queue(turn: Turn, _args: str) -> list[Out]:
    if not await turn.is_instructor():
        return [Out(text=turn.tr("review.not_allowed"))]
    return await review.queue(turn.deps, turn.repo, turn.tr)


async def on_button(turn: Turn, button: buttons.Review) -> list[Out]:
    tr = turn.tr
    if not await turn.is_instructor():
        return [Out(text=tr("review.not_allowed"))]
    if button.action == "bulk":
        return await review.bulk_preview(turn.deps, turn.repo, button.grade, tr)
    if button.action == "bulkok":
        answer, told = await review.bulk_confirm(turn.deps, turn.repo, button.grade, turn.who, tr)
        turn.notices.extend(told)
        return answer
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
    return await _apply(turn, grade.grade, int(text))


async def _apply(turn: Turn, grade_id: int, score: int | None) -> list[Out]:
    answer, told = await review.override(turn.deps, turn.repo, grade_id, score, turn.who,
                                         turn.tr)
    if told is not None:
        turn.notices.append(told)
    return answer
