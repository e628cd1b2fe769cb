"""Teach-back in the chat: "Gửi bài dạy lại" (a button after the practice's grade), "/teachback"
or "dạy lại" make the next message the explanation, stored and graded after the turn's commit."""

from __future__ import annotations

from bot.services import buttons, submissions
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.teachback import done
from lessons import teach_back
from lessons.textnorm import folded_words

STEP = "teachback"  # "teachback:<lesson id>": the next message explains that lesson


async def command(turn: Turn, _args: str) -> list[Out]:
    """/teachback (or "dạy lại"): the lesson in hand's teach-back, else the latest one left."""
    repo, curriculum = turn.repo, turn.deps.curriculum
    current = await repo.progress.current_assignment(turn.learner.id)
    in_hand = curriculum.by_id(current.lesson_id) if current else None
    seen = await repo.progress.completed_lessons(turn.learner.id)
    # The lesson in hand first, then the latest lesson studied whose teach-back is left.
    for lesson in [*([in_hand] if in_hand else []), *reversed(curriculum.lessons)]:
        if (
            (lesson is in_hand or lesson.id in seen)
            and lesson.teach_back
            and not await done(repo, turn.learner.id, lesson)
        ):
            return await _ask(turn, lesson.id)  # typed: the next message is the explanation
    return [Out(text=turn.tr("teachback.none"))]


async def on_button(turn: Turn, button: buttons.TeachBack) -> list[Out]:
    """ "Gửi bài dạy lại": the next message is the explanation."""
    return await _ask(turn, button.lesson)


async def _ask(turn: Turn, lesson_id: str) -> list[Out]:
    tr = turn.tr
    lesson = turn.deps.curriculum.by_id(lesson_id)
    if lesson is None or not lesson.teach_back:
        return [Out(text=tr("choice.stale"))]
    if await turn.repo.progress.assignment(turn.learner.id, lesson.id) is None:
        return [Out(text=tr("teachback.not_yet"))]
    turn.state.step = f"{STEP}:{lesson.id}"
    turn.state.forget_options()  # the explanation is text, never an earlier numbered choice
    return [Out(text=tr("teachback.send_now", task=lesson.teach_back))]


async def on_text(turn: Turn, step: str) -> list[Out]:
    tr, deps, learner = turn.tr, turn.deps, turn.learner
    turn.state.step = None
    lesson = deps.curriculum.by_id(step.partition(":")[2])
    if lesson is None or not lesson.teach_back:
        return [Out(text=tr("choice.stale"))]
    text = turn.event.text
    if not folded_words(text):
        turn.state.step = step
        return [Out(text=tr("challenge.work_words"))]
    key = f"{turn.event.channel}:{turn.event.update_key}" if turn.event.update_key else None
    incoming = submissions.Incoming(text, None, turn.event.channel, key)

    async def grade() -> list[Out]:
        out, stored = await submissions.receive_for(
            deps, learner, teach_back.task_id(lesson.id), incoming, tr
        )
        if stored is None:
            return out
        async with deps.store.transaction() as repo:
            scores = (await repo.mentoring.teach_back_scores([learner.id]))[learner.id]
        if scores:
            out.append(
                Out(
                    text=tr(
                        "teachback.count",
                        count=len(scores),
                        average=round(sum(scores) / len(scores)),
                    )
                )
            )
        return out

    turn.later = grade
    return [Out(text=tr("teachback.received"))]
