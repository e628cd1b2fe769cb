"""Agreement between the grading pipeline and human scores, on public datasets and our own dev set.

Pure: the datasets come in as text or parsed YAML, the grades as numbers. Plain Python (no numpy), so
that the core stays light; the full Mohler file takes a few seconds.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lessons.model import Lesson
from scoring.rules import RuleOptions
from scoring.similarity import content_tokens, stem

ENGLISH = RuleOptions(
    language="en", check_language=False, reference_visible=False, check_lesson_copy=False
)
# The ad-hoc rubric's three criteria need these shares of the reference's content words: a concave
# coverage curve, so the first key ideas count most (partial answers earn partial marks).
COVERAGE_STEPS = ((34, 0.25), (33, 0.5), (33, 0.75))
ASAG_MIN_WORDS = 1  # a one-word answer is capped at half marks

# Published figures the README gives for the Mohler file.
MOHLER_HUMANS = {"pearson": 0.597, "rmse": 1.31, "exact": 0.556, "within_one": 0.794}
MOHLER_BEST_CLASSIC = {"pearson": 0.592, "rmse": 0.887, "system": "Sultan et al. 2016"}
MOHLER_MEAN_RMSE = 1.107


@dataclass(frozen=True)
class AsagItem:
    """One human-scored answer from a public short-answer dataset."""

    qid: str
    question: str
    references: tuple[str, ...]
    answer: str
    score: float  # Mohler: 0-5 average of two graders; SemEval: 1 correct, 0 incorrect
    group: str = ""  # SemEval: "corpus/split"
    graders: tuple[float, ...] = ()  # Mohler: each grader's own score (score_me, score_other)


@dataclass(frozen=True)
class DevItem:
    """One submission of the Vietnamese dev set, with the score agreed from the rubric."""

    id: str
    lesson: str
    text: str
    score: int
    why: str
    kind: str = ""
    flags: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()  # ids of other items whose text counts as earlier peers' work


# ---- metrics ----------------------------------------------------------------------------------


def mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson's r; 0 when either side is constant."""
    mx, my = mean(xs), mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sxy / (sx * sy) if sx and sy else 0.0


def rmse(xs: Sequence[float], ys: Sequence[float]) -> float:
    return math.sqrt(mean([(x - y) ** 2 for x, y in zip(xs, ys, strict=True)]))


def mae(xs: Sequence[float], ys: Sequence[float]) -> float:
    return mean([abs(x - y) for x, y in zip(xs, ys, strict=True)])


def within(xs: Sequence[float], ys: Sequence[float], tolerance: float) -> float:
    """Share of pairs no further apart than `tolerance`."""
    return mean(
        [1.0 if abs(x - y) <= tolerance + 1e-9 else 0.0 for x, y in zip(xs, ys, strict=True)]
    )


def half_up(x: float) -> int:
    """Round half up (2.5 -> 3), unlike Python's round-half-even."""
    return math.floor(x + 0.5)


def quadratic_kappa(xs: Sequence[int], ys: Sequence[int], low: int, high: int) -> float:
    """Cohen's kappa with quadratic weights on the integer scale low..high."""
    n = high - low + 1
    observed = [[0.0] * n for _ in range(n)]
    for x, y in zip(xs, ys, strict=True):
        observed[x - low][y - low] += 1
    total = len(xs)
    if not total:
        return 0.0
    row = [sum(r) for r in observed]
    col = [sum(observed[i][j] for i in range(n)) for j in range(n)]
    num = den = 0.0
    for i in range(n):
        for j in range(n):
            weight = (i - j) ** 2 / (n - 1) ** 2
            num += weight * observed[i][j]
            den += weight * row[i] * col[j] / total
    return 1.0 - num / den if den else 0.0


def accuracy(truth: Sequence[int], pred: Sequence[int]) -> float:
    return mean([1.0 if t == p else 0.0 for t, p in zip(truth, pred, strict=True)])


def macro_f1(truth: Sequence[int], pred: Sequence[int]) -> float:
    """Unweighted mean of the F1 of each class present in the truth or the predictions."""
    scores = []
    for label in sorted(set(truth) | set(pred)):
        tp = sum(1 for t, p in zip(truth, pred, strict=True) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, pred, strict=True) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, pred, strict=True) if t == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return mean(scores)


def regression_report(truth: Sequence[float], pred: Sequence[float]) -> dict[str, float]:
    """Mohler figures: r and RMSE on 0-5, then exact, within-one and QWK on whole points.

    Whole points because the two human graders scored in whole points, which is what their published
    55.6% exact and 79.4% within-one compare; both sides are rounded half up.
    """
    t_int = [half_up(t) for t in truth]
    p_int = [min(5, max(0, half_up(p))) for p in pred]
    return {
        "n": len(truth),
        "pearson": round(pearson(truth, pred), 4),
        "rmse": round(rmse(truth, pred), 4),
        "qwk": round(quadratic_kappa(t_int, p_int, 0, 5), 4),
        "exact": round(accuracy(t_int, p_int), 4),
        "within_one": round(within(t_int, p_int, 1), 4),
    }


