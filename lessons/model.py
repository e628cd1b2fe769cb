"""The lesson format: what an instructor writes in a YAML file, as typed, validated models."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LEVELS = (1, 2, 3, 4, 5)
MAX_MESSAGE_CHARS = 1800
MAX_LESSON_MINUTES = 15
MAX_CAPSTONE_MINUTES = 45
QUIZ_LETTERS = "ABCD"
DEFAULT_PASS_MARK = 60  # a lesson's pass mark when neither its file nor its level names one

# The occupations asked at onboarding; a lesson's practice may have a variant for each.
OCCUPATIONS = ("official", "business", "worker", "farmer", "student", "other")
Occupation = Literal["official", "business", "worker", "farmer", "student", "other"]

# What a real answer to a practice contains, in the learner's own sentences. The rules grader
# checks this shape (not the rubric's keywords alone), so a bare keyword list cannot pass.
#   prompt     a prompt the learner wrote to an AI tool (role, task, format: "Bạn là..., hãy viết...")
#   ai_output  what the AI tool answered (pasted or summarised)
#   own_check  the learner's own check of the AI's answer (what is right, wrong, changed, and why)
#   steps      an ordered plan or process (bước 1, 2, 3...; trước, sau đó, cuối cùng)
#   draft      a finished piece of writing in full sentences (a notice, message, post, letter)
#   list       several items listed (ideas, questions, criteria); listing is asked for here
#   table      rows and columns, a formula or figures
#   reasons    explanations that give reasons (vì, nên, do đó, để)
AnswerPart = Literal[
    "prompt", "ai_output", "own_check", "steps", "draft", "list", "table", "reasons"
]


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
    expects: tuple[AnswerPart, ...] = Field(
        default=(), description="the parts a real answer contains, checked by the rules grader"
    )


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
    """Who checked the lesson, when, and what they looked at (accuracy, plain language, safety).

    `status: reviewed` with no `by` means a helper or an engineer checked it, not a subject-matter
    person: `hocai lessons check` lists those as not yet reviewed by a person.
    """

    status: Literal["draft", "reviewed"] = "draft"
    by: str = ""
    on: date | None = None
    notes: str = ""

    @property
    def by_person(self) -> bool:
        return self.status == "reviewed" and bool(self.by.strip())


class Variant(_Strict):
    """The practice fitted to one occupation: its own worked example, task and rubric.

    Graded on the same 0-100 scale as the main practice; the lesson's content and quiz are shared.
    """

    example: Example
    practice: Practice
    rubric: Rubric


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
    pass_mark: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="confirmed practice score that passes the lesson; default from levels.yaml",
    )
    review: Review = Review()
    review_by: date | None = Field(
        default=None, description="facts here go stale (prices, laws, tool names): recheck by then"
    )
    variants: dict[Occupation, Variant] = Field(default_factory=dict)

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

    def for_occupation(self, occupation: str | None) -> tuple[Example, Practice, Rubric]:
        """The worked example, practice and rubric this learner sees (their variant, if any)."""
        variant = next((v for k, v in self.variants.items() if k == occupation), None)
        if variant is None:
            return self.example, self.practice, self.rubric
        return variant.example, variant.practice, variant.rubric

    def fitted(self, occupation: str | None) -> Lesson:
        """This lesson as one learner meets it: their variant's example, practice and rubric.

        Graders and renderers take the fitted lesson, so a variant is graded by its own rubric.
        """
        example, practice, rubric = self.for_occupation(occupation)
        if practice is self.practice:
            return self
        return self.model_copy(
            update={"example": example, "practice": practice, "rubric": rubric, "variants": {}}
        )


class Certificate(_Strict):
    """The passing rule for a level certificate."""

    min_lessons: int = Field(ge=1)
    lesson_pass_mark: int = Field(
        default=DEFAULT_PASS_MARK,
        ge=1,
        le=100,
        description="a lesson's pass mark when its file names none",
    )
    min_average_score: int = Field(ge=0, le=100)
    capstone_passing_score: int = Field(ge=1, le=100)


class Level(_Strict):
    number: int = Field(ge=1, le=5)
    title: str
    description: str
    certificate: Certificate


class MentorRule(_Strict):
    """When a learner is proposed as a mentor (người hướng dẫn); an instructor confirms.

    `level_done`: at least one level finished: its certificate earned (or, for a level whose
    certificate cannot be earned with the lessons there are, every lesson of it completed).
    `teach_back_average`: the average of the learner's best confirmed teach-back scores, over at
    least `min_teach_backs` of them."""

    level_done: bool = True
    teach_back_average: int = Field(default=80, ge=0, le=100)
    min_teach_backs: int = Field(default=3, ge=0, le=50)


class Curriculum(_Strict):
    """All levels and lessons, in the order a learner meets them."""

    levels: tuple[Level, ...]
    lessons: tuple[Lesson, ...]
    mentor_rule: MentorRule = MentorRule()

    def by_id(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def level(self, number: int) -> Level | None:
        return next((lv for lv in self.levels if lv.number == number), None)

    def of_level(self, number: int) -> tuple[Lesson, ...]:
        return tuple(lesson for lesson in self.lessons if lesson.level == number)

    def pass_mark(self, lesson: Lesson) -> int:
        """The confirmed practice score that passes this lesson: the file's own `pass_mark`, a
        capstone's `passing_score`, else the level's `lesson_pass_mark` from levels.yaml."""
        if lesson.pass_mark is not None:
            return lesson.pass_mark
        if lesson.is_capstone and lesson.passing_score is not None:
            return lesson.passing_score
        level = self.level(lesson.level)
        return level.certificate.lesson_pass_mark if level else DEFAULT_PASS_MARK
