"""The Zalo webhooks under attack and under load: replays, deep or slow bodies, a database that
cannot write, and a burst of a thousand signed events."""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from bot.channels.zalo import webhooks
from bot.services.inbox import KEEP_DONE
from lessons.model import Curriculum
from tests.conftest import Clock
from tests.storage_helpers import count_rows
from tests.zalo.conftest import Zalo, zalo_harness


def signed(zalo: Zalo, body: dict) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return raw, {
        "X-ZEvent-Signature": zalo.oa.signature(raw, str(body.get("timestamp", ""))),
        "Content-Type": "application/json",
    }


async def inbox_count(zalo: Zalo) -> int:
    async with zalo.app.store.transaction() as repo:
        return await count_rows(repo, "inbox")


@pytest.mark.parametrize("age_s", [2 * 3600, -2 * 3600, 10 * 86400])
async def test_a_signed_event_from_another_time_is_acknowledged_and_dropped(
    zalo: Zalo, age_s: int
) -> None:
    event = zalo.oa.event("u-replay", "user_withdraw")
    event["timestamp"] = str(int((time.time() - age_s) * 1000))
    assert await zalo.oa.deliver(zalo.oa_url, event) == 200  # never a failure Zalo counts
    assert await inbox_count(zalo) == 0


def test_handled_keys_outlive_the_replay_window() -> None:
    # Inside the window a replay is recognised by its key; outside it by its timestamp.
    assert KEEP_DONE > webhooks.OA_EVENT_WINDOW


@pytest.mark.parametrize("value", ["", "abc", "1" * 40, "-5"])
def test_timestamps_that_are_not_times_are_not_fresh(value: str) -> None:
    assert not webhooks.fresh({"timestamp": value}, "", time.time())


async def test_a_deeply_nested_body_is_refused_before_parsing(zalo: Zalo) -> None:
    deep = b"[" * 40_000 + b"]" * 40_000
    async with httpx.AsyncClient() as client:
        oa = await client.post(
            zalo.oa_url, content=deep, headers={"Content-Type": "application/json"}
        )
        bot = await client.post(
            zalo.bot_url, content=deep, headers={"X-Bot-Api-Secret-Token": _bot_secret(zalo)}
        )
    assert (oa.status_code, bot.status_code) == (400, 400)
    assert await inbox_count(zalo) == 0


@pytest.mark.parametrize(
    ("raw", "depth"),
    [(b'{"a": [1, {"b": "[[[["}]}', 3), (b'"\\"{{{"', 0), (b"[]", 1), (b"{}" * 3, 1)],
)
def test_nesting_depth_skips_strings(raw: bytes, depth: int) -> None:
    assert webhooks.nesting_depth(raw) == depth


async def test_a_body_that_trickles_in_is_cut_off(zalo: Zalo, monkeypatch) -> None:
    monkeypatch.setattr(webhooks, "BODY_TIMEOUT", 0.3)  # a setting of the module, not our logic
    host, port = zalo.base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    path = zalo.app.settings.zalo_oa_webhook_path
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f'Content-Length: 500\r\n\r\n{{"app_id": '.encode()
    )
    await writer.drain()
    async with asyncio.timeout(5):
        status = await reader.readline()
    writer.close()
    assert b" 408 " in status


async def test_when_the_inbox_cannot_write_the_answer_is_503_with_retry_after(
    zalo: Zalo,
) -> None:
    async with zalo.app.store.engine.begin() as conn:  # the table is gone: every insert fails
        await conn.execute(text("ALTER TABLE inbox RENAME TO inbox_gone"))
    raw, headers = signed(zalo, zalo.oa.text("u-503", "xin chào"))
    async with httpx.AsyncClient() as client:
        answer = await client.post(zalo.oa_url, content=raw, headers=headers)
        bot = await client.post(
            zalo.bot_url,
            json=zalo.bot.update("u-503", "message.text.received", text="hi"),
            headers={"X-Bot-Api-Secret-Token": _bot_secret(zalo)},
        )
    assert answer.status_code == 503 and answer.headers["Retry-After"] == webhooks.RETRY_AFTER
    assert bot.status_code == 503


def _bot_secret(zalo: Zalo) -> str:
    from bot.channels.zalo.runner import bot_webhook_secret

    return bot_webhook_secret(zalo.app.settings)


@pytest.fixture
async def zalo_pg(pg_url: str, clock: Clock, curriculum: Curriculum) -> AsyncIterator[Zalo]:
    async with zalo_harness(pg_url, clock, curriculum) as harness:
        yield harness


BURST = 1000


@pytest.mark.postgres
async def test_a_thousand_signed_events_at_once_are_all_stored_and_answered_200(
    zalo_pg: Zalo,
) -> None:
    zalo = zalo_pg
    bodies = [
        signed(zalo, zalo.oa.text(f"u-burst-{i % 300}", f"tin nhắn {i}")) for i in range(BURST)
    ]
    limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=0)
    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        answers = await asyncio.gather(
            *(client.post(zalo.oa_url, content=raw, headers=headers) for raw, headers in bodies)
        )
    elapsed = time.perf_counter() - started
    statuses = Counter(a.status_code for a in answers)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{BURST} signed OA events: {dict(statuses)} in {elapsed:.2f} s; "
        f"peak RSS of the test process {peak_mb:.0f} MB"
    )
    assert statuses == {200: BURST}
    assert await inbox_count(zalo) == BURST
