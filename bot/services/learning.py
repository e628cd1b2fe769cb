"""Today's lesson, the quiz, and completing a lesson."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from bot.i18n import Translator
from bot.services import badges, buttons, passing, speech, tryai
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, LearnerStatus, UnitOfWork
from lessons.model import QUIZ_LETTERS, Lesson
from lessons.plan import (
    Assignment,
    ReviewSlot,
    TodayPlan,
    lesson_position,
    next_lesson,
    plan_today,
    review_due,
)
from scoring.points import completion_award, quiz_award


async def todays_plan(deps: Deps, repo: UnitOfWork, learner: LearnerRecord) -> TodayPlan:
    """Work out today's lesson and record the assignment (idempotent within a day)."""
    plan, _ = await todays_plan_and_review(deps, repo, learner)
    return plan


async def todays_plan_and_review(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord
) -> tuple[TodayPlan, ReviewSlot | None]:
    """`todays_plan`, and today's review as it found it (the push needs both: one read)."""
    return (await todays_plans(deps, repo, [learner]))[learner.id]


async def todays_plans(
    deps: Deps,
    repo: UnitOfWork,
    learners: Collection[LearnerRecord],
    assignments: Mapping[int, list[Assignment]] | None = None,
) -> dict[int, tuple[TodayPlan, ReviewSlot | None]]:
    """Today's lesson and review for each learner, the new assignments recorded: a statement per
    kind of row for them all (the daily push plans a claimed batch at once). `assignments`:
    `repo.push.assignments` of these learners, when the caller has read them already."""
    if assignments is None:
        assignments = await repo.push.assignments([learner.id for learner in learners])
    days = {learner.id: deps.today_for(learner) for learner in learners}
    opened = await repo.push.reviews_on(days.items())
    plans: dict[int, tuple[TodayPlan, ReviewSlot | None]] = {}
    assign: list[tuple[int, str, int, date]] = []
    for learner in learners:
        rows, today = assignments.get(learner.id, []), days[learner.id]
        current = rows[0] if rows else None
        found = opened.get((learner.id, today))
        review = found.slot if found is not None else None
        if found is None and review_due(current, today, passing.first_day(learner)):
            review = await passing.review_today(deps, repo, learner, current, today)  # rare
        completed = {row.lesson_id for row in rows if row.completed_on is not None}
        plan = plan_today(deps.curriculum, completed, current, today, review)
        if (
            plan.lesson is not None
            and plan.status == "new"
            and (current is None or current.lesson_id != plan.lesson.id)
        ):
            assign.append((learner.id, plan.lesson.id, plan.lesson.level, today))
        plans[learner.id] = (plan, review)
    await repo.push.assign(assign)
    return plans


def quiz_question(lesson: Lesson, index: int, tr: Translator) -> Out:
    q = lesson.quiz[index]
    lines = [f"{QUIZ_LETTERS[i]}. {text}" for i, text in enumerate(q.options)]
    return Out(
        title=tr("quiz.title", n=index + 1, total=lesson.quiz_count),
        text=q.question + "\n\n" + "\n".join(lines),
        options=tuple(
            buttons.QuizAnswer(lesson.id, index, i).as_option(QUIZ_LETTERS[i])
            for i in range(len(q.options))
        ),
        columns=4,
    )


def lesson_messages(
    deps: Deps,
    lesson: Lesson,
    tr: Translator,
    answered: dict[int, bool],
    status: str,
    occupation: str | None = None,
) -> list[Out]:
    """The lesson as chat-sized messages: the content and the example first, ending with one tap
    (or number) that starts the quiz; the practice comes after the quiz, so a learner reads one
    thing at a time. With the quiz already answered, the practice follows the lesson instead.

    The example and practice are the learner's occupation's variant when the lesson has one."""
    number, total = lesson_position(deps.curriculum, lesson)
    lesson = lesson.fitted(occupation)
    level = deps.curriculum.level(lesson.level)
    header_key = "lesson.header_capstone" if lesson.is_capstone else "lesson.header"
    header = tr(
        header_key,
        level=lesson.level,
        level_title=level.title if level else "",
        number=number,
        total=total,
        minutes=lesson.minutes,
    )
    intro = tr("lesson.again") + "\n\n" if status == "unfinished" else ""
    objectives = "\n".join(f"• {o}" for o in lesson.objectives)
    out = [
        Out(
            title=lesson.title,
            text=f"{intro}{header}\n{tr('lesson.objectives')}\n{objectives}\n\n{lesson.content[0]}",
        )
    ]
    out += [Out(text=part) for part in lesson.content[1:]]
    example = tr("lesson.example", prompt=lesson.example.prompt, answer=lesson.example.answer)
    out.append(Out(text=example))
    out += extras_for(deps, lesson, tr)
    if next_question(lesson, answered) is not None:
        out.append(quiz_invitation(lesson, answered, tr))
    else:
        out.append(practice_message(lesson, tr))
    return pack(out)


