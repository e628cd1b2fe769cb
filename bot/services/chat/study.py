"""The day's study: the lesson, the next one, the quiz, and practice work sent as work."""

from __future__ import annotations

from bot.services import buttons, intent, learning, retry, submissions
from bot.services.chat.turn import Turn
from bot.services.conversation import HeldText
from bot.services.io import Out
from bot.services.parsing import numbered_choice
from bot.services.ports import LearnerStatus
from lessons.plan import TodayPlan
from lessons.textnorm import folded_words


async def lesson(turn: Turn, _args: str = "") -> list[Out]:
    plan = await learning.todays_plan(turn.deps, turn.repo, turn.learner)
    return _paused_note(turn) + await _show_plan(turn, plan)


async def more_today(turn: Turn, _args: str = "") -> list[Out]:
    """ "Học tiếp": today's lesson while it is unfinished, then more up to the daily cap."""
    plan = await learning.more_today(turn.deps, turn.repo, turn.learner)
    if plan is None:
        return [
            *_paused_note(turn),
            Out(text=turn.tr("lesson.cap_reached", cap=turn.deps.lessons_per_day)),
        ]
    return _paused_note(turn) + await _show_plan(turn, plan)


def _paused_note(turn: Turn) -> list[Out]:
    """Paused learners still study when they ask (only the daily push stops); say so."""
    if turn.learner.status != LearnerStatus.PAUSED:
        return []
    return [Out(text=turn.tr("lesson.paused_note"))]


async def _show_plan(turn: Turn, plan: TodayPlan) -> list[Out]:
    tr, deps, learner = turn.tr, turn.deps, turn.learner
    if plan.lesson is None:
        return [Out(text=tr("lesson.finished_all"))]
    if plan.status == "done_today":
        out = [Out(text=tr("lesson.done_today_short", title=plan.lesson.title))]
        return [*out, await learning.offer_more(deps, turn.repo, learner, tr)]
    if plan.status == "review":  # a lesson not passed, back with its feedback
        return await retry.review_messages(deps, turn.repo, learner, plan.lesson, tr)
    # Opened by the learner: today's push will not send this lesson again (delivery.push_action).
    await turn.repo.progress.mark_started(learner.id, plan.lesson.id, deps.now())
    answered = await turn.repo.progress.quiz_answers(learner.id, plan.lesson.id)
    return learning.lesson_messages(
        deps, plan.lesson, tr, answered, plan.status, learner.occupation
    )


async def quiz(turn: Turn, _args: str = "") -> list[Out]:
    """Typed "làm câu hỏi": the quiz of the lesson in hand."""
    current = await turn.repo.progress.current_assignment(turn.learner.id)
    if current is None:
        return [Out(text=turn.tr("practice.no_lesson"))]
    return await learning.start_quiz(turn.deps, turn.repo, turn.learner, current.lesson_id, turn.tr)


async def on_start_quiz(turn: Turn, button: buttons.StartQuiz) -> list[Out]:
    return await learning.start_quiz(turn.deps, turn.repo, turn.learner, button.lesson, turn.tr)


async def on_quiz_answer(turn: Turn, button: buttons.QuizAnswer) -> list[Out]:
    return await learning.answer_quiz(
        turn.deps, turn.repo, turn.learner, button.lesson, button.question, button.option, turn.tr
    )


async def submit(turn: Turn, _args: str = "") -> list[Out]:
    """ "Nộp bài": the next message is the work, however short."""
    current = await turn.repo.progress.current_assignment(turn.learner.id)
    if current is None:
        return [Out(text=turn.tr("practice.no_lesson"))]
    turn.state.submit = current.lesson_id
    turn.state.options = []  # a "1" sent next is work, not an old choice
    return [Out(text=turn.tr("work.send_now"))]


async def on_work(turn: Turn, button: buttons.Work) -> list[Out]:
    """ "Nộp bài" tapped, or "is this your work?" answered."""
    tr, held = turn.tr, turn.held
    if button.answer == "submit":
        return await submit(turn)
    if held is None:
        return [Out(text=tr("work.nothing_held"))]
    if button.answer == "yes":
        turn.work = submissions.Incoming(held.text, None, turn.event.channel, held.key)
        return []
    return [Out(text=tr("work.not_graded"))]


async def work_or_hint(turn: Turn) -> list[Out]:
    """Grade only work sent as work; ask about a short message while the practice is open."""
    ev, tr = turn.event, turn.tr
    text = ev.text or ""
    n_words = len(folded_words(text))
    if ev.kind == "text" and n_words == 0:
        if any(isinstance(buttons.parse(key), buttons.QuizAnswer) for key in turn.state.options):
            return [Out(text=tr("quiz.pick_answer"))]  # "???" to a quiz question: not work
        return [Out(text=tr("input.no_words"))]
    current = await turn.repo.progress.current_assignment(turn.learner.id)
    found = turn.deps.curriculum.by_id(current.lesson_id) if current else None
    if current is None or found is None:
        return [Out(text=tr("input.short" if n_words < intent.MIN_WORDS else "practice.no_lesson"))]
    key = f"{ev.channel}:{ev.update_key}" if ev.update_key else None
    if ev.kind == "photo":  # a photo is sent as work
        turn.work = submissions.Incoming(text, ev.photo_ref, ev.channel, key)
        return []
    verdict = intent.classify(
        text,
        found,
        sent_as_work=turn.sent_as_work == found.id,
        reply_to=ev.reply_to,
        lesson_done=current.completed,
    )
    if verdict == "work":
        turn.work = submissions.Incoming(text, None, ev.channel, key)
        return []  # the grade follows at once, from Dialog.handle
    if verdict == "ask":
        turn.state.held = HeldText(text, key)
        return [
            Out(
                text=tr("work.is_it_work"),
                options=(
                    buttons.Work("yes").as_option(tr("work.yes")),
                    buttons.Work("no").as_option(tr("work.no")),
                ),
            )
        ]
    if numbered_choice(text) is not None:
        return [Out(text=tr("choice.nothing_open"))]
    return [Out(text=tr("input.short"))]
