"""The Official Account's OAuth tokens: refreshed before they expire, one refresh at a time.

The access token lives 25 hours; the refresh token lives 3 months, works ONCE, and every refresh
returns a new one. Spending it twice, or losing the new one, means someone must re-authorise the
OA by hand. So:
- one refresh at a time in this process (an asyncio.Lock), and across processes (a lease on the
  database row, taken by compare-and-swap on the current refresh token);
- the new pair is committed to the database before the new access token is used;
- a process that finds another one refreshing waits for the new pair instead of refreshing too.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from bot.channels.zalo.errors import ZaloAuthError, ZaloNetworkError
from bot.services.context import utc_now
from bot.services.ports import Store, TokenPair

log = logging.getLogger(__name__)

OAUTH_URL = "https://oauth.zaloapp.com/v4/oa/access_token"
REFRESH_MARGIN = timedelta(hours=1)  # refresh this long before the access token expires
LEASE = timedelta(seconds=60)  # a refresh not finished by then was lost with its process
WAIT_FOR_OTHER_SECONDS = 30.0
UNKNOWN_AGE = timedelta(hours=2)  # a hand-given access token of unknown age: refresh soon


def seed_hash(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()


class OATokens:
    def __init__(
        self,
        store: Store,
        app_id: str,
        secret_key: str,
        http: httpx.AsyncClient,
        oauth_url: str = OAUTH_URL,
        clock: Callable[[], datetime] = utc_now,
        margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self.store, self.app_id, self.http = store, app_id, http
        self._secret = secret_key
        self.oauth_url, self.clock, self.margin = oauth_url, clock, margin
        self._lock = asyncio.Lock()
        self._pair: TokenPair | None = None
        self.refreshes = 0  # OAuth calls made by this object

    async def seed(self, access_token: str | None, refresh_token: str) -> None:
        """Store the hand-given pair once. Later starts keep the stored (rotated) pair, unless
        the settings hold a new hand-given refresh token: then that replaces it."""
        digest = seed_hash(refresh_token)
        now = self.clock()
        async with self.store.transaction() as repo:
            stored = await repo.tokens.token_pair(self.app_id)
            if stored is not None and stored.seed_hash == digest:
                return
            expires = now + UNKNOWN_AGE if access_token else now
            await repo.tokens.seed_token_pair(
                self.app_id, TokenPair(access_token or "", refresh_token, expires), digest, now
            )
        self._pair = None
        if stored is not None:
            log.info("Zalo OA: new tokens from the settings replace the stored ones")

    async def _read(self) -> TokenPair:
        async with self.store.transaction() as repo:
            pair = await repo.tokens.token_pair(self.app_id)
        if pair is None:
            raise ZaloAuthError(-216, "no OA tokens stored: set ZALO_OA_REFRESH_TOKEN")
        return pair

    def _fresh(self, pair: TokenPair) -> bool:
        return bool(pair.access_token) and pair.expires_at - self.margin > self.clock()

    async def access_token(self) -> str:
        """A valid access token, refreshed first when it is about to expire."""
        pair = self._pair
        if pair is None or not self._fresh(pair):
            pair = self._pair = await self._read()
        if self._fresh(pair):
            return pair.access_token
        return await self.refresh(stale=pair.access_token)

    async def refresh(self, stale: str | None = None) -> str:
        """Replace the pair whose access token is `stale` (expired or refused) and return the
        new access token; if another task or process already replaced it, return theirs."""
        async with self._lock:
            pair = await self._read()
            if pair.access_token != stale and self._fresh(pair):
                self._pair = pair
                return pair.access_token
            deadline = time.monotonic() + WAIT_FOR_OTHER_SECONDS
            while not await self._lease(pair.refresh_token):
                # Another process holds the lease: wait for the pair it will store.
                if time.monotonic() > deadline:
                    raise ZaloNetworkError(
                        "another process has been refreshing OA tokens for too long"
                    )
                await asyncio.sleep(0.1)
                newer = await self._read()
                if newer.refresh_token != pair.refresh_token:
                    self._pair = newer
                    return newer.access_token
            new = await self._spend(pair.refresh_token)
            async with self.store.transaction() as repo:
                swapped = await repo.tokens.swap_token_pair(
                    self.app_id, pair.refresh_token, new, self.clock()
                )
            if not swapped:  # someone seeded a new hand-given pair meanwhile: theirs wins
                log.error(
                    "Zalo OA: the stored tokens changed during a refresh; using the stored ones"
                )
                self._pair = await self._read()
                return self._pair.access_token
            self._pair = new
            log.info(
                "Zalo OA access token refreshed; it expires at %s",
                new.expires_at.isoformat(timespec="minutes"),
            )
            return new.access_token

    async def _lease(self, refresh_token: str) -> bool:
        now = self.clock()
        async with self.store.transaction() as repo:
            return await repo.tokens.lease_token_refresh(
                self.app_id, refresh_token, now, now + LEASE
            )

    async def _release(self, refresh_token: str) -> None:
        async with self.store.transaction() as repo:
            await repo.tokens.release_token_lease(self.app_id, refresh_token)

    async def _spend(self, refresh_token: str) -> TokenPair:
        """Trade the refresh token for a new pair (the one call that spends it)."""
        self.refreshes += 1
        try:
            response = await self.http.post(
                self.oauth_url,
                headers={"secret_key": self._secret},
                data={
                    "app_id": self.app_id,
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                },
            )
        except httpx.HTTPError as exc:
            # Unknown whether Zalo spent it; the next try finds out, and says so if it did.
            await self._release(refresh_token)
            raise ZaloNetworkError(f"OA token refresh: {type(exc).__name__}") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        access = data.get("access_token") if isinstance(data, dict) else None
        refresh = data.get("refresh_token") if isinstance(data, dict) else None
        if response.status_code >= 500 or not isinstance(data, dict):
            await self._release(refresh_token)
            raise ZaloNetworkError(f"OA token refresh: HTTP {response.status_code}")
        if not access or not refresh:
            await self._release(refresh_token)
            code = int(data.get("error") or -1)
            reason = str(data.get("error_description") or data.get("error_name") or "")
            log.critical(
                "Zalo OA refused the refresh token (%s %s). Re-authorise the OA by "
                "hand and put the new tokens in ZALO_OA_ACCESS_TOKEN and "
                "ZALO_OA_REFRESH_TOKEN (see README, Zalo).",
                code,
                reason,
            )
            raise ZaloAuthError(code, f"refresh refused: {reason}")
        try:
            lifetime = timedelta(seconds=int(data.get("expires_in") or 90000))
        except (TypeError, ValueError):
            lifetime = timedelta(hours=25)
        return TokenPair(str(access), str(refresh), self.clock() + lifetime)

    async def keep_fresh(self, every_seconds: float = 300.0) -> None:
        """Refresh ahead of expiry even when nothing is being sent (a quiet night)."""
        while True:
            try:
                await self.access_token()
            except ZaloAuthError:
                log.error("Zalo OA tokens cannot be refreshed; messages to the OA will fail")
            except ZaloNetworkError as exc:
                log.warning("Zalo OA token check failed: %s", exc)
            await asyncio.sleep(every_seconds)
