"""`hocai learners forget`: a person asks the ward office, not the chat, to delete their data;
their agency and ethnicity go with everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons.model import Curriculum
from tests.conftest import Chat, Clock, join_code, make_app
from tests.e2e.test_telegram_process import environment, hocai
from tests.services.test_target_groups_dialog import (
    give_ethnicity,
    official_joins,
    with_agencies,
)

pytestmark = [pytest.mark.slow, pytest.mark.flaky(reruns=1)]


async def test_forget_by_chat_identity_and_by_id(
    tmp_path: Path,
    clock: Clock,
    curriculum: Curriculum,
) -> None:
    env = environment(tmp_path)
    app = await make_app(env["DATABASE_URL"], clock, curriculum)
    try:
        await with_agencies(app)
        official = Chat(app, "6001", name="Cán Bộ Quên")
        await official_joins(app, official)
        await official.send("ubnd")
        await official.send("19:00")
        await give_ethnicity(official, "eth:pick:tay")
        other = Chat(app, "6002", name="Người Ở Lại")
        await other.join(await join_code(app, "T05"))
        await give_ethnicity(other, "eth:pick:nung")
        async with app.store.transaction() as repo:
            kept = await repo.learners.identity("telegram", "6002")
            assert kept is not None
            pdp = await repo.units.unit_by_code("PDP")
            assert pdp is not None
            assert await repo.learners.ethnicity_counts(pdp.id) == {"Tày": 1, "Nùng": 1}
    finally:
        await app.close()

    done = hocai(["learners", "forget", "--channel", "telegram", "--user", "6001"], env)
    assert done.returncode == 0 and "deleted learner" in done.stdout
    again = hocai(["learners", "forget", "--channel", "telegram", "--user", "6001"], env)
    assert again.returncode == 2 and "no such learner" in again.stderr
    assert hocai(["learners", "forget"], env).returncode == 2  # says what to give

    app = await make_app(env["DATABASE_URL"], clock, curriculum)
    try:
        async with app.store.transaction() as repo:
            assert await repo.learners.identity("telegram", "6001") is None
            assert await repo.learners.ethnicity_counts(pdp.id) == {"Nùng": 1}
    finally:
        await app.close()
    by_id = hocai(["learners", "forget", "--id", str(kept.learner_id)], env)
    assert by_id.returncode == 0
    app = await make_app(env["DATABASE_URL"], clock, curriculum)
    try:
        async with app.store.transaction() as repo:
            assert await repo.learners.learner(kept.learner_id) is None
            assert await repo.learners.ethnicity_counts(pdp.id) == {}
    finally:
        await app.close()
