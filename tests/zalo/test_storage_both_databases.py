"""The inbox, the token lease and the monthly usage on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.services.ports import TokenPair
from tests.conftest import Clock
from tests.storage_helpers import inbox_add


async def test_inbox_keeps_each_users_order_and_dedups(any_app: App, clock: Clock) -> None:
    now = clock.now
    async with any_app.store.transaction() as repo:
        for key, user in (("1", "a"), ("2", "b"), ("3", "a"), ("4", "a")):
            assert await inbox_add(repo, "zalo_bot", key, user, {"k": key}, now)
        assert not await inbox_add(repo, "zalo_bot", "1", "a", {"k": "again"}, now)
    async with any_app.store.transaction() as repo:
        first = await repo.inbox.inbox_claim(now, now + timedelta(minutes=5), 10)
    assert [i.key for i in first] == ["1", "2", "3", "4"]
    async with any_app.store.transaction() as repo:
        await repo.inbox.inbox_retry(first[0].id, now + timedelta(minutes=1), "boom")  # a's first
        for item in first[1:]:
            await repo.inbox.inbox_retry(item.id, now, "again")
    async with any_app.store.transaction() as repo:
        # a's later events wait for its first one; b's event is free to go.
        assert [
            i.key for i in await repo.inbox.inbox_claim(now, now + timedelta(minutes=5), 10)
        ] == ["2"]
    async with any_app.store.transaction() as repo:
        later = now + timedelta(minutes=2)
        taken = await repo.inbox.inbox_claim(later, later + timedelta(minutes=5), 10)
    assert [i.key for i in taken] == ["1", "3", "4"]  # b's "2" is held by its live lease


async def test_token_lease_and_swap_are_compare_and_swap(any_app: App, clock: Clock) -> None:
    now = clock.now
    pair = TokenPair("A0", "R0", now + timedelta(hours=25))
    async with any_app.store.transaction() as repo:
        await repo.tokens.seed_token_pair("app", pair, "seed", now)
        assert await repo.tokens.lease_token_refresh("app", "R0", now, now + timedelta(minutes=1))
        assert not await repo.tokens.lease_token_refresh(
            "app", "R0", now, now + timedelta(minutes=1)
        )
        new = TokenPair("A1", "R1", now + timedelta(hours=25))
        assert await repo.tokens.swap_token_pair("app", "R0", new, now)
        assert not await repo.tokens.swap_token_pair("app", "R0", new, now)  # R0 is spent
        stored = await repo.tokens.token_pair("app")
    assert stored is not None and (stored.access_token, stored.refresh_token) == ("A1", "R1")
    assert stored.refreshing_until is None


async def test_monthly_usage_adds_up(any_app: App) -> None:
    async with any_app.store.transaction() as repo:
        assert await repo.tokens.add_usage("zalo_bot", "2026-11", 3) == 3
        assert await repo.tokens.add_usage("zalo_bot", "2026-11", 2) == 5
        assert await repo.tokens.usage("zalo_bot", "2026-12") == 0
