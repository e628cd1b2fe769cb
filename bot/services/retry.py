"""A review day's lesson: a lesson done but not passed, brought back with its earlier feedback.

The retry is ordinary work: sent as work, stored before grading, graded by the same rubric and
settled through the same ledger (practice points follow the best confirmed score, so a better
retry pays the difference once and a worse one takes nothing away).
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import passing
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.learning import pack, practice_message
from bot.services.ports import LearnerRecord, UnitOfWork
from bot.services.submissions import criterion_line
from lessons.model import Lesson
from scoring.grading import CriterionGrade


def feedback_lines(lesson: Lesson, detail: dict[str, object], tr: Translator) -> list[str]:
    """The earlier grade's lines, criterion by criterion, as the learner first saw them."""
    rubric = {c.id: c for c in lesson.rubric.criteria}
    lines = []
    criteria = detail.get("criteria")
    for item in criteria if isinstance(criteria, list) else []:
        if not isinstance(item, dict) or item.get("id") not in rubric:
            continue
        finding = item.get("finding")
        if finding not in ("met", "partly", "missing"):
            continue
        criterion = CriterionGrade(
            str(item["id"]),
            int(item.get("score") or 0),
            int(item.get("max") or 0),
            finding,
            feedback=str(item.get("feedback") or ""),
        )
        spec = rubric[criterion.id]
        lines.append(criterion_line(criterion, spec.title, spec.judge, tr))
    return lines


async def review_messages(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, lesson: Lesson, tr: Translator
) -> list[Out]:
    """What a review day sends: why the lesson is back, its feedback, the example and the
    practice with "Nộp bài" (the quiz was answered the first time)."""
    fitted = lesson.fitted(learner.occupation)
    result = await passing.lesson_result(deps, repo, learner.id, lesson)
    feedback = await repo.passing.latest_feedback(learner.id, lesson.id)
    text = tr(
        "pass.review_intro",
        title=lesson.title,
        mark=result.mark,
        score=result.score if result.score is not None else "-",
    )
    lines = feedback_lines(fitted, feedback.detail, tr) if feedback else []
    if lines:
        text += "\n\n" + tr("pass.review_feedback") + "\n" + "\n".join(lines)
    return pack(
        [
            Out(title=tr("pass.review_title"), text=text),
            Out(
                text=tr(
                    "lesson.example", prompt=fitted.example.prompt, answer=fitted.example.answer
                )
            ),
            practice_message(fitted, tr),
        ]
    )