def by_grader(items: Sequence[AsagItem], pred: Sequence[float]) -> dict[str, object]:
    """Like for like: the pipeline against each single grader, and the graders against each other.

    The mean of two graders is smoother than either, so r against the mean is higher than against
    a person; the humans' own agreement (one grader against the other) is the fair comparison.
    """
    names = ("grader_1", "grader_2")
    out: dict[str, object] = {}
    if not items or len(items[0].graders) < 2:
        return out
    for i, name in enumerate(names):
        truth = [it.graders[i] for it in items]
        out[name] = {"pearson": round(pearson(truth, pred), 4), "rmse": round(rmse(truth, pred), 4)}
    first = [it.graders[0] for it in items]
    second = [it.graders[1] for it in items]
    out["humans"] = {
        "pearson": round(pearson(first, second), 4),
        "rmse": round(rmse(first, second), 4),
    }
    return out


def classification_report(truth: Sequence[int], pred: Sequence[int]) -> dict[str, float]:
    return {
        "n": len(truth),
        "accuracy": round(accuracy(truth, pred), 4),
        "macro_f1": round(macro_f1(truth, pred), 4),
    }


def best_threshold(scores: Sequence[float], truth: Sequence[int]) -> float:
    """The cut (score >= cut means correct) with the best macro F1 on these items."""
    best, best_f1 = 50.0, -1.0
    for cut in sorted(set(scores)):
        f1 = macro_f1(truth, [1 if s >= cut else 0 for s in scores])
        if f1 > best_f1:
            best, best_f1 = cut, f1
    return best


