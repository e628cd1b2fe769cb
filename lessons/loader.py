"""Read lesson YAML files into a Curriculum, reporting each broken file with its path and line.

A broken file never stops the others from loading: the curriculum is built from what is valid, and
the problems are returned beside it, so a bad instructor override cannot take the bot down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lessons.model import Curriculum, Lesson, Level, MentorRule
from lessons.validate import check_curriculum, check_lesson

BUILTIN_DIR = Path(__file__).parent / "content"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """The 1-based line of the YAML node at a pydantic error location (best effort)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            match = node.value[key]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


# libyaml's parser where the machine has it (about 6x faster on the curriculum); the pure one else.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Lines:
    """The YAML node tree of a file, composed only when a problem needs a line number."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._node: yaml.Node | None = None

    @property
    def node(self) -> yaml.Node | None:
        if self._node is None:
            self._node = yaml.compose(self.text, Loader=_Loader)
        return self._node


def _read_yaml(path: Path) -> tuple[Any, _Lines | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, [Problem(str(path), 1, f"cannot read the file: {exc}")]
    try:
        data = yaml.load(text, Loader=_Loader)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, None, [Problem(str(path), line, f"not valid YAML: {exc}")]
    return data, _Lines(text), []


def _pydantic_problems(path: Path, lines: _Lines | None, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "(file)"
        out.append(
            Problem(
                str(path), _line_of(lines.node if lines else None, loc), f"{where}: {err['msg']}"
            )
        )
    return out


def load_lesson_file(path: Path) -> tuple[Lesson | None, list[Problem]]:
    data, lines, problems = _read_yaml(path)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(str(path), 1, "a lesson file must be a mapping of fields")]
    try:
        lesson = Lesson.model_validate(data)
    except ValidationError as exc:
        return None, _pydantic_problems(path, lines, exc)
    found = [
        Problem(str(path), _line_of(lines.node if lines else None, loc), message)
        for loc, message in check_lesson(lesson)
    ]
    return (None if found else lesson), found


def load_levels(path: Path) -> tuple[tuple[Level, ...], list[Problem]]:
    data, lines, problems = _read_yaml(path)
    if problems:
        return (), problems
    raw = data.get("levels") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return (), [Problem(str(path), 1, "levels.yaml needs a 'levels' list")]
    levels, out = [], []
    for i, item in enumerate(raw):
        try:
            levels.append(Level.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ("levels", i, *err["loc"])
                out.append(
                    Problem(
                        str(path), _line_of(lines.node if lines else None, loc), f"{err['msg']}"
                    )
                )
    return tuple(levels), out


def load_mentor_rule(path: Path) -> tuple[MentorRule, list[Problem]]:
    """The `mentors:` block of levels.yaml; the defaults when it is absent."""
    data, lines, problems = _read_yaml(path)
    raw = data.get("mentors") if isinstance(data, dict) else None
    if problems or raw is None:
        return MentorRule(), problems
    try:
        return MentorRule.model_validate(raw), []
    except ValidationError as exc:
        return MentorRule(), [
            Problem(
                str(path),
                _line_of(lines.node if lines else None, ("mentors", *err["loc"])),
                f"mentors: {err['msg']}",
            )
            for err in exc.errors()
        ]


def lesson_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.y*ml") if p.name != "levels.yaml")


def load_curriculum(
    directory: Path = BUILTIN_DIR, overrides: Path | None = None
) -> tuple[Curriculum, list[Problem]]:
    """Load the curriculum from `directory`, then let files in `overrides` add or replace lessons."""
    problems: list[Problem] = []
    levels_path = directory / "levels.yaml"
    if not levels_path.exists() and directory != BUILTIN_DIR:
        levels_path = BUILTIN_DIR / "levels.yaml"
    levels, found = load_levels(levels_path)
    problems += found
    mentor_rule, found = load_mentor_rule(levels_path)
    problems += [p for p in found if p.message.startswith("mentors:")]

    by_id: dict[str, Lesson] = {}
    where: dict[str, Path] = {}
    for folder in [directory, overrides] if overrides else [directory]:
        if not folder.is_dir():
            problems.append(Problem(str(folder), 1, "the lesson folder does not exist"))
            continue
        for path in lesson_files(folder):
            lesson, found = load_lesson_file(path)
            problems += found
            if lesson is None:
                continue
            if lesson.id in by_id and folder == directory:
                problems.append(
                    Problem(str(path), 1, f"id {lesson.id} is already used by {where[lesson.id]}")
                )
                continue
            by_id[lesson.id] = lesson  # an override replaces the built-in lesson of that id
            where[lesson.id] = path

    lessons = sorted(by_id.values(), key=lambda ls: (ls.level, ls.kind == "capstone", ls.order))
    curriculum = Curriculum(levels=levels, lessons=tuple(lessons), mentor_rule=mentor_rule)
    for lesson_id, message in check_curriculum(curriculum):
        source = str(where.get(lesson_id, levels_path)) if lesson_id else str(levels_path)
        problems.append(Problem(source, 1, message))
    return curriculum, problems
