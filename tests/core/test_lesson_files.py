"""The lesson format's checks: each broken file is reported with its path and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lessons.check import report
from lessons.loader import BUILTIN_DIR, load_curriculum, load_lesson_file

SAMPLE = BUILTIN_DIR / "level1" / "01-hoi-ai-dung-cach.yaml"


def mutated(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "lesson.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _set(path: str, value: object):  # type: ignore[no-untyped-def]
    def change(data: dict) -> None:  # type: ignore[type-arg]
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("title", _DELETE), "title: Field required"),
        (_set("minutes", 20), "minutes"),
        (_set("practice.minutes", 14), "about"),
        (_set("content.0", "Dài quá. " * 250), "characters; the limit is 1800"),
        (_set("quiz.0.answer", "A,B"), "exactly one of A, B, C, D"),
        (_set("quiz.0.answer", None), "exactly one of A, B, C, D"),
        (_set("rubric.criteria.0.weight", 30), "sum to 105"),
        (
            _set("content.1", "Day la noi dung khong co dau nao ca, nguoi hoc se kho doc."),
            "no Vietnamese diacritics",
        ),
        (_set("content.1", "Đây là <b>chữ đậm</b> của bài."), "an HTML tag"),
        (_set("content.1", "Đây là **chữ đậm** của bài."), "Markdown"),
        (_set("quiz.1.options", ["Một", "Hai", "Ba"]), "quiz.1.options"),
        (_set("kind", "capstone"), "passing_score"),
    ],
)
def test_broken_lesson_is_rejected_with_a_reason(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    lesson, problems = load_lesson_file(mutated(tmp_path, change))
    assert lesson is None
    assert any(message in p.message for p in problems), problems
    assert all(p.line >= 1 and p.path.endswith("lesson.yaml") for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nlevel: 1\ntitle: [unclosed\n", encoding="utf-8")
    _, problems = load_lesson_file(path)
    assert problems and problems[0].line >= 3


def test_field_error_points_at_its_line(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace("minutes: 14", "minutes: 99")
    path = tmp_path / "lesson.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_lesson_file(path)
    line = text.splitlines().index("minutes: 99") + 1
    assert any(p.line == line for p in problems), problems


def test_overrides_replace_and_a_broken_override_leaves_the_rest_working(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace(
        'title: "Hỏi AI đúng cách: vai trò, bối cảnh, nhiệm vụ, định dạng"',
        'title: "Hỏi AI đúng cách (bản của phường)"',
    )
    (tmp_path / "override.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [", encoding="utf-8")
    curriculum, problems = load_curriculum(BUILTIN_DIR, tmp_path)
    assert curriculum.by_id("l1-01-hoi-ai-dung-cach").title == "Hỏi AI đúng cách (bản của phường)"
    assert [p.path for p in problems] == [str(tmp_path / "broken.yaml")]
    assert len(curriculum.lessons) == len(load_curriculum()[0].lessons)


def test_duplicate_ids_and_orders_are_reported(tmp_path: Path) -> None:
    levels = (BUILTIN_DIR / "levels.yaml").read_text(encoding="utf-8")
    (tmp_path / "levels.yaml").write_text(levels, encoding="utf-8")
    text = SAMPLE.read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        text.replace("id: l1-01-hoi-ai-dung-cach", "id: l1-99-khac"), encoding="utf-8"
    )
    result = report(tmp_path)
    errors = "\n".join(result["errors"])  # type: ignore[arg-type]
    assert "already used" in errors and "order 1 is used more than once" in errors


def test_the_shipped_curriculum_passes() -> None:
    result = report()
    assert result["errors"] == []
    assert all(count >= 1 for count in result["levels"].values())  # type: ignore[union-attr]
