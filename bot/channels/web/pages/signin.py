"""The style sheet and signing in and out (a one-time link from the chat, then a cookie)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels.web.pages.common import _see_other
from bot.channels.web.session import COOKIE, SESSION, same_origin
from bot.services import web_signin

if TYPE_CHECKING:
    from bot.channels.web.dashboard import Site


STYLE_FILE = "style.css"


async def style(site: Site, request: web.Request) -> web.StreamResponse:
    css = site.env.loader.get_source(site.env, STYLE_FILE)[0] if site.env.loader else ""
    return web.Response(
        text=css,
        content_type="text/css",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


async def login_page(site: Site, request: web.Request) -> web.StreamResponse:
    """The link from the chat: a button, so that a chat app fetching the link for a preview
    does not use it up. A link already used or expired says so here."""
    token = request.match_info["token"]
    async with site.deps.store.transaction() as repo:
        usable = await web_signin.link_usable(site.deps, repo, token)
    if not usable:
        return site.message(request, 410, "web.link_gone_title", "web.link_gone")
    return site.page(request, "login.html", token=token)


async def login(site: Site, request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    if not same_origin(request):  # another site's form cannot sign a browser in
        return site.message(request, 403, "web.csrf_title", "web.csrf")
    async with site.deps.store.transaction() as repo:
        session = await web_signin.open_link(site.deps, repo, token, site.session_ttl)
    if session is None:
        return site.message(request, 410, "web.link_gone_title", "web.link_gone")
    sealed, _cookie = site.sealer.seal(session.id)
    response = _see_other("/web/")
    response.set_cookie(
        COOKIE,
        sealed,
        path="/web",
        httponly=True,
        samesite="Strict",
        secure=site.secure,
        max_age=int(site.session_ttl.total_seconds()),
    )
    return response


async def logout(site: Site, request: web.Request) -> web.StreamResponse:
    await site.form(request)
    async with site.deps.store.transaction() as repo:
        await repo.web.sign_out(request[SESSION].session_id, site.deps.now())
    response = _see_other("/web/signed-out")
    response.del_cookie(COOKIE, path="/web")
    return response


async def signed_out(site: Site, request: web.Request) -> web.StreamResponse:
    return site.message(request, 200, "web.signed_out_title", "web.signed_out")
