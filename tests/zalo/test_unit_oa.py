"""A unit's own Zalo Official Account: its webhook path and key, its inbox, its access token."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.zalo.runner import ZaloChannels
from bot.channels.zalo.webhooks import serve
from bot.services.bots import OACredentials, add_bot, remove_bot
from bot.services.units import import_units
from bot.storage.secrets import FernetCipher, new_key
from lessons.model import Curriculum
from tests.conftest import UNITS_CSV, Clock, join_code, sqlite_url
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.zalo.conftest import zalo_app, zalo_env

UNIT_APP, UNIT_SECRET = "5550001112223", "unit-oa-secret-key"


@pytest.fixture
async def two_oas(
    tmp_path: Path, clock: Clock, curriculum: Curriculum
) -> AsyncIterator[tuple[ZaloChannels, FakeZaloOA, FakeZaloOA, str, int]]:
    bot, api = FakeZaloBot(), FakeZaloOA(access_tokens={"A0", "UA0"})
    await api.start()  # the OA API is one host: both OAs call it, each with its own token
    # Signs the unit OA's events; shares the API's record of which message came from whom.
    unit_events = FakeZaloOA(
        app_id=UNIT_APP,
        secret_key=UNIT_SECRET,
        _msg_users=api._msg_users,
        _ids=itertools.count(10_000),
    )
    app = await zalo_app(sqlite_url(tmp_path), clock, curriculum, **zalo_env(bot, api))
    app.cipher = FernetCipher(new_key())
    await import_units(app.store, UNITS_CSV)
    record, _ = await add_bot(
        app.store,
        app.cipher,
        "T05",
        "zalo_oa",
        OACredentials(UNIT_APP, UNIT_SECRET, "UR0", "UA0").to_token(),
    )
    channels = ZaloChannels(app)
    await channels.setup_oa()
    assert await channels.setup_unit_oas() == 1
    runner = await serve(channels.routes, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield channels, api, unit_events, base, record.id
    finally:
        await runner.cleanup()
        await channels.close()
        await app.close()
        await api.stop()


async def test_a_units_oa_answers_its_own_followers_with_its_own_token(two_oas) -> None:  # type: ignore[no-untyped-def]
    channels, api, unit_events, base, bot_id = two_oas
    unit_url, default_url = f"{base}/zalo/oa/{bot_id}", f"{base}/zalo/oa"
    code = await join_code(channels.app, "T05")

    # The default OA's key does not open the unit's path, nor the unit's key the default path.
    assert await api.deliver(unit_url, api.text("u-x", "xin chào")) == 401
    assert await unit_events.deliver(default_url, unit_events.text("u-x", "xin chào")) == 401

    assert (
        await unit_events.deliver(unit_url, unit_events.text("u-unit", f"/start g_{code}")) == 200
    )
    assert await api.deliver(default_url, api.text("u-default", f"/start g_{code}")) == 200
    await channels.inbox.drain()
    assert api.to("u-unit") and {s.access_token for s in api.to("u-unit")} == {"UA0"}
    assert api.to("u-default") and {s.access_token for s in api.to("u-default")} == {"A0"}
    async with channels.app.store.transaction() as repo:
        unit_identity = await repo.learners.identity("zalo_oa", "u-unit")
        default_identity = await repo.learners.identity("zalo_oa", "u-default")
    assert unit_identity is not None and unit_identity.bot_id == bot_id
    assert default_identity is not None and default_identity.bot_id is None


async def test_a_units_oa_removed_or_added_while_running_is_stopped_or_served(two_oas) -> None:  # type: ignore[no-untyped-def]
    """`hocai bots remove` / `add` while the process runs: no restart (the watch on the bots
    table calls `reload_unit_oas` every HOCAI_BOTS_RELOAD_SECONDS)."""
    channels, api, unit_events, base, bot_id = two_oas
    app = channels.app
    await remove_bot(app.store, bot_id)
    await channels.reload_unit_oas()
    assert not app.sender.has("zalo_oa", bot_id)  # its learners are not pushed through it
    unit_url = f"{base}/zalo/oa/{bot_id}"
    assert await unit_events.deliver(unit_url, unit_events.text("u-x", "xin chào")) == 404

    again, new = await add_bot(
        app.store,
        app.cipher,
        "T05",
        "zalo_oa",
        OACredentials(UNIT_APP, UNIT_SECRET, "UR0", "UA0").to_token(),
    )
    assert not new and again.id == bot_id  # the same OA again: its row enabled again
    await channels.reload_unit_oas()
    assert app.sender.has("zalo_oa", bot_id)
    code = await join_code(app, "T05")
    assert await unit_events.deliver(unit_url, unit_events.text("u-new", f"/start g_{code}")) == 200
    await channels.inbox.drain()
    assert api.to("u-new") and {s.access_token for s in api.to("u-new")} == {"UA0"}
