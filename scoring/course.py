"""What the rules know about the whole course: every lesson's exemplary answers and its vocabulary.

A submission is compared with the exemplars of EVERY lesson and variant (an exemplary answer copied
from another lesson is no work of one's own), and its words with the vocabulary of its lesson, weighed
by how few lessons use a word (a word all lessons share says nothing about the topic).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from lessons.model import Lesson, Rubric
from scoring.fingerprint import content_tokens, source_grams


def rubrics_of(lesson: Lesson) -> list[tuple[str, Rubric, str]]:
    """(owner, rubric, worked-example answer) for the lesson and each of its variants."""
    out = [(lesson.id, lesson.rubric, lesson.example.answer)]
    for occupation, variant in lesson.variants.items():
        out.append((f"{lesson.id}/{occupation}", variant.rubric, variant.example.answer))
    return out


def lesson_words(lesson: Lesson) -> str:
    """Everything written for one lesson (and its variants): its topic vocabulary."""
    parts = [
        lesson.title,
        *lesson.content,
        *lesson.objectives,
        lesson.example.prompt,
        lesson.example.answer,
        lesson.practice.task,
        lesson.practice.submit,
    ]
    for _, rubric, answer in rubrics_of(lesson):
        parts += [rubric.exemplary, rubric.reference, rubric.weak, answer]
        parts += [c.title + " " + c.judge + " " + " ".join(c.keywords) for c in rubric.criteria]
    for variant in lesson.variants.values():
        parts += [variant.practice.task, variant.practice.submit, variant.example.prompt]
    return "\n".join(parts)


@lru_cache(maxsize=8192)
def _lesson_of(owner: str) -> str:
    """ "l1-01/farmer#example" -> "l1-01"."""
    return owner.split("/")[0].split("#")[0]


@dataclass
class CourseIndex:
    """Exemplars by owner and document frequencies of content tokens over the course's lessons."""

    exemplars: dict[str, str] = field(default_factory=dict)  # owner -> exemplary + reference
    df: Counter[str] = field(default_factory=Counter)
    lessons: int = 0
    # Pairs of neighbouring content tokens anywhere in the course: Vietnamese words are mostly two
    # syllables, so these are its words ("khach hang", "bang tinh"), not the syllables they share.
    bigrams: set[tuple[str, str]] = field(default_factory=set)
    # Skip-pair -> the exemplars holding it: one pass over a submission's pairs finds the best match
    # among all exemplars instead of a set intersection with each.
    owners: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, lessons: Iterable[Lesson]) -> CourseIndex:
        index = cls()
        for lesson in lessons:
            index.lessons += 1
            words = content_tokens(lesson_words(lesson))
            index.df.update(set(words))
            index.bigrams.update(itertools.pairwise(words))
            for owner, rubric, answer in rubrics_of(lesson):
                index.exemplars[owner] = "\n".join([rubric.exemplary, rubric.reference])
                index.exemplars[owner + "#example"] = answer
        for owner, text in index.exemplars.items():
            for gram in source_grams(text):
                index.owners.setdefault(gram, []).append(owner)
        return index

    def best_other(self, lesson_id: str, grams: set[tuple[str, str]]) -> float:
        """The largest share of `grams` found in any one exemplar written for another lesson."""
        if not grams:
            return 0.0
        # map/filter keep the walk over the pairs in C: this runs for every graded submission.
        hits = Counter(itertools.chain.from_iterable(filter(None, map(self.owners.get, grams))))
        best = max((n for owner, n in hits.items() if _lesson_of(owner) != lesson_id), default=0)
        return best / len(grams)

    def idf(self, token: str) -> float:
        """Rarer across lessons weighs more; a token in every lesson weighs ~0."""
        n = max(1, self.lessons)
        return math.log((n + 1) / (self.df.get(token, 0) + 1))

    def others(self, lesson_id: str) -> list[tuple[str, str]]:
        """Every exemplar not written for this lesson (nor for one of its variants)."""
        return [
            (owner, text)
            for owner, text in self.exemplars.items()
            if owner.split("/")[0].split("#")[0] != lesson_id
        ]


@lru_cache(maxsize=1)
def default_course() -> CourseIndex:
    """The built-in curriculum's index, built once per process (about 60 lessons, ~50 ms)."""
    from lessons.loader import load_curriculum  # the core reads lesson files only here, lazily

    curriculum, _ = load_curriculum()
    return CourseIndex.build(curriculum.lessons)
