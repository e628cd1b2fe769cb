"""Teach-back ("dạy lại để nhớ lâu", the Feynman technique) as work graded like a practice.

A lesson's `teach_back` task is graded by one rubric shared by every lesson: the lesson's own
ideas, in the learner's own words, easy for the person they explain it to. The graded lesson is the
lesson itself with that task and rubric, so copying the lesson's text is caught as for a practice.
Its work is stored under the lesson id "tb~<lesson id>" (shortened to fit 40 characters).
"""

from __future__ import annotations

import hashlib

from lessons.model import Criterion, Curriculum, Lesson, Practice, Rubric

PREFIX = "tb~"
MAX_ID = 40  # the stored lesson id's width
_SHORT = MAX_ID - len(PREFIX) - 7  # room for "-" and six hex digits


def task_id(lesson_id: str) -> str:
    """ "tb~l1-04-..."; a lesson id too long for the column keeps its start and a short hash."""
    if len(PREFIX) + len(lesson_id) <= MAX_ID:
        return PREFIX + lesson_id
    digest = hashlib.sha256(lesson_id.encode("utf-8")).hexdigest()[:6]
    return f"{PREFIX}{lesson_id[:_SHORT]}-{digest}"


def lesson_of(task: str, curriculum: Curriculum) -> Lesson | None:
    """The lesson whose teach-back a stored id names; None for any other id."""
    if not task.startswith(PREFIX):
        return None
    found = curriculum.by_id(task[len(PREFIX) :])
    if found is not None:
        return found
    return next((lesson for lesson in curriculum.lessons if task_id(lesson.id) == task), None)


_OWN_WORDS = (
    "ví dụ",
    "chẳng hạn",
    "giống như",
    "như là",
    "tôi",
    "mình",
    "bạn",
    "ông",
    "bà",
    "cô",
    "chú",
    "anh",
    "chị",
    "em",
    "con",
    "hàng xóm",
)
_CLEAR = (
    "bước",
    "trước tiên",
    "đầu tiên",
    "sau đó",
    "tiếp theo",
    "cuối cùng",
    "vì",
    "nên",
    "để",
    "bởi vì",
    "nhờ",
    "giúp",
)


def _lesson_keywords(lesson: Lesson) -> tuple[str, ...]:
    """The lesson's own rubric words: explaining the lesson right uses some of them."""
    seen: dict[str, None] = {}
    for criterion in lesson.rubric.criteria:
        for keyword in criterion.keywords:
            seen.setdefault(keyword, None)
    return tuple(seen)[:24]


def rubric_for(lesson: Lesson) -> Rubric:
    ideas = _lesson_keywords(lesson)
    return Rubric(
        min_words=30,
        max_words=400,
        criteria=(
            Criterion(
                id="y_chinh",
                title="Giải thích đúng ý chính của bài",
                weight=40,
                keywords=ideas,
                need=min(2, len(ideas)) if ideas else 1,
                judge="Lời giải thích nói đúng điều quan trọng nhất của bài học, không sai "
                "kiến thức.",
            ),
            Criterion(
                id="loi_minh",
                title="Dùng lời của mình, có ví dụ gần gũi",
                weight=30,
                keywords=_OWN_WORDS,
                need=2,
                judge="Viết bằng lời của người học (không chép bài), có ví dụ hoặc tình "
                "huống gần gũi với người nghe.",
            ),
            Criterion(
                id="de_hieu",
                title="Dễ hiểu: có các bước hoặc lý do",
                weight=30,
                keywords=_CLEAR,
                need=2,
                judge="Người nghe làm theo được: có thứ tự các bước hoặc giải thích vì sao.",
            ),
        ),
        reference="",
        exemplary=(
            "Bà ơi, khi có ai gọi điện xin chuyển tiền gấp, bà làm ba bước: trước tiên bà "
            "dừng lại, không chuyển ngay; sau đó bà gọi lại cho người thân bằng số cũ để "
            "hỏi; cuối cùng bà hỏi câu bí mật của nhà mình. Vì kẻ gian giả giọng được, nên "
            "phải kiểm tra như vậy."
        ),
        weak="AI rất hay, mọi người nên dùng.",
    )


def graded_lesson(lesson: Lesson) -> Lesson | None:
    """The lesson as the grader sees its teach-back; None when the lesson has none."""
    if not lesson.teach_back:
        return None
    practice = Practice(
        task=lesson.teach_back,
        submit="Lời giải thích của bạn, viết bằng lời của bạn, nói vì sao.",
        minutes=5,
        tools=lesson.practice.tools,
        expects=("reasons",),
    )
    return lesson.model_copy(
        update={
            "id": task_id(lesson.id),
            "practice": practice,
            "rubric": rubric_for(lesson),
            "variants": {},
        }
    )
