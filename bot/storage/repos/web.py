"""One-time sign-in links to the web pages and the sessions they open (table web_links)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update

from bot.services.ports.web import WebSessionRecord
from bot.storage.models import WebLink
from bot.storage.repos.base import SqlPort


class SqlWebSessions(SqlPort):
    async def add_link(
        self, token_hash: str, learner_id: int, now: datetime, expires_at: datetime
    ) -> int:
        row = WebLink(
            token_hash=token_hash, learner_id=learner_id, created_at=now, expires_at=expires_at
        )
        self.s.add(row)
        await self.s.flush()
        return row.id

    async def link_usable(self, token_hash: str, now: datetime) -> bool:
        found = await self.s.scalar(
            select(WebLink.id).where(
                WebLink.token_hash == token_hash,
                WebLink.used_at.is_(None),
                WebLink.expires_at > now,
            )
        )
        return found is not None

    async def use_link(
        self, token_hash: str, now: datetime, session_until: datetime
    ) -> WebSessionRecord | None:
        # Compare-and-set in one UPDATE: two tabs opening the same link race, one wins.
        used = await self._changed(
            update(WebLink)
            .where(
                WebLink.token_hash == token_hash,
                WebLink.used_at.is_(None),
                WebLink.expires_at > now,
            )
            .values(used_at=now, session_until=session_until)
        )
        if not used:
            return None
        link_id = await self.s.scalar(select(WebLink.id).where(WebLink.token_hash == token_hash))
        return await self.session(int(link_id)) if link_id is not None else None

    async def session(self, session_id: int) -> WebSessionRecord | None:
        row = (
            await self.s.execute(
                select(
                    WebLink.id, WebLink.learner_id, WebLink.session_until, WebLink.signed_out_at
                ).where(WebLink.id == session_id, WebLink.used_at.is_not(None))
            )
        ).one_or_none()
        if row is None or row.session_until is None:
            return None
        return WebSessionRecord(row.id, row.learner_id, row.session_until, row.signed_out_at)

    async def sign_out(self, session_id: int, now: datetime) -> None:
        await self.s.execute(
            update(WebLink)
            .where(WebLink.id == session_id, WebLink.signed_out_at.is_(None))
            .values(signed_out_at=now)
        )

    async def purge(self, before: datetime) -> int:
        return await self._changed(
            delete(WebLink).where(
                or_(
                    and_(WebLink.used_at.is_(None), WebLink.expires_at < before),
                    WebLink.session_until < before,
                    WebLink.signed_out_at < before,
                )
            )
        )