def next_question(lesson: Lesson, answered: dict[int, bool]) -> int | None:
    return next((i for i in range(lesson.quiz_count) if i not in answered), None)


def quiz_invitation(lesson: Lesson, answered: dict[int, bool], tr: Translator) -> Out:
    key = "lesson.quiz_resume" if answered else "lesson.quiz_ready"
    return Out(
        text=tr(key, total=lesson.quiz_count),
        options=(buttons.StartQuiz(lesson.id).as_option(tr("lesson.quiz_button")),),
    )


def practice_message(lesson: Lesson, tr: Translator) -> Out:
    """The practice task, with "Nộp bài": the tap after which the next message is the work."""
    practice = tr(
        "lesson.practice",
        task=lesson.practice.task,
        submit=lesson.practice.submit,
        minutes=lesson.practice.minutes,
        tools=", ".join(lesson.practice.tools),
    )
    if lesson.teach_back:
        practice += "\n\n" + tr("lesson.teach_back", task=lesson.teach_back)
    practice += "\n\n" + tr("lesson.submit_hint")
    return Out(
        title=tr("lesson.practice_title"),
        text=practice,
        options=(buttons.Work("submit").as_option(tr("lesson.submit_button")),),
    )


async def start_quiz(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, lesson_id: str, tr: Translator
) -> list[Out]:
    """The next unanswered question of the lesson; the practice once all are answered."""
    lesson = deps.curriculum.by_id(lesson_id)
    if lesson is None:
        return [Out(text=tr("quiz.unknown"))]
    answered = await repo.progress.quiz_answers(learner.id, lesson.id)
    index = next_question(lesson, answered)
    if index is not None:
        return [quiz_question(lesson, index, tr)]
    out = [Out(text=tr("quiz.all_answered"))]
    if not await repo.submissions.has_graded_submission(learner.id, lesson.id):
        out.append(practice_message(lesson.fitted(learner.occupation), tr))
    return out


async def lessons_done_today(deps: Deps, repo: UnitOfWork, learner: LearnerRecord) -> int:
    return await repo.progress.lessons_completed_on(learner.id, deps.today_for(learner))


async def more_today(deps: Deps, repo: UnitOfWork, learner: LearnerRecord) -> TodayPlan | None:
    """ "Học tiếp": the next lesson the same day, up to the daily cap; None when the cap is
    reached. While today's lesson is unfinished, that lesson is the answer."""
    plan = await todays_plan(deps, repo, learner)
    if plan.status != "done_today":
        return plan
    if await lessons_done_today(deps, repo, learner) >= deps.lessons_per_day:
        return None
    lesson = next_lesson(deps.curriculum, await repo.progress.completed_lessons(learner.id))
    if lesson is None:
        return TodayPlan(None, "finished_all")
    await repo.progress.assign(learner.id, lesson.id, lesson.level, deps.today_for(learner))
    return TodayPlan(lesson, "new")


def extras_for(deps: Deps, lesson: Lesson, tr: Translator, buttons: bool = True) -> list[Out]:
    """Listening to the lesson and trying the practice with the in-chat model, where configured."""
    listen = speech.listen_option(deps, tr)
    hints = ([tr("speech.listen_hint")] if listen else []) + [tryai.offer_hint(deps, tr)]
    options = (*([listen] if listen else []), tryai.offer(deps, tr))
    # Buttons where the channel has them; the hint says what to type where it has not. Not
    # remembered, so that "1" or "B" typed next still answers the quiz.
    return [Out(text="\n".join(hints), options=options if buttons else (), remember_options=False)]


PACK_LIMIT = 3500  # under Telegram's 4,096; channels with smaller limits split further


