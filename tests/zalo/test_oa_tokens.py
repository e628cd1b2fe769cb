"""The OA's tokens: refreshed before they expire, single-flight in a process and across
processes, and the new pair stored before it is used. A refresh token works once: spending it
twice would mean re-authorising the OA by hand."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from bot.channels.zalo.errors import ZaloAuthError
from bot.channels.zalo.oa_api import ZaloOAApi
from bot.channels.zalo.oa_tokens import OATokens
from tests.conftest import Clock
from tests.fakes.zalo_oa_api import APP_ID, SECRET_KEY
from tests.zalo.conftest import Zalo

USER = "oa-user-6001"


def process(zalo: Zalo, http: httpx.AsyncClient) -> tuple[OATokens, ZaloOAApi]:
    """Another process's view: its own lock and cache, the same database."""
    tokens = OATokens(
        zalo.app.store,
        APP_ID,
        SECRET_KEY,
        http,
        f"{zalo.oa.base}/v4/oa/access_token",
        zalo.app.deps.clock,
    )
    return tokens, ZaloOAApi(tokens, zalo.oa.base, http)


async def stored(zalo: Zalo) -> tuple[str, str]:
    async with zalo.app.store.transaction() as repo:
        pair = await repo.tokens.token_pair(APP_ID)
    assert pair is not None
    return pair.access_token, pair.refresh_token


async def test_refreshed_before_expiry_and_stored_before_use(zalo: Zalo, clock: Clock) -> None:
    tokens = zalo.channels.tokens
    assert tokens is not None
    assert await tokens.access_token() == "A0"  # the hand-given token, not yet near expiry
    assert zalo.oa.oauth_calls == []

    async def stored_first(token: str) -> None:
        assert (await stored(zalo))[0] == token  # committed before the send that uses it

    zalo.oa.before_send = stored_first
    clock.advance(minutes=61)  # a hand-given token's age is unknown: refreshed after an hour
    await zalo.oa_says(USER, "/help")
    assert zalo.oa.oauth_calls == ["R0"]
    assert await stored(zalo) == ("A1", "R1")
    assert zalo.oa.sent[-1].access_token == "A1"

    clock.advance(hours=24, minutes=1)  # a 25-hour token is refreshed an hour before it ends
    await zalo.oa_says(USER, "/help")
    assert zalo.oa.oauth_calls == ["R0", "R1"] and not zalo.oa.burned


async def test_a_refused_token_is_refreshed_once_and_the_send_retried(zalo: Zalo) -> None:
    zalo.oa.access_tokens = set()  # revoked early, e.g. by an administrator
    zalo.oa.refresh_token = "R0"
    answer = await zalo.oa_says(USER, "/help")
    assert "Hướng dẫn" in answer
    assert zalo.oa.oauth_calls == ["R0"] and await stored(zalo) == ("A1", "R1")


async def test_concurrent_sends_in_one_process_refresh_once(zalo: Zalo, clock: Clock) -> None:
    clock.advance(hours=2)
    zalo.oa.oauth_delay = 0.1
    tokens = zalo.channels.tokens
    assert tokens is not None
    got = await asyncio.gather(*(tokens.access_token() for _ in range(10)))
    assert set(got) == {"A1"} and zalo.oa.oauth_calls == ["R0"]


async def test_two_processes_refreshing_at_once_cannot_burn_the_refresh_token(
    zalo: Zalo, clock: Clock
) -> None:
    clock.advance(hours=2)  # both processes see an expired access token at the same moment
    zalo.oa.oauth_delay = 0.2  # the first refresh is still in flight when the second starts
    async with httpx.AsyncClient() as http:
        (tokens_a, api_a), (tokens_b, api_b) = process(zalo, http), process(zalo, http)
        a, b = await asyncio.gather(tokens_a.refresh(stale="A0"), tokens_b.refresh(stale="A0"))
        assert a == b == "A1"
        assert zalo.oa.oauth_calls == ["R0"]  # spent once, by one process
        assert not zalo.oa.burned and await stored(zalo) == ("A1", "R1")
        # Both keep working with the one new pair.
        await zalo.oa_says(USER, "/start")
        await api_a.send({"user_id": USER}, {"text": "a"})
        await api_b.send({"user_id": USER}, {"text": "b"})
    assert [s.access_token for s in zalo.oa.sent[-2:]] == ["A1", "A1"]


async def test_a_refused_refresh_token_says_to_reauthorise(
    zalo: Zalo, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.advance(hours=2)
    zalo.oa.refresh_token = "R-someone-else"  # the stored one is no longer valid
    tokens = zalo.channels.tokens
    assert tokens is not None
    with caplog.at_level(logging.CRITICAL), pytest.raises(ZaloAuthError):
        await tokens.access_token()
    assert "Re-authorise the OA by hand" in caplog.text
    assert await stored(zalo) == ("A0", "R0")  # the lease is released; nothing half-written


async def test_seed_keeps_the_rotated_pair_until_a_new_one_is_given(zalo: Zalo) -> None:
    tokens = zalo.channels.tokens
    assert tokens is not None
    await tokens.refresh(stale="A0")
    await tokens.seed("A0", "R0")  # a restart with the same settings: the stored pair stays
    assert await stored(zalo) == ("A1", "R1")
    await tokens.seed("A-hand", "R-hand")  # re-authorised by hand: the new pair replaces it
    assert await stored(zalo) == ("A-hand", "R-hand")
