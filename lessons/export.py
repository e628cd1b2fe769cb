"""The curriculum as rows for a subject-matter reviewer's sheet: one row per lesson and variant.

Pure data (no spreadsheet library here); `bot/lessons_export.py` writes the rows as .xlsx.
"""

from __future__ import annotations

from lessons.model import QUIZ_LETTERS, Curriculum, Lesson

# (key, header) in sheet order; the last two are left empty for the reviewer to fill in.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "Mã bài (id)"),
    ("level", "Cấp độ"),
    ("order", "Thứ tự"),
    ("title", "Tên bài"),
    ("occupation", "Dành cho (nghề)"),
    ("objectives", "Mục tiêu"),
    ("content", "Nội dung bài"),
    ("example", "Ví dụ mẫu"),
    ("practice", "Bài thực hành"),
    ("rubric", "Tiêu chí chấm"),
    ("quiz", "Câu hỏi trắc nghiệm"),
    ("review_status", "Trạng thái duyệt"),
    ("review_by_person", "Người duyệt"),
    ("review_on", "Ngày duyệt"),
    ("review_due", "Cần xem lại trước ngày"),
    ("comments", "Nhận xét"),
    ("agree", "Đồng ý (Có/Không)"),
)

# How the sheet names each occupation (the onboarding's words); "" is the lesson's main practice.
OCCUPATION_NAMES = {
    "": "Mọi người (bài chính)",
    "official": "Cán bộ, công chức",
    "business": "Chủ hộ kinh doanh",
    "worker": "Công nhân, người lao động",
    "farmer": "Nông dân",
    "student": "Học sinh, sinh viên",
    "other": "Nghề khác",
}


def _quiz(lesson: Lesson) -> str:
    blocks = []
    for n, q in enumerate(lesson.quiz, start=1):
        options = "\n".join(f"   {QUIZ_LETTERS[i]}. {o}" for i, o in enumerate(q.options))
        blocks.append(f"{n}. {q.question}\n{options}\n   Đáp án: {q.answer}. {q.explanation}")
    return "\n\n".join(blocks)


def _row(lesson: Lesson, occupation: str) -> dict[str, str | int]:
    fitted = lesson.fitted(occupation or None)
    practice, rubric = fitted.practice, fitted.rubric
    criteria = "\n".join(
        f"• {c.title} ({c.weight} điểm): {c.judge}"
        + (f" [từ khóa: {', '.join(c.keywords)}]" if c.keywords else "")
        for c in rubric.criteria
    )
    review = lesson.review
    return {
        "id": lesson.id,
        "level": lesson.level,
        "order": lesson.order,
        "title": lesson.title,
        "occupation": OCCUPATION_NAMES.get(occupation, occupation),
        "objectives": "\n".join(f"• {o}" for o in lesson.objectives),
        "content": "\n\n".join(part.strip() for part in lesson.content),
        "example": f"Câu lệnh: {fitted.example.prompt.strip()}\n\n"
        f"Kết quả tốt: {fitted.example.answer.strip()}",
        "practice": f"{practice.task.strip()}\n\nGửi lại: {practice.submit.strip()}\n"
        f"({practice.minutes} phút)",
        "rubric": f"{criteria}\nĐộ dài: {rubric.min_words}-{rubric.max_words} chữ.",
        "quiz": _quiz(lesson),
        "review_status": "Đã duyệt" if review.status == "reviewed" else "Bản nháp",
        "review_by_person": review.by,
        "review_on": review.on.isoformat() if review.on else "",
        "review_due": lesson.review_by.isoformat() if lesson.review_by else "",
        "comments": "",
        "agree": "",
    }


def review_rows(curriculum: Curriculum) -> list[dict[str, str | int]]:
    """Every lesson's main practice, then each of its occupation variants, in curriculum order."""
    rows = []
    for lesson in curriculum.lessons:
        rows.append(_row(lesson, ""))
        rows += [_row(lesson, occupation) for occupation in lesson.variants]
    return rows
