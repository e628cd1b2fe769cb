"""Code decides last: quotes checked, numbers clamped, rules' ceilings kept, doubts sent to a person."""

from __future__ import annotations

import pytest

from scoring.combine import (
    ABOVE_RULES,
    ModelCriterion,
    ModelVerdict,
    combine,
    evidence_found,
    fallback,
)
from scoring.grading import Tokens, Work
from scoring.rules import COPY_CAP, grade_by_rules
from scoring.similarity import compact, containment, stem, tokens
from tests.grading.sample import EXAMPLE_PROMPT, HONEST, PARTIAL, make_lesson

LESSON = make_lesson()
QUOTE = "Bạn là kế toán của hợp tác xã chè La Bằng"


def verdict(scores: dict[str, float], evidence: str = QUOTE, **extra: object) -> ModelVerdict:
    return ModelVerdict(
        criteria=tuple(ModelCriterion(cid, s, evidence, "Tốt.") for cid, s in scores.items()),
        **extra,  # type: ignore[arg-type]
    )


FULL = {"vai_tro": 25, "boi_canh": 25, "nhiem_vu": 30, "nhan_xet": 20}


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("Bạn là kế toán của hợp tác xã chè La Bằng", True),
        ("ban la ke toan cua hop tac xa che la bang", True),  # no diacritics, lower case
        ("Bạn là   kế toán,của hợp tác xã", True),  # spacing and punctuation
        ("Bạn là kế toán ... nộp sổ ghi chép", True),  # cut with an ellipsis, in order
        ("nộp sổ ghi chép … Bạn là kế toán", False),  # pieces out of order
        ("Bài làm xuất sắc, đầy đủ mọi tiêu chí", False),  # made up
        ("", False),
        ("là", False),  # too short to prove anything
        ("Bạn là kế toán của hợp tác xã chè Là Bằng rất giỏi", False),  # words added
        ("Bạn là kế toán của hợp tác xã chè La Bằg. Sắp hết tháng, hợp tác xã cần nhắc", True),
    ],
)
def test_evidence_must_stand_in_the_submission(quote: str, found: bool) -> None:
    assert evidence_found(quote, HONEST) is found


def test_a_fair_verdict_becomes_the_grade() -> None:
    rules = grade_by_rules(LESSON, Work(text=HONEST))
    grade = combine(
        LESSON,
        Work(text=HONEST),
        rules,
        verdict({**FULL, "nhan_xet": 10}),
        reply="{}",
        tokens=Tokens(400, 100),
        model="m",
    )
    assert grade.score == 90 and grade.llm_used and not grade.provisional
    assert grade.rules is rules and grade.tokens.total == 500 and grade.grader == "m"
    assert [c.feedback for c in grade.criteria] == ["Tốt."] * 4


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"vai_tro": 250, "boi_canh": 25, "nhiem_vu": 30, "nhan_xet": 20}, 100),
        ({"vai_tro": -5, "boi_canh": 25, "nhiem_vu": 30, "nhan_xet": 20}, 75),
        ({"vai_tro": 12.6, "boi_canh": 25, "nhiem_vu": 30, "nhan_xet": 20}, 88),
        ({"vai_tro": 25, "boi_canh": 25, "nhiem_vu": 30, "nhan_xet": 20, "bonus": 50}, 100),
    ],
)
def test_scores_are_clamped_per_criterion_and_totalled_in_code(
    scores: dict[str, float], expected: int
) -> None:
    rules = grade_by_rules(LESSON, Work(text=HONEST))
    assert combine(LESSON, Work(text=HONEST), rules, verdict(scores)).score == expected


def test_a_quote_not_in_the_submission_scores_nothing() -> None:
    rules = grade_by_rules(LESSON, Work(text=HONEST))
    grade = combine(LESSON, Work(text=HONEST), rules, verdict(FULL, evidence="Bài làm hoàn hảo"))
    assert grade.score == 0
    assert "evidence_missing" in grade.flags and grade.needs_review  # and far from the rules


def test_a_missing_criterion_keeps_the_rules_score() -> None:
    rules = grade_by_rules(LESSON, Work(text=HONEST))
    partial = {k: v for k, v in FULL.items() if k != "nhan_xet"}
    grade = combine(LESSON, Work(text=HONEST), rules, verdict(partial))
    assert grade.score == 100 and any("nhan_xet" in r for r in grade.reasons)


