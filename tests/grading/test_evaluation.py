"""Agreement figures, dataset loaders, ad-hoc rubrics, the dev set itself, and the real datasets."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from lessons.model import Curriculum
from scoring import evaluation as ev
from scoring.grading import Work
from scoring.rules import grade_by_rules
from scoring.similarity import tfidf_cosines

DATA = Path(__file__).resolve().parents[1] / "data"
ASAG = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "asag"
MOHLER = ASAG / "mohler_dataset_edited.csv"


@pytest.mark.parametrize(
    ("xs", "ys", "r"),
    [
        ([1, 2, 3], [2, 4, 6], 1.0),
        ([1, 2, 3], [3, 2, 1], -1.0),
        ([1, 2, 3], [5, 5, 5], 0.0),
        ([1, 2, 3, 4], [1, 3, 2, 4], 0.8),
    ],
)
def test_pearson(xs: list[float], ys: list[float], r: float) -> None:
    assert ev.pearson(xs, ys) == pytest.approx(r)


@pytest.mark.parametrize(
    ("xs", "ys", "kappa"),
    [
        ([0, 1, 2, 3], [0, 1, 2, 3], 1.0),
        ([0, 0, 5, 5], [5, 5, 0, 0], -1.0),
        ([0, 1, 2, 3, 4], [0, 1, 2, 3, 3], 16 / 17),  # one near miss: 1 - (1/16) / (17/16)
    ],
)
def test_quadratic_weighted_kappa(xs: list[int], ys: list[int], kappa: float) -> None:
    low, high = min(xs + ys), max(xs + ys)
    assert ev.quadratic_kappa(xs, ys, low, high) == pytest.approx(kappa, abs=1e-4)


@pytest.mark.parametrize(
    ("truth", "pred", "acc", "f1"),
    [
        ([1, 0, 1, 0], [1, 0, 1, 0], 1.0, 1.0),
        ([1, 0, 1, 0], [0, 0, 0, 0], 0.5, 1 / 3),
        ([1, 1, 0, 0], [1, 0, 0, 0], 0.75, (0.8 + 2 / 3) / 2),
    ],
)
def test_accuracy_and_macro_f1(truth: list[int], pred: list[int], acc: float, f1: float) -> None:
    assert ev.accuracy(truth, pred) == pytest.approx(acc)
    assert ev.macro_f1(truth, pred) == pytest.approx(f1)


@pytest.mark.parametrize(("x", "rounded"), [(2.5, 3), (2.49, 2), (4.75, 5), (0.5, 1)])
def test_half_up(x: float, rounded: int) -> None:
    assert ev.half_up(x) == rounded


def test_regression_report_on_whole_points() -> None:
    report = ev.regression_report([5, 4.5, 2.25], [5, 3.6, 2.4])
    assert report["exact"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["within_one"] == 1.0
    assert report["rmse"] == pytest.approx(math.sqrt((0 + 0.81 + 0.0225) / 3), abs=1e-3)


def test_mohler_loader_skips_the_spreadsheet_artefacts() -> None:
    items, skipped = ev.parse_mohler((DATA / "asag_mohler_sample.csv").read_text("utf-8"))
    assert skipped == 1 and len(items) == 5
    assert (
        items[0].qid == "1.1"
        and items[0].score == 4.5
        and items[0].references[0].startswith("A stack")
    )


def test_semeval_loader_splits_references_and_labels() -> None:
    items = ev.parse_semeval((DATA / "asag_semeval_sample.csv").read_text("utf-8"))
    assert len(items) == 6 and items[0].references == (
        "The bulb is in a closed path with the battery",
        "The circuit is closed",
    )
    assert [it.score for it in items[:2]] == [1.0, 0.0] and items[0].group == "beetle/train"


def test_an_adhoc_rubric_rewards_the_reference_ideas_not_the_question() -> None:
    lesson = ev.adhoc_lesson(
        "1.1",
        "What does a stack do?",
        "A stack stores items so that the last item pushed is the first one popped.",
    )
    assert sum(c.weight for c in lesson.rubric.criteria) == 100
    assert "stack" not in lesson.rubric.criteria[0].keywords  # the question's own word
    good = grade_by_rules(
        lesson, Work(text="It stores things; the last pushed is popped first."), ev.ENGLISH
    )
    echo = grade_by_rules(lesson, Work(text="A stack is what a stack does."), ev.ENGLISH)
    assert good.score > 60 > echo.score


def test_tfidf_cosine_is_one_for_the_same_text_and_zero_for_nothing_shared() -> None:
    same, none = tfidf_cosines(
        [("a stack pops", "a stack pops"), ("queue", "tree")], ["a stack pops", "queue", "tree"]
    )
    assert same == pytest.approx(1.0) and none == 0.0


def test_the_dev_set_is_big_enough_and_points_at_real_lessons(curriculum: Curriculum) -> None:
    items = ev.parse_devset(yaml.safe_load((DATA / "grading_devset.yaml").read_text("utf-8")))
    lessons = {it.lesson for it in items}
    assert len(items) >= 80 and len(lessons) >= 8
    assert {curriculum.by_id(lid).level for lid in lessons if curriculum.by_id(lid)} == {
        1,
        2,
        3,
        4,
        5,
    }
    assert all(curriculum.by_id(lid) is not None for lid in lessons)
    assert all(it.why and 0 <= it.score <= 100 for it in items)
    ids = {it.id for it in items}
    assert all(p in ids for it in items for p in it.peers)
    kinds = {it.kind for it in items}
    assert {
        "excellent",
        "empty",
        "off_topic",
        "copied_lesson",
        "copied_peer",
        "injection",
        "no_diacritics",
    } <= kinds


def test_rules_agree_with_the_dev_set(curriculum: Curriculum) -> None:
    items = ev.parse_devset(yaml.safe_load((DATA / "grading_devset.yaml").read_text("utf-8")))
    texts = {it.id: it.text for it in items}
    grades = [
        grade_by_rules(
            curriculum.by_id(it.lesson),
            Work(  # type: ignore[arg-type]
                text=it.text, peers=tuple(texts[p] for p in it.peers)
            ),
        )
        for it in items
    ]
    report = ev.dev_report(items, [g.score for g in grades], [g.flags for g in grades])
    # A floor, not the figure: lesson keywords change as authors edit them. The bench prints it.
    assert report.pearson > 0.75
    assert all(recall == 1.0 for recall in report.flag_recall.values()), report.flag_recall


@pytest.mark.skipif(not MOHLER.exists(), reason=f"the Mohler dataset is not at {MOHLER}")
def test_rules_beat_tfidf_on_mohler() -> None:
    items, _ = ev.parse_mohler(MOHLER.read_text("utf-8"))
    lessons = {it.qid: ev.adhoc_lesson(it.qid, it.question, it.references[0]) for it in items}
    pred = [grade_by_rules(lessons[it.qid], Work(text=it.answer), ev.ENGLISH).score for it in items]
    truth = [it.score for it in items]
    corpus = [it.answer for it in items] + sorted({it.references[0] for it in items})
    baseline = tfidf_cosines([(it.answer, it.references[0]) for it in items], corpus)
    assert ev.pearson(truth, pred) > ev.pearson(truth, baseline) + 0.05
