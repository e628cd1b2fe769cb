"""Teach-back ("Dạy lại để nhớ lâu"): after a lesson's practice, the learner explains the lesson
in their own words; the explanation is stored and graded like practice work (`tasks`,
"tb~<lesson>"), pays like it, and counts towards becoming a mentor. The chat flow is in
`bot.services.chat.teachback`; this module is what the practice's grade needs to offer it."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import buttons
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork
from lessons import teach_back
from lessons.model import Lesson


async def done(repo: UnitOfWork, learner_id: int, lesson: Lesson) -> bool:
    return await repo.submissions.has_graded_submission(learner_id, teach_back.task_id(lesson.id))


def invitation(lesson: Lesson, tr: Translator) -> Out:
    return Out(
        title=tr("teachback.title"),
        text=tr("teachback.offer", task=lesson.teach_back),
        options=(buttons.TeachBack(lesson.id).as_option(tr("teachback.button")),),
        remember_options=False,
    )


async def offer(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, lesson: Lesson, tr: Translator
) -> list[Out]:
    """After a practice grade: the lesson's teach-back, when it has one not yet done."""
    if not lesson.teach_back or await done(repo, learner.id, lesson):
        return []
    return [invitation(lesson, tr)]
