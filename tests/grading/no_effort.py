"""No-effort submissions built from a lesson's own files: what a learner gaming the grader would send.

Used by the test that runs them over every lesson and variant, and handy for calibrating by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from lessons.model import Curriculum, Lesson

FILLERS = ("thì", "ạ", "nhé")
# Sentences about nothing in particular; a keyword is dropped into each.
NONSENSE = (
    "Hôm qua con mèo nhà hàng xóm mang {k} lên mái nhà rồi ngủ quên đến tối.",
    "Trên trời có đám mây hình {k} bay qua cánh đồng màu tím rất đẹp.",
    "Bà ngoại kể rằng {k} thường hát vào những đêm trăng sáng bên bờ sông.",
    "Chiếc xe đạp cũ của anh họ tôi có một cái chuông tên là {k} kêu leng keng.",
    "Mùa đông năm ấy tuyết rơi trên núi và ai cũng nhắc đến {k} bên bếp lửa.",
)
GENERIC = (
    "Tôi đã làm bài này theo hướng dẫn của bài học. Tôi dùng AI để hỏi và AI trả lời khá đầy đủ, "
    "rõ ràng. Tôi đã đọc lại kết quả và thấy nội dung hợp lý, có thể dùng được trong công việc. "
    "Qua bài học này tôi hiểu thêm cách dùng AI cho hiệu quả và sẽ áp dụng vào cuộc sống hằng ngày."
)


def all_keywords(lesson: Lesson) -> list[str]:
    return list(dict.fromkeys(k for c in lesson.rubric.criteria for k in c.keywords))


def keyword_list(lesson: Lesson) -> str:
    return ", ".join(all_keywords(lesson))


def keywords_in_nonsense(lesson: Lesson) -> str:
    keywords = all_keywords(lesson) or ["trí tuệ nhân tạo"]
    return " ".join(NONSENSE[i % len(NONSENSE)].format(k=k) for i, k in enumerate(keywords))


def padded(text: str, every: int = 3) -> str:
    """A filler word after every `every` words."""
    out = []
    for i, word in enumerate(text.split(), 1):
        out.append(word)
        if i % every == 0:
            out.append(FILLERS[(i // every) % len(FILLERS)])
    return " ".join(out)


def fitted_lessons(curriculum: Curriculum) -> Iterator[tuple[str, Lesson]]:
    """Every lesson, and each of its variants as the learner of that occupation meets it."""
    for lesson in curriculum.lessons:
        yield lesson.id, lesson
        for occupation in lesson.variants:
            yield f"{lesson.id}/{occupation}", lesson.fitted(occupation)


def variants(curriculum: Curriculum, lesson: Lesson) -> Iterator[tuple[str, str]]:
    """(kind, text) for each no-effort submission to `lesson`."""
    yield "keyword_list", keyword_list(lesson)
    yield "keywords_in_nonsense", keywords_in_nonsense(lesson)
    yield "padded_exemplary", padded(lesson.rubric.exemplary)
    yield "padded_example", padded(lesson.example.answer)
    others = [
        x for x in curriculum.lessons if x.id != lesson.id.split("/")[0] and x.id != lesson.id
    ]
    other = others[(len(lesson.id) * 7) % len(others)]
    yield "other_exemplary", other.rubric.exemplary
    yield "generic", GENERIC
