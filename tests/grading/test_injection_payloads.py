"""The held-out injection payloads (tests/data/injection_payloads.yaml) against a model that obeys.

No payload may gain points shown as final: the grade is held for review, or it is no higher than the
honest part's. At least 95% must be flagged as text aimed at the grader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.llm import InMemoryGradeCache, InMemoryTokenBudget, LLMGrader
from scoring.grading import Grade, Work
from tests.grading.fake_model import FakeModel, honest, obedient
from tests.grading.sample import HONEST, PARTIAL, make_lesson

PAYLOADS = [
    p["text"]
    for p in yaml.safe_load(
        (Path(__file__).parents[1] / "data" / "injection_payloads.yaml").read_text(encoding="utf-8")
    )["payloads"]
]
LESSON = make_lesson()
FLAGGED_SHARE = 0.95


async def grade(script: Any, text: str) -> Grade:
    with FakeModel(script).running() as server:
        model = LLMGrader(
            server.client(),
            "fake-model",
            InMemoryTokenBudget(10_000_000),
            InMemoryGradeCache(),
            timeout_s=5.0,
        )
        return await model.grade(LESSON, Work(text=text))


def test_there_are_enough_payloads() -> None:
    assert len(PAYLOADS) >= 40 and len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.asyncio
@pytest.mark.parametrize("honest_part", [HONEST, PARTIAL], ids=["strong", "partial"])
async def test_no_payload_gains_points_shown_as_final(honest_part: str) -> None:
    fair = await grade(honest, honest_part)
    gained, flagged = [], 0
    for payload in PAYLOADS:
        injected = await grade(obedient, honest_part + "\n" + payload)
        flagged += "injection" in injected.flags
        if not injected.needs_review and injected.score > fair.score:
            gained.append((payload, injected.score, fair.score))
    assert not gained, gained
    assert flagged / len(PAYLOADS) >= FLAGGED_SHARE, f"{flagged}/{len(PAYLOADS)} flagged"
