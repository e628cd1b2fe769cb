"""What a claimed delivery reads before it sends: the learner, today's lesson (chosen now when it
was planned without one), where the learner stands in it, and a review day's messages; and the
parts it sends from that.

Its own module so the send loop in delivery.py stays readable; the reads are counted per learner
by bench/delivery_statements_bench.py (the daily push is bound by them), so each is done once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.i18n import Translator
from bot.services import buttons, learning, retry
from bot.services.context import Deps
from bot.services.delivery_plan import PushAction
from bot.services.io import Out
from bot.services.policy import ChannelPolicy
from bot.services.ports import (
    DeliveryRecord,
    DeliveryStatus,
    IdentityRecord,
    LearnerRecord,
    UnitOfWork,
)
from bot.services.ports.progress import LessonState
from lessons.model import Lesson
from lessons.plan import ReviewSlot


@dataclass
class DeliveryRead:
    item: DeliveryRecord  # with today's lesson chosen
    learner: LearnerRecord | None
    lesson: Lesson | None
    identities: list[IdentityRecord] = field(default_factory=list)
    state: LessonState = field(default_factory=LessonState)
    review: ReviewSlot | None = None  # a review day's lesson, the one being delivered
    review_parts: list[Out] = field(default_factory=list)


async def read_deliveries(
    deps: Deps, repo: UnitOfWork, items: list[DeliveryRecord], holder: str
) -> list[DeliveryRead]:
    """What each claimed delivery needs, read for the whole batch at once (a statement per kind
    of row, `repo.push`). A delivery with nothing to send today (the lesson done, none left) is
    finished as skipped here and left out."""
    push = repo.push
    learner_ids = {item.learner_id for item in items}
    learners = await push.learners(learner_ids)
    assignments = await push.assignments(learners)
    # Planned without a lesson: today's is chosen now, from the learner's state now.
    unplanned = {
        item.learner_id: learners[item.learner_id]
        for item in items
        if not item.lesson_id and item.learner_id in learners
    }
    plans = await learning.todays_plans(deps, repo, unplanned.values(), assignments)
    if unplanned:  # what planning assigned or brought back, as the lesson states below need it
        assignments = {**assignments, **await push.assignments(unplanned)}
    chosen: dict[int, str] = {}
    kept: list[tuple[DeliveryRecord, ReviewSlot | None, bool]] = []
    for item in items:
        learner = learners.get(item.learner_id)
        review: ReviewSlot | None = None
        known_review = False
        if learner is not None and not item.lesson_id:
            plan, review = plans[learner.id]
            if plan.lesson is None or plan.status == "done_today":
                why = "lesson already done" if plan.lesson else "no lesson left"
                await repo.leases.finish_delivery(
                    item.id, holder, DeliveryStatus.SKIPPED, None, why, deps.now()
                )
                continue
            item = replace(item, lesson_id=plan.lesson.id)
            chosen[item.id] = item.lesson_id
            # The plan read today's review already, unless the delivery is another day's.
            known_review = item.day == deps.today_for(learner)
        kept.append((item, review, known_review))
    await push.set_lessons(chosen)
    # A review day's lesson was done before: it is pushed until its retry is in.
    opened = await push.reviews_on(
        {
            (item.learner_id, item.day)
            for item, _, known in kept
            if not known and item.learner_id in learners
        }
    )
    identities = await push.identities(learners)
    work = await push.lesson_work(
        {(item.learner_id, item.lesson_id) for item, _, _ in kept if item.learner_id in learners}
    )
    reads = []
    for item, review, known_review in kept:
        learner = learners.get(item.learner_id)
        lesson = deps.curriculum.by_id(item.lesson_id)
        if learner is None:
            reads.append(DeliveryRead(item, None, lesson))
            continue
        if not known_review:
            found = opened.get((learner.id, item.day))
            review = found.slot if found is not None else None
        if review is not None and review.lesson_id != item.lesson_id:
            review = None
        done = work[(learner.id, item.lesson_id)]
        assignment = next(
            (a for a in assignments.get(learner.id, []) if a.lesson_id == item.lesson_id), None
        )
        state = LessonState(assignment, done.answered, done.submitted)
        read = DeliveryRead(item, learner, lesson, identities.get(learner.id, []), state, review)
        if lesson is not None and review is not None:  # a review day's own messages (rare)
            read.review_parts = await retry.review_messages(
                deps, repo, learner, lesson, Translator(learner.language)
            )
        reads.append(read)
    return reads


def push_parts(
    deps: Deps,
    read: DeliveryRead,
    learner: LearnerRecord,
    lesson: Lesson,
    action: PushAction,
    policy: ChannelPolicy,
) -> list[Out]:
    """The messages of this delivery: a review day's, a reminder, or the whole lesson."""
    tr = Translator(learner.language)
    answered, submitted = read.state.answered, read.state.submitted
    if read.review_parts:
        parts = read.review_parts
    elif action == "remind" and read.item.parts_sent == 0:
        parts = [reminder(lesson, len(answered), submitted, tr)]
    else:
        status = "new" if read.item.day == deps.today_for(learner) else "unfinished"
        parts = learning.lesson_messages(deps, lesson, tr, answered, status, learner.occupation)
    return with_one_tap(parts, policy, tr)


def with_one_tap(parts: list[Out], policy: ChannelPolicy, tr: Translator) -> list[Out]:
    """On a channel with a messaging window, a lesson ends with a one-tap answer: the tap is an
    interaction that keeps the window open for the next lesson."""
    if not policy.closes or not parts or parts[-1].options:
        return parts
    return [
        *parts,
        Out(
            text=tr("lesson.keep_window"),
            options=(buttons.Ack("lesson").as_option(tr("lesson.ack_button")),),
        ),
    ]


def reminder(lesson: Lesson, answered: int, submitted: bool, tr: Translator) -> Out:
    """One short message instead of the whole lesson: where the learner stands in it."""
    left = []
    if answered < lesson.quiz_count:
        left.append(tr("push.left_quiz", left=lesson.quiz_count - answered))
    if not submitted:
        left.append(tr("push.left_practice"))
    return Out(
        text=tr("push.reminder", title=lesson.title, left=", ".join(left) or "-"),
        options=(buttons.Command("lesson").as_option(tr("push.continue")),),
    )
