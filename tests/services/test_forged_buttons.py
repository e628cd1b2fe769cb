"""A tap carrying forged, garbled or oversized button data gets a kind answer and changes nothing,
on SQLite and PostgreSQL alike (an id past BIGINT once reached the database and failed there)."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.i18n import Translator
from tests.conftest import Chat, join_code
from tests.storage_helpers import count_rows

vi = Translator("vi")
KIND = {vi(k) for k in ("choice.stale", "quiz.unknown", "appeal.unknown", "review.not_allowed")}

FORGED = [
    "ap:99999999999999999999999",
    f"ap:{2**63}",
    "ap:-1",
    "ap:0",
    "ap:abc",
    "ap:１２",
    "ap:9223372036854775807",  # the largest id there can be: looked up, not found
    "rv:ok:99999999999999999999999",
    "rv:set:-5",
    "rv:bulkok:" + "9" * 40,
    "q:l1-01:99999999999999999999:0",
    "q:l1-01:0:99999999999999999999",
    "q:../../x:0:0",
    "qs:" + "x" * 300,
    "set:time:9999",
    "ob:occ:astronaut",
    "del:yesplease",
    "cmd:" + "a" * 500,
    "zz:1",
    "",
    "a" * 5000,
    "ap:1\n2",
]


async def learner_with_a_grade(app: App) -> Chat:
    chat = Chat(app, "7001")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    await chat.tap("work:submit")
    out = await chat.send(
        "Tôi nhờ AI viết thư mời họp tổ dân phố, rồi tự sửa lại giờ họp cho đúng."
    )
    assert any(o.options for o in out)  # the grade, with its appeal button
    return chat


async def snapshot(app: App) -> tuple[object, ...]:
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", "7001")
        assert ident is not None
        learner = await repo.learners.learner(ident.learner_id)
        grade = await repo.grades.latest_grade(ident.learner_id)
        assert learner is not None and grade is not None
        return (
            learner,
            grade.id,
            grade.status,
            grade.appealed,
            await repo.ledger.points(learner.id),
            await count_rows(repo, "submissions"),
        )


@pytest.mark.parametrize("key", FORGED)
async def test_forged_button_data_gets_a_kind_answer_and_changes_nothing(
    any_app: App, key: str
) -> None:
    chat = await learner_with_a_grade(any_app)
    before = await snapshot(any_app)
    out = await chat.tap(key)
    assert out and out[0].text in KIND
    assert await snapshot(any_app) == before
    assert (await chat.send("/progress"))[0].text  # and the conversation goes on
