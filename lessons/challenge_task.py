"""A challenge as the grader sees it: its text as the task, graded by a lesson's rubric or by
the few criteria the instructor wrote with it."""

from __future__ import annotations

import itertools

from lessons.model import Criterion, Example, Lesson, Practice, Rubric
from lessons.textnorm import fold

MIN_CRITERIA, MAX_CRITERIA = 3, 5
MAX_CRITERION_CHARS = 120
# Words that say nothing about what a criterion checks (folded, without diacritics).
_FILLER = frozenset(
    "co cua va la cho cac nhung mot duoc khong voi trong bai lam ro du phai can neu viet nguoi "
    "nay do theo ve mat it nhat hon rat cung hay hoac thi ma de khi tu ra vao".split()
)


def criterion_keywords(title: str) -> tuple[str, ...]:
    """What the rules can look for in a written criterion: its content words, and each pair of
    neighbouring content words (the model judges the criterion itself)."""
    words = [
        w
        for w in title.lower().replace(",", " ").replace(".", " ").split()
        if fold(w) not in _FILLER and len(fold(w)) >= 2
    ]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    seen: dict[str, None] = {}
    for keyword in [*pairs, *(w for w in words if len(fold(w)) >= 3)]:
        seen.setdefault(keyword, None)
    return tuple(seen)[:12]


def written_rubric(criteria: tuple[str, ...]) -> Rubric:
    n = len(criteria)
    weights = [100 // n + (1 if i < 100 % n else 0) for i in range(n)]
    return Rubric(
        min_words=20,
        max_words=600,
        criteria=tuple(
            Criterion(
                id=f"c{i + 1}",
                title=title,
                weight=weight,
                keywords=criterion_keywords(title),
                need=1,
                judge=title,
            )
            for i, (title, weight) in enumerate(zip(criteria, weights, strict=True))
        ),
        reference="",
        exemplary="Bài làm trả lời đúng đề, có ví dụ cụ thể từ công việc thật và giải thích "
        "bằng lời của người học.",
        weak="Tôi đã làm xong.",
    )


def graded_lesson(
    challenge_id: int, task_id: str, text: str, base: Lesson, criteria: tuple[str, ...]
) -> Lesson:
    """`base` is the rubric's lesson, or (with written criteria) any lesson lending its shape."""
    rubric = written_rubric(criteria) if criteria else base.rubric
    expects = () if criteria else base.practice.expects
    # With written criteria the parts asked for are read from the challenge's own words.
    submit = text if criteria else base.practice.submit
    practice = Practice(
        task=text, submit=submit, minutes=15, tools=base.practice.tools, expects=expects
    )
    content = (text,) if criteria else (text, *base.content[:2])
    return base.model_copy(
        update={
            "id": task_id,
            "title": f"Thử thách #{challenge_id}",
            "content": content,
            "example": Example(prompt=text, answer=text),
            "practice": practice,
            "rubric": rubric,
            "variants": {},
            "teach_back": "",
        }
    )
