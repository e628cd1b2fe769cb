"""Table tests for streak freezes, badges, fair unit ranking and honours rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.i18n import Translator
from bot.services.rankings_chat import percent
from scoring.badges import (
    FREEZE_COST,
    Badge,
    BadgeFacts,
    freeze_offer,
    level_done,
    new_badges,
    perfect_quiz_week,
)
from scoring.honours import (
    HonoursRules,
    LearnerFacts,
    PeriodError,
    RulesError,
    UnitFacts,
    learner_score,
    parse_period,
    parse_rules,
    quarter_of,
    top,
    unit_score,
)
from scoring.rankings import UnitFigures, competition_ranks, rank_units
from scoring.streaks import current_streak, freezes_to_use, longest_streak

D = date(2026, 11, 23)


def days(*offsets: int) -> list[date]:
    return [D - timedelta(days=o) for o in offsets]


# ---- streaks with freezes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("active", "frozen", "streak"),
    [
        ((0, 2, 3), (1,), 3),  # a frozen day bridges the gap and counts nothing
        ((2, 3), (1,), 2),  # today not studied yet: the streak runs to the frozen day
        ((0, 3), (1,), 1),  # one frozen day cannot bridge a two-day gap
        ((0, 3), (1, 2), 2),  # two frozen days can
        ((), (0, 1), 0),  # frozen days alone are no streak
        ((0, 1), (), 2),
    ],
)
def test_current_streak_with_frozen_days(
    active: tuple[int, ...], frozen: tuple[int, ...], streak: int
) -> None:
    assert current_streak(days(*active), D, days(*frozen)) == streak


@pytest.mark.parametrize(
    ("active", "frozen", "longest"),
    [
        ((0, 2, 3, 9), (1,), 3),
        ((0, 1, 5, 6, 7), (), 3),
        ((0, 1, 5, 6, 7), (2, 3, 4), 5),
        ((), (), 0),
    ],
)
def test_longest_streak_with_frozen_days(
    active: tuple[int, ...], frozen: tuple[int, ...], longest: int
) -> None:
    assert longest_streak(days(*active), days(*frozen)) == longest


@pytest.mark.parametrize(
    ("active", "frozen", "held", "use"),
    [
        ((1,), (), 1, ()),  # studied yesterday: nothing missed
        ((2,), (), 1, (1,)),  # missed yesterday: one freeze covers it
        ((2,), (), 0, ()),  # none held
        ((3,), (), 1, ()),  # two days missed, one freeze: the streak is lost, keep it
        ((3,), (), 2, (2, 1)),  # two freezes cover two days
        ((3,), (2,), 1, (1,)),  # the first day was covered already
        ((0, 2), (), 1, (1,)),  # studied today first: yesterday is covered all the same
        ((), (), 2, ()),  # never studied: nothing to protect
    ],
)
def test_freezes_to_use(
    active: tuple[int, ...], frozen: tuple[int, ...], held: int, use: tuple[int, ...]
) -> None:
    assert freezes_to_use(days(*active), days(*frozen), D, held) == days(*use)


# ---- badges ---------------------------------------------------------------------------------


def week(*answers: tuple[int, bool]) -> tuple[tuple[date, bool], ...]:
    return tuple((D - timedelta(days=o), right) for o, right in answers)


@pytest.mark.parametrize(
    ("answers", "perfect"),
    [
        (week(*((o, True) for o in range(5))), True),
        (week(*((o, True) for o in range(4))), False),  # only four days
        (week(*((o, True) for o in range(5)), (2, False)), False),  # one wrong answer
        (week(*((o, True) for o in (0, 2, 4, 5, 6))), True),  # any five of seven days
        (week(*((o, True) for o in (0, 2, 4, 5, 7))), False),  # the 8th day is outside
        (week(*((o, True) for o in range(5)), (8, False)), True),  # an old mistake is gone
    ],
)
def test_perfect_quiz_week(answers: tuple[tuple[date, bool], ...], perfect: bool) -> None:
    assert perfect_quiz_week(answers, D) is perfect


@pytest.mark.parametrize(
    ("facts", "already", "new"),
    [
        (BadgeFacts(D, best_streak=6), (), []),
        (BadgeFacts(D, best_streak=7), (), [Badge.STREAK_7]),
        (BadgeFacts(D, best_streak=30), ("streak_7",), [Badge.STREAK_30]),
        (BadgeFacts(D, best_streak=100), (), [Badge.STREAK_7, Badge.STREAK_30, Badge.STREAK_100]),
        (BadgeFacts(D, best_streak=7), ("streak_7",), []),  # announced once
        (BadgeFacts(D, levels_done=frozenset({1})), (), [Badge.FIRST_LEVEL]),
        (BadgeFacts(D, levels_done=frozenset({2})), (), []),
        (BadgeFacts(D, helpful_reviews=1), (), [Badge.HELPFUL_MENTOR]),
        (
            BadgeFacts(D, quiz_answers=week(*((o, True) for o in range(5)))),
            (),
            [Badge.PERFECT_QUIZ_WEEK],
        ),
    ],
)
def test_new_badges(facts: BadgeFacts, already: tuple[str, ...], new: list[Badge]) -> None:
    assert new_badges(facts, already) == new


@pytest.mark.parametrize(
    ("completed", "level", "done"),
    [
        ({"a", "b"}, ["a", "b"], True),
        ({"a"}, ["a", "b"], False),
        ({"a", "b", "c"}, ["a"], True),
        (set(), [], False),
    ],
)
def test_level_done(completed: set[str], level: list[str], done: bool) -> None:
    assert level_done(completed, level) is done


@pytest.mark.parametrize(
    ("bought", "held", "points", "reason", "key"),
    [
        (0, 0, FREEZE_COST, "ok", "freeze:7:0"),
        (3, 1, 500, "ok", "freeze:7:3"),  # the key follows the purchase number
        (2, 2, 500, "max_held", None),  # at most two held
        (0, 0, FREEZE_COST - 1, "not_enough_points", None),
    ],
)
def test_freeze_offer(bought: int, held: int, points: int, reason: str, key: str | None) -> None:
    offer = freeze_offer(7, bought, held, points)
    assert offer.reason == reason and offer.allowed is (key is not None)
    assert (offer.award.key if offer.award else None) == key
    if offer.award:
        assert offer.award.points == -FREEZE_COST


# ---- fair unit ranking ----------------------------------------------------------------------


def unit(
    uid: int, active: int, working_age: int | None, avg: float | None = None, members: int = 10
) -> UnitFigures:
    return UnitFigures(
        uid, f"U{uid}", members=members, active=active, average_score=avg, working_age=working_age
    )


@pytest.mark.parametrize(
    ("units", "ranks"),
    [
        # equal rate and average share a rank; the next is third, not second
        ([unit(1, 5, 100, 70), unit(2, 5, 100, 70), unit(3, 4, 100, 90)], [1, 1, 3]),
        # rate first, then average
        ([unit(1, 5, 100, 60), unit(2, 5, 100, 80), unit(3, 6, 100, 10)], [1, 2, 3]),
        # 1 of 1 with no population on file is unknown, not 100%, and comes after ranked units
        ([unit(1, 1, None, 90, members=1), unit(2, 1, 1000)], [1, None]),
        ([unit(1, 3, 0), unit(2, 0, 50)], [1, None]),  # a population of 0 is unknown too
        ([], []),
    ],
)
def test_rank_units(units: list[UnitFigures], ranks: list[int | None]) -> None:
    got = rank_units(units)
    assert [r.rank for r in got] == ranks
    if units == [unit(1, 5, 100, 60), unit(2, 5, 100, 80), unit(3, 6, 100, 10)]:
        assert [r.figures.unit_id for r in got] == [3, 2, 1]


def test_unknown_rate_is_none_never_full() -> None:
    assert UnitFigures(1, "T", members=1, active=1).participation is None
    assert UnitFigures(1, "T", members=1, active=1, working_age=4).participation == 0.25


@pytest.mark.parametrize(
    ("values", "ranks"), [([9, 9, 7], [1, 1, 3]), ([5], [1]), ([3, 2, 2, 2, 1], [1, 2, 2, 2, 5])]
)
def test_competition_ranks(values: list[float], ranks: list[int]) -> None:
    assert competition_ranks(values) == ranks


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (0.5, "50%", "50%"),
        (1.0, "100%", "100%"),
        (0.045, "4,5%", "4.5%"),
        (0.0005, "<0,1%", "<0.1%"),
        (0.0, "0%", "0%"),
        (1.2, "120%", "120%"),
    ],
)
def test_percent(value: float, vi: str, en: str) -> None:
    assert percent(value, Translator("vi")) == vi and percent(value, Translator("en")) == en


# ---- honours --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026Q4", "2026Q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026q1", "2026Q1", date(2026, 1, 1), date(2026, 4, 1)),
        (" 2026-Q2 ", "2026Q2", date(2026, 4, 1), date(2026, 7, 1)),
        ("2026", "2026", date(2026, 1, 1), date(2027, 1, 1)),
        ("２０２６Ｑ４", "2026Q4", date(2026, 10, 1), date(2027, 1, 1)),  # a phone's wide digits
    ],
)
def test_parse_period(text: str, label: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize(
    "text",
    [
        "2026Q5",
        "2026Q0",
        "Q4",
        "26Q4",
        "1999",
        "2026Q4x",
        "",
        "x" * 10_000,
        "2026 Q4 Q3",
        "2026" + " " * 40 + "junk",
    ],
)
def test_bad_periods_are_refused_clearly(text: str) -> None:
    with pytest.raises(PeriodError, match=r"year|quarter|outside"):
        parse_period(text)


def test_quarter_of() -> None:
    assert quarter_of(date(2026, 11, 23)).label == "2026Q4"
    assert quarter_of(date(2026, 3, 31)).label == "2026Q1"


def test_rules_file_errors_name_the_field() -> None:
    assert parse_rules("").top == 10
    with pytest.raises(RulesError, match="weights"):
        parse_rules("learners:\n  weights:\n    passes: lots\n")
    with pytest.raises(RulesError, match=r"extra|unknown|Extra"):
        parse_rules("learnerz: {}\n")


RULES = HonoursRules()


@pytest.mark.parametrize(
    ("facts", "score"),
    [
        (LearnerFacts(1, "A", "T", passes=3, best_streak=5, active_days=10), 3 * 10 + 5 * 2 + 10),
        (LearnerFacts(1, "A", "T", passes=9, best_streak=2, active_days=2), None),  # too few days
    ],
)
def test_learner_score(facts: LearnerFacts, score: float | None) -> None:
    assert learner_score(RULES, facts) == score


@pytest.mark.parametrize(
    ("facts", "score"),
    [
        (UnitFacts(unit(1, 5, 100, 80), passes=20), 5 + 40 + 20),
        (UnitFacts(unit(1, 5, None, 80), passes=20), None),  # rate unknown: not judged
        (UnitFacts(unit(1, 2, 100, 80, members=2), passes=2), None),  # fewer than 3 learners
    ],
)
def test_unit_score(facts: UnitFacts, score: float | None) -> None:
    assert unit_score(RULES, facts) == score


def test_top_keeps_ties_and_drops_zero() -> None:
    items = [("a", 5.0), ("b", 5.0), ("c", 3.0), ("d", 0.0), ("e", 1.0)]
    got = top(items, lambda i: i[1], lambda i: i[0], limit=2)
    assert [(h.rank, h.facts[0]) for h in got] == [(1, "a"), (1, "b")]
    got = top(items, lambda i: i[1], lambda i: i[0], limit=3)
    assert [(h.rank, h.facts[0]) for h in got] == [(1, "a"), (1, "b"), (3, "c")]
