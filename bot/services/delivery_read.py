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


async def read_delivery(
    deps: Deps, repo: UnitOfWork, item: DeliveryRecord, holder: str
) -> DeliveryRead | None:
    """None when there is nothing to send today: the delivery is then finished as skipped."""
    learner = await repo.learners.learner(item.learner_id)
    if learner is None:
        return DeliveryRead(item, None, deps.curriculum.by_id(item.lesson_id))
    review: ReviewSlot | None = None
    known_review = False
    if not item.lesson_id:
        # Planned without a lesson: today's is chosen now, from the learner's state now.
        plan, review = await learning.todays_plan_and_review(deps, repo, learner)
        if plan.lesson is None or plan.status == "done_today":
            why = "lesson already done" if plan.lesson else "no lesson left"
            await repo.leases.finish_delivery(
                item.id, holder, DeliveryStatus.SKIPPED, None, why, deps.now()
            )
            return None
        item = replace(item, lesson_id=plan.lesson.id)
        await repo.deliveries.set_delivery_lesson(item.id, item.lesson_id)
        # The plan read today's review already: the same row, unless the delivery is another day's.
        known_review = item.day == deps.today_for(learner)
    identities = await repo.learners.identities_of(item.learner_id)
    state = await repo.progress.lesson_state(item.learner_id, item.lesson_id)
    # A review day's lesson was done before: it is pushed until its retry is in.
    if not known_review:
        found = await repo.passing.review_on(learner.id, item.day)
        review = ReviewSlot(found.lesson_id, found.done) if found is not None else None
    lesson = deps.curriculum.by_id(item.lesson_id)
    if review is not None and review.lesson_id != item.lesson_id:
        review = None
    read = DeliveryRead(item, learner, lesson, identities, state, review)
    if lesson is not None and review is not None:
        read.review_parts = await retry.review_messages(
            deps, repo, learner, lesson, Translator(learner.language)
        )
    return read


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