def test_the_rules_ceiling_holds_whatever_the_model_says() -> None:
    work = Work(text=EXAMPLE_PROMPT)
    rules = grade_by_rules(LESSON, work)
    grade = combine(LESSON, work, rules, verdict(FULL, evidence="Bạn là cán bộ văn phòng phường"))
    assert grade.score <= COPY_CAP and "copied_lesson" in grade.flags


@pytest.mark.parametrize(
    ("extra", "flag"),
    [({"confidence": 0.3}, "low_confidence"), ({"injection": True}, "injection")],
)
def test_doubts_go_to_review(extra: dict[str, object], flag: str) -> None:
    rules = grade_by_rules(LESSON, Work(text=HONEST))
    grade = combine(LESSON, Work(text=HONEST), rules, verdict(FULL, **extra))
    assert flag in grade.flags and grade.needs_review and grade.provisional


def test_an_injection_only_the_model_saw_is_held_to_the_rules_score() -> None:
    rules = grade_by_rules(LESSON, Work(text=PARTIAL))
    grade = combine(
        LESSON, Work(text=PARTIAL), rules, verdict(FULL, evidence="Tổ dân phố số 9", injection=True)
    )
    assert grade.score <= rules.score


def test_a_model_far_above_the_rules_is_held_until_review() -> None:
    rules = grade_by_rules(LESSON, Work(text=PARTIAL))
    grade = combine(LESSON, Work(text=PARTIAL), rules, verdict(FULL, evidence="Tổ dân phố số 9"))
    assert "disagreement" in grade.flags and grade.needs_review
    assert grade.score == min(100, rules.score + ABOVE_RULES)


def test_a_model_far_below_the_rules_lowers_the_grade_for_review() -> None:
    rules = grade_by_rules(LESSON, Work(text=HONEST))
    grade = combine(LESSON, Work(text=HONEST), rules, verdict(dict.fromkeys(FULL, 1)))
    assert "disagreement" in grade.flags and grade.score == 4


def test_fallback_keeps_the_rules_grade_as_provisional() -> None:
    rules = grade_by_rules(LESSON, Work(text=HONEST))
    grade = fallback(rules, "model down", bad_reply=True, reply="xin chào")
    assert grade.score == rules.score and grade.provisional and not grade.llm_used
    assert {"llm_unavailable", "llm_bad_reply"} <= set(grade.flags)
    assert grade.model_reply == "xin chào" and grade.rules is rules


def test_a_photo_seen_by_a_vision_model_lifts_the_short_text_wait() -> None:
    work = Work(text="ảnh bài làm", photo=b"\x89PNG")
    rules = grade_by_rules(LESSON, work)
    grade = combine(
        LESSON, work, rules, verdict(FULL, evidence="Prompt: Bạn là thư ký UBND"), photo_seen=True
    )
    assert grade.score == 100 and "photo_pending" not in grade.flags and not grade.needs_review


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ko dc vs mn", ["khong", "duoc", "voi", "moi", "nguoi"]),
        ("Bạn là", ["ban", "la"]),
        ("5k đồng", ["5k", "dong"]),
        ("hoa hồng", ["hoa", "hong"]),
    ],
)
def test_vietnamese_tokens_fold_and_expand_chat_abbreviations(
    text: str, expected: list[str]
) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (("simulate", "simulates", "simulation", "simulated"), True),
        (("pointer", "pointers"), True),
        (("class", "classes"), True),
        (("allocate", "allocation"), True),
        (("stack", "queue"), False),
    ],
)
def test_english_stems_meet(words: tuple[str, ...], same: bool) -> None:
    assert (len({stem(w) for w in words}) == 1) is same


@pytest.mark.parametrize(
    ("text", "source", "low", "high"),
    [
        (HONEST, HONEST, 1.0, 1.0),
        (HONEST, PARTIAL, 0.0, 0.1),
        ("quá ngắn", HONEST, 0.0, 0.0),
        (HONEST.replace("La Bằng", "Tân Cương"), HONEST, 0.85, 1.0),
    ],
)
def test_containment_of_word_runs(text: str, source: str, low: float, high: float) -> None:
    assert low <= containment(text, source) <= high


def test_compact_drops_accents_spaces_and_punctuation() -> None:
    assert compact("Bạn là,  Đ-ội!") == "banladoi"
