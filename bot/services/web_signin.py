"""Signing in to the web pages without a password: a person with a role (or in HOCAI_ADMINS)
types "/web" or "trang quản lý" in the chat and gets a link that works once, within 10 minutes.
Only the token's SHA-256 is stored; opening the link starts a session (`WebSessionRecord`) that
the web channel names in an encrypted cookie. What the session may see is decided on every page
from the person's roles as they are then (`permissions`), never from what the cookie says.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from bot.i18n import Translator
from bot.services import permissions
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork
from bot.services.ports.web import WebSessionRecord

LINK_TTL = timedelta(minutes=10)
KEEP_ENDED = timedelta(days=1)  # ended links and sessions are kept a day, then purged
LOGIN_PATH = "/web/login/"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}{LOGIN_PATH}{token}"


async def may_sign_in(deps: Deps, repo: UnitOfWork, learner_id: int) -> bool:
    """Anyone with an active role, or in HOCAI_ADMINS; a learner alone has no pages."""
    return bool(await permissions.roles_of(repo, learner_id)) or await permissions.is_admin(
        repo, learner_id, deps.admins
    )


async def new_link(deps: Deps, repo: UnitOfWork, learner_id: int) -> str | None:
    """A fresh one-time link for this person; None when they hold no role or there are no pages
    (`deps.web_url` unset)."""
    if deps.web_url is None or not await may_sign_in(deps, repo, learner_id):
        return None
    token = secrets.token_urlsafe(32)
    now = deps.now()
    await repo.web.add_link(token_hash(token), learner_id, now, now + LINK_TTL)
    return link_url(deps.web_url, token)


async def sign_in_message(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator
) -> list[Out]:
    """The chat's answer to "/web": the link, or a kind word on why there is none."""
    if not await may_sign_in(deps, repo, learner.id):
        return [Out(text=tr("web.no_role"))]
    if deps.web_url is None:
        return [Out(text=tr("web.not_set_up"))]
    link = await new_link(deps, repo, learner.id)
    assert link is not None
    return [
        Out(
            title=tr("web.link_title"),
            text=tr("web.link", link=link, minutes=int(LINK_TTL.total_seconds() // 60)),
        )
    ]


async def link_usable(deps: Deps, repo: UnitOfWork, token: str) -> bool:
    """May this link still be used? (Shown before the button; nothing is used up.)"""
    return bool(_TOKEN.match(token)) and await repo.web.link_usable(token_hash(token), deps.now())


async def open_link(
    deps: Deps, repo: UnitOfWork, token: str, session_ttl: timedelta
) -> WebSessionRecord | None:
    """The session a link opens; None for a malformed, unknown, used or expired link (the page
    says the same for all four: ask for a new link in the chat). The person must still hold a
    role: one revoked since the link was sent opens nothing."""
    if not _TOKEN.match(token):
        return None
    now = deps.now()
    session = await repo.web.use_link(token_hash(token), now, now + session_ttl)
    if session is None or not await may_sign_in(deps, repo, session.learner_id):
        return None
    return session


async def live_session(deps: Deps, repo: UnitOfWork, session_id: int) -> WebSessionRecord | None:
    """The session a cookie names, while it lasts and was not signed out of."""
    session = await repo.web.session(session_id)
    if session is None or not session.live(deps.now()):
        return None
    return session


async def purge(deps: Deps, repo: UnitOfWork) -> int:
    """Links never opened and sessions that ended more than a day ago: nothing to keep."""
    return await repo.web.purge(deps.now() - KEEP_ENDED)