def pack(messages: list[Out], limit: int = PACK_LIMIT) -> list[Out]:
    """Join consecutive plain messages while they fit: fewer, fuller messages on a small phone,
    and fewer sends against the platform's rate limit. Messages with choices stay whole."""
    packed: list[Out] = []
    for message in messages:
        last = packed[-1] if packed else None
        if last and not last.options and not last.file and not message.file:
            body = f"{message.title}\n{message.text}" if message.title else message.text
            joined = f"{last.text}\n\n{body}"
            if len(last.title) + len(joined) <= limit:
                packed[-1] = Out(
                    title=last.title,
                    text=joined,
                    options=message.options,
                    columns=message.columns,
                    remember_options=message.remember_options,
                )
                continue
        packed.append(message)
    return packed


async def answer_quiz(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    lesson_id: str,
    question: int,
    option: int,
    tr: Translator,
) -> list[Out]:
    lesson = deps.curriculum.by_id(lesson_id)
    if lesson is None or not 0 <= question < lesson.quiz_count or not 0 <= option < 4:
        return [Out(text=tr("quiz.unknown"))]
    q = lesson.quiz[question]
    correct = option == q.answer_index
    fresh = await repo.progress.record_quiz_answer(
        learner.id, lesson.id, question, option, correct, deps.now()
    )
    if not fresh:
        return [Out(text=tr("quiz.already", n=question + 1))]
    await repo.progress.add_activity_day(learner.id, deps.today_for(learner))
    award = quiz_award(learner.id, lesson.id, question, correct)
    if award is not None:
        await repo.ledger.award(learner.id, award, deps.now())
    verdict = tr("quiz.right", points=award.points) if award else tr("quiz.wrong", answer=q.answer)
    out = [Out(text=f"{verdict}\n{q.explanation}")]
    answered = await repo.progress.quiz_answers(learner.id, lesson.id)
    next_q = next((i for i in range(lesson.quiz_count) if i not in answered), None)
    if next_q is not None:
        out.append(quiz_question(lesson, next_q, tr))
    else:
        right = sum(answered.values())
        out.append(Out(text=tr("quiz.done", right=right, total=lesson.quiz_count)))
        if not await repo.submissions.has_graded_submission(learner.id, lesson.id):
            out.append(Out(text=tr("quiz.now_practice")))
            out.append(practice_message(lesson.fitted(learner.occupation), tr))
    out += await maybe_complete(deps, repo, learner, lesson, tr)
    out += await badges.after_activity(deps, repo, learner, tr)
    return pack(out)


async def maybe_complete(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, lesson: Lesson, tr: Translator
) -> list[Out]:
    """A lesson is complete when every quiz question is answered and the practice is graded."""
    answered = await repo.progress.quiz_answers(learner.id, lesson.id)
    if len(answered) < lesson.quiz_count or not await repo.submissions.has_graded_submission(
        learner.id, lesson.id
    ):
        return []
    today = deps.today_for(learner)
    if not await repo.progress.complete(learner.id, lesson.id, today):
        return []
    streak = await badges.streak_today(deps, repo, learner)
    award = completion_award(learner.id, lesson.id, streak)
    await repo.ledger.award(learner.id, award, deps.now())
    # Done is not passed: the message says which it is (or that the grade waits for confirmation).
    result = await passing.lesson_result(deps, repo, learner.id, lesson)
    out = [Out(text=passing.completion_text(result, award.points, streak, tr))]
    level_lessons = deps.curriculum.of_level(lesson.level)
    if lesson.id == level_lessons[-1].id:  # by id: the lesson may be an occupation's fitting
        out.append(Out(text=tr("lesson.level_done", level=lesson.level)))
        if not await passing.certificate_coming(deps, repo, learner.id, lesson.level):
            out.append(Out(text=tr("cert.level_hint", level=lesson.level)))
    out.append(await offer_more(deps, repo, learner, tr))
    return out


async def offer_more(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator) -> Out:
    """After a finished lesson: "Học tiếp" while today's cap allows, else see you tomorrow."""
    done = await lessons_done_today(deps, repo, learner)
    if (
        done >= deps.lessons_per_day
        or next_lesson(deps.curriculum, await repo.progress.completed_lessons(learner.id)) is None
    ):
        paused = learner.status == LearnerStatus.PAUSED
        return Out(text=tr("lesson.enough_today_paused" if paused else "lesson.enough_today"))
    return Out(
        text=tr("lesson.more_offer", left=deps.lessons_per_day - done),
        options=(buttons.Command("next").as_option(tr("lesson.more_button")),),
    )