def fit_line(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope and intercept of ys on xs."""
    mx, my = mean(xs), mean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return slope, my - slope * mx


def calibrated_by_question(
    items: Sequence[AsagItem], pred: Sequence[float], folds: int = 5
) -> list[float]:
    """Predictions mapped to the human scale by a line fitted on the *other* questions' items.

    Questions are split into folds, so that no answer's own question (or its human scores) takes
    part in the line that maps it: an honest 0-5 scale for RMSE; Pearson is unchanged by it.
    """
    questions = sorted({it.qid for it in items})
    fold_of = {q: i % folds for i, q in enumerate(questions)}
    out = [0.0] * len(items)
    for f in range(folds):
        train = [i for i, it in enumerate(items) if fold_of[it.qid] != f]
        slope, intercept = fit_line([pred[i] for i in train], [items[i].score for i in train])
        for i, it in enumerate(items):
            if fold_of[it.qid] == f:
                out[i] = min(5.0, max(0.0, slope * pred[i] + intercept))
    return out


# ---- datasets ---------------------------------------------------------------------------------


def parse_mohler(text: str) -> tuple[list[AsagItem], int]:
    """Mohler rows, and how many were skipped (the spreadsheet artefact "#NAME?" as the answer)."""
    items, skipped = [], 0
    for row in csv.DictReader(io.StringIO(text)):
        answer = (row.get("student_answer") or "").strip()
        if not answer or answer == "#NAME?":
            skipped += 1
            continue
        items.append(
            AsagItem(
                qid=row["id"].strip(),
                question=row["question"].strip(),
                references=(row["desired_answer"].strip(),),
                answer=answer,
                score=float(row["score_avg"]),
                graders=tuple(float(row[k]) for k in ("score_me", "score_other") if row.get(k)),
            )
        )
    return items, skipped


def parse_semeval(text: str) -> list[AsagItem]:
    """SemEval-2013 Task 7 two-way rows; `score` is 1 for "correct"."""
    items = []
    for row in csv.DictReader(io.StringIO(text)):
        refs = tuple(r.strip() for r in row["reference_answers"].split("|||") if r.strip())
        items.append(
            AsagItem(
                qid=row["question_id"].strip(),
                question=row["question"].strip(),
                references=refs,
                answer=row["student_answer"].strip(),
                score=1.0 if row["label_2way"].strip() == "correct" else 0.0,
                group=f"{row['corpus']}/{row['split']}",
            )
        )
    return items


def parse_devset(data: object) -> list[DevItem]:
    """The dev set as loaded from YAML: a mapping with an `items` list."""
    raw = data.get("items") if isinstance(data, Mapping) else None
    if not isinstance(raw, list):
        raise ValueError("the dev set needs an 'items' list")
    items = []
    for entry in raw:
        items.append(
            DevItem(
                id=str(entry["id"]),
                lesson=str(entry["lesson"]),
                text=str(entry.get("text") or ""),
                score=int(entry["score"]),
                why=str(entry.get("why", "")),
                kind=str(entry.get("kind", "")),
                flags=tuple(entry.get("flags") or ()),
                peers=tuple(entry.get("peers") or ()),
            )
        )
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        raise ValueError("dev set ids repeat")
    return items


# ---- ad-hoc rubrics for the English datasets ----------------------------------------------------

_SLUG = re.compile(r"[^a-z0-9]+")


def rubric_keywords(question: str, reference: str) -> tuple[str, ...]:
    """The reference's content words, minus those the question already gives away.

    Words of the question are dropped ("question demoting"): restating the question is no answer.
    """
    asked = set(content_tokens(question, "en"))
    words = []
    seen: set[str] = set()
    for word in re.findall(r"[^\W_]+", reference.lower()):
        key = stem(word)
        if key in seen or key not in content_tokens(word, "en"):
            continue
        seen.add(key)
        words.append(word)
    kept = [w for w in words if stem(w) not in asked]
    return tuple(kept if len(kept) >= 2 else words or reference.lower().split()[:3])


def adhoc_lesson(
    qid: str, question: str, reference: str, index: int = 0, alternatives: Sequence[str] = ()
) -> Lesson:
    """A lesson around one English question, its rubric built from the reference answer.

    `alternatives` (other acceptable answers) go into the reference text a model reads; the rules'
    keywords come from `reference` alone.
    """
    keywords = rubric_keywords(question, reference)
    n = len(keywords)
    criteria = [
        {
            "id": f"key_ideas_{i + 1}",
            "title": f"Covers {int(share * 100)}% of the key ideas",
            "weight": weight,
            "keywords": list(keywords),
            "need": max(1, min(n, math.ceil(share * n))),
            "judge": "The answer states the ideas of the reference answer in its own words.",
        }
        for i, (weight, share) in enumerate(COVERAGE_STEPS)
    ]
    padded_ref = reference if len(reference) >= 20 else (reference + " " * 20)[:20] + "."
    slug = _SLUG.sub("-", f"asag-{qid}-{index}".lower()).strip("-")[:40]
    quiz_item = {
        "question": "Placeholder question",
        "options": ["a", "b", "c", "d"],
        "answer": "A",
        "explanation": "Not used by the evaluation.",
    }
    return Lesson.model_validate(
        {
            "id": slug,
            "level": 1,
            "order": 1,
            "title": (question[:110] or "Question").ljust(5, "."),
            "objectives": ["Answer the question.", "Use the course's terms."],
            "minutes": 10,
            "content": [question or "Question"],
            # The learner saw the question only: the example must not leak the reference answer,
            # or a right answer would count as a copy of the lesson.
            "example": {"prompt": "Read the question.", "answer": "Write your answer."},
            "practice": {
                "task": "Answer this question in a few sentences: " + question,
                "submit": "Your answer, in your own words.",
                "minutes": 5,
            },
            "rubric": {
                "min_words": ASAG_MIN_WORDS,
                "max_words": 400,
                "criteria": criteria,
                "reference": "\n".join([reference, *(f"Also right: {a}" for a in alternatives)]),
                "exemplary": padded_ref,
                "weak": "I do not know.",
            },
            "quiz": [quiz_item, quiz_item, quiz_item],
        }
    )


def to_five(score: int | float) -> float:
    """The pipeline's 0-100 onto Mohler's 0-5, linearly."""
    return max(0.0, min(5.0, score / 20))


# ---- the dev set --------------------------------------------------------------------------------


@dataclass
class DevResult:
    """The dev set's agreement: the headline numbers and the items furthest off."""

    n: int
    pearson: float
    mae: float
    within_10: float
    flag_recall: dict[str, float] = field(default_factory=dict)
    false_flags: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, float] = field(default_factory=dict)
    worst: list[dict[str, object]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "pearson": self.pearson,
            "mae": self.mae,
            "within_10": self.within_10,
            "flag_recall": self.flag_recall,
            "false_flags": self.false_flags,
            "mae_by_kind": self.by_kind,
            "worst": self.worst,
        }


def dev_report(
    items: Sequence[DevItem],
    scores: Sequence[int],
    flags: Sequence[Sequence[str]],
    watched: Sequence[str] = (
        "injection",
        "copied_lesson",
        "copied_exemplary",
        "copied_peer",
        "empty",
        "not_vietnamese",
        "invisible_chars",
    ),
) -> DevResult:
    """How close the grades come to the agreed scores, and whether the expected flags were raised."""
    truth = [float(it.score) for it in items]
    pred = [float(s) for s in scores]
    expected: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for item, got in zip(items, flags, strict=True):
        for flag in watched:
            if flag in item.flags:
                expected[flag] += 1
                caught[flag] += flag in got
            elif flag in got:
                false[flag] += 1
    kinds: dict[str, list[float]] = {}
    for item, p in zip(items, pred, strict=True):
        kinds.setdefault(item.kind or "-", []).append(abs(p - item.score))
    off = sorted(zip(items, pred, strict=True), key=lambda ip: -abs(ip[1] - ip[0].score))[:8]
    return DevResult(
        n=len(items),
        pearson=round(pearson(truth, pred), 4),
        mae=round(mae(truth, pred), 2),
        within_10=round(within(truth, pred, 10), 4),
        flag_recall={f: round(caught[f] / expected[f], 3) for f in sorted(expected)},
        false_flags=dict(sorted(false.items())),
        by_kind={k: round(mean(v), 1) for k, v in sorted(kinds.items())},
        worst=[{"id": it.id, "agreed": it.score, "got": round(p)} for it, p in off],
    )
