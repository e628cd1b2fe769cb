"""Fixtures for the grading tests: lessons by id, a loopback model server, no retry waits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina

from lessons.model import Curriculum, Lesson
from tests.grading.fake_model import FakeModel, honest


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    # The grader's single retry stays; only the back-off sleep goes.
    with stamina.set_testing(True, attempts=2, cap=True):
        yield


@pytest.fixture(scope="session")
def lesson(curriculum: Curriculum) -> Lesson:
    found = curriculum.by_id("l1-01-hoi-ai-dung-cach")
    assert found is not None
    return found


@pytest.fixture
def fake_model() -> Iterator[FakeModel]:
    with FakeModel(honest).running() as server:
        yield server
