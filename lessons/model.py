"""The lesson format: what an instructor writes in a YAML file, as typed, validated models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LEVELS = (1, 2, 3, 4, 5)
MAX_MESSAGE_CHARS = 1800
MAX_LESSON_MINUTES = 15
MAX_CAPSTONE_MINUTES = 45
QUIZ_LETTERS = "ABCD"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Example(_Strict):
    """A worked example: the prompt to type and what a good answer looks like."""

    prompt: str = Field(min_length=10)
    answer: str = Field(min_length=10)


class Practice(_Strict):
    task: str = Field(min_length=20)
    submit: str = Field(min_length=10, description="exactly what the learner sends back")
    minutes: int = Field(ge=1, le=MAX_CAPSTONE_MINUTES)
    tools: tuple[str, ...] = ("ChatGPT", "Gemini", "Copilot", "Meta AI")


class Criterion(_Strict):
    """One rubric line. `keywords` is what rules can check; `judge` is for a person or a model."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    title: str
    weight: int = Field(ge=1, le=100)
    keywords: tuple[str, ...] = ()
    need: int = Field(default=1, ge=1, description="distinct keywords needed for full marks")
    judge: str = Field(min_length=5)

    @model_validator(mode="after")
    def _need_fits(self) -> Criterion:
        if self.keywords and self.need > len(self.keywords):
            raise ValueError(f"need={self.need} but only {len(self.keywords)} keywords")
        return self


class Rubric(_Strict):
    min_words: int = Field(ge=0)
    max_words: int = Field(ge=1)
    criteria: tuple[Criterion, ...] = Field(min_length=3, max_length=5)
    reference: str = Field(default="", description="a model answer for the grader")
    exemplary: str = Field(min_length=20)
    weak: str = Field(min_length=5)

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        total = sum(c.weight for c in self.criteria)
        if total != 100:
            raise ValueError(f"criterion weights sum to {total}, not 100")
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("criterion ids repeat")
        if self.min_words > self.max_words:
            raise ValueError("min_words is larger than max_words")
        return self


class QuizQuestion(_Strict):
    question: str = Field(min_length=5)
    options: tuple[str, str, str, str]
    answer: str = Field(description="the one right option: A, B, C or D")
    explanation: str = Field(min_length=5)

    @field_validator("answer", mode="before")
    @classmethod
    def _one_letter(cls, value: object) -> str:
        if not isinstance(value, str) or value.strip().upper() not in QUIZ_LETTERS:
            raise ValueError("answer must be exactly one of A, B, C, D")
        return value.strip().upper()

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: tuple[str, ...]) -> tuple[str, ...]:
        if len({o.strip().lower() for o in options}) != len(options):
            raise ValueError("two options are the same")
        if any(not o.strip() for o in options):
            raise ValueError("an option is empty")
        return options

    @property
    def answer_index(self) -> int:
        return QUIZ_LETTERS.index(self.answer)


class Review(_Strict):
    """Who checked the lesson and what they looked at (accuracy, plain language, safety)."""

    status: Literal["draft", "reviewed"] = "draft"
    notes: str = ""


class Lesson(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,39}$")
    level: int = Field(ge=1, le=5)
    order: int = Field(ge=1, le=99)
    kind: Literal["lesson", "capstone"] = "lesson"
    title: str = Field(min_length=5, max_length=120)
    objectives: tuple[str, ...] = Field(min_length=2, max_length=3)
    minutes: int = Field(ge=1, le=MAX_CAPSTONE_MINUTES)
    content: tuple[str, ...] = Field(min_length=1, max_length=3)
    example: Example
    practice: Practice
    rubric: Rubric
    quiz: tuple[QuizQuestion, ...] = Field(min_length=3, max_length=3)
    teach_back: str = ""
    passing_score: int | None = Field(default=None, ge=1, le=100)
    review: Review = Review()

    @model_validator(mode="after")
    def _capstone_has_passing_score(self) -> Lesson:
        if self.kind == "capstone" and self.passing_score is None:
            raise ValueError("a capstone needs passing_score")
        return self

    @property
    def quiz_count(self) -> int:
        return len(self.quiz)

    @property
    def is_capstone(self) -> bool:
        return self.kind == "capstone"


class Certificate(_Strict):
    """The passing rule for a level certificate."""

    min_lessons: int = Field(ge=1)
    min_average_score: int = Field(ge=0, le=100)
    capstone_passing_score: int = Field(ge=1, le=100)


class Level(_Strict):
    number: int = Field(ge=1, le=5)
    title: str
    description: str
    certificate: Certificate


class Curriculum(_Strict):
    """All levels and lessons, in the order a learner meets them."""

    levels: tuple[Level, ...]
    lessons: tuple[Lesson, ...]

    def by_id(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def level(self, number: int) -> Level | None:
        return next((lv for lv in self.levels if lv.number == number), None)

    def of_level(self, number: int) -> tuple[Lesson, ...]:
        return tuple(lesson for lesson in self.lessons if lesson.level == number)
