"""The ledger key: printed once, parsed once, its parts stored so a lesson's lines are found by
equality; installations upgraded from before keep every line they had paid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bot.app import App
from bot.storage.db import alembic_config, upgrade
from scoring.points import Award, LedgerKey, completion_award, practice_line, quiz_award
from tests.conftest import Clock


@pytest.mark.parametrize(
    "key",
    [
        LedgerKey("practice", 7, "l1-01-hoi-ai", 2),
        LedgerKey("quiz", 7, "l1-01-hoi-ai", 0),
        LedgerKey("complete", 12, "l2-03-x"),
    ],
)
def test_a_key_reads_back_as_it_was_printed(key: LedgerKey) -> None:
    assert LedgerKey.parse(str(key)) == key


def test_the_printed_keys_are_the_ones_already_in_ledgers() -> None:
    # Lines paid before the key had a type must keep blocking a second payment.
    quiz, practice = quiz_award(3, "a", 1, True), practice_line(3, "a", 0, 80, 0)
    assert quiz is not None and practice is not None
    assert str(quiz.key) == "quiz:3:a:1"
    assert str(practice.key) == "practice:3:a:0"
    assert str(completion_award(3, "a", 1).key) == "complete:3:a"


@pytest.mark.parametrize("free", ["bench:a", "bench:1:x:y", "a:b:c", "x"])
def test_a_free_form_key_has_no_parts(free: str) -> None:
    assert LedgerKey.parse(free) is None


async def test_practice_lines_are_counted_per_lesson_only(any_app: App, clock: Clock) -> None:
    async with any_app.store.transaction() as repo:
        learner, _ = await repo.learners.create_learner(
            "console", "k1", "k1", "K", "UTC", clock.now
        )
        me = learner.id
        for award in (
            practice_line(me, "a", 0, 80, 0),
            practice_line(me, "a", 1, 90, 40),
            practice_line(me, "ab", 0, 60, 0),
            quiz_award(me, "a", 0, True),
            completion_award(me, "a", 1),
            Award("bench:free", 5, "practice"),
        ):
            assert award is not None and await repo.ledger.award(me, award, clock.now)
        assert await repo.ledger.practice_ledger(me, "a") == (2, 45)
        assert await repo.ledger.practice_ledger(me, "ab") == (1, 30)
        assert await repo.ledger.points(me) == 40 + 5 + 30 + 10 + 20 + 5


def test_the_migration_fills_the_parts_of_lines_already_paid(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0007")
    sync = database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    engine = create_engine(sync)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            learner = conn.execute(
                text(
                    "INSERT INTO learners (nickname, show_name, timezone, language, status, "
                    "created_at) VALUES ('A', true, 'UTC', 'vi', 'active', :now) RETURNING id"
                ),
                {"now": now},
            ).scalar_one()
            for key, points, reason in (
                (f"practice:{learner}:a:0", 40, "practice"),
                (f"practice:{learner}:a:1", -10, "regrade"),
                (f"quiz:{learner}:a:2", 10, "quiz"),
                (f"complete:{learner}:a", 20, "lesson"),
                ("bench:old", 5, "practice"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO points_ledger (learner_id, key, points, reason, created_at) "
                        "VALUES (:learner, :key, :points, :reason, :now)"
                    ),
                    {
                        "learner": learner,
                        "key": key,
                        "points": points,
                        "reason": reason,
                        "now": now,
                    },
                )
        upgrade(database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT key, kind, lesson_id, seq FROM points_ledger ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r)[1:] for r in rows] == [
        ("practice", "a", 0),
        ("practice", "a", 1),
        ("quiz", "a", 2),
        ("complete", "a", None),
        (None, None, None),
    ]
