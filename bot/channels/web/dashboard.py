"""The web pages for officials, instructors and group leaders (README "Trang quản lý").

aiohttp, because the Zalo webhooks and the certificate page already run on it (one server, one
event loop with the bot); Jinja2 templates with autoescaping on; no JavaScript: sorting is links,
charts are SVG drawn here. Every page is read under the person's roles as they are at that moment
(`bot.services.web_access`); a unit outside them answers 404 and names nothing.

Sign-in: "/web" in the chat sends a one-time link (`bot.services.web_signin`); opening it shows a
button (chat apps fetch links for their previews: a GET never uses the link up), and pressing it
starts the session: a sealed, HttpOnly, SameSite=Strict cookie naming the session and its CSRF
token. Every form carries that token; a POST without it answers 403 and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from bot.channels.web import charts, pages
from bot.channels.web.session import COOKIE, SESSION, VIEWER, Sealer, csrf_ok, same_origin
from bot.channels.web.verify import MAX_LINE, verify_routes
from bot.i18n import Translator
from bot.services import web_signin
from bot.services.context import Deps
from bot.services.web_access import viewer

log = logging.getLogger(__name__)

PREFIX = "/web"
HEADERS = {
    # No script at all; styles only from our own stylesheet; forms only back to us.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A sign-in link never leaks through a Referer to another site; our own forms still get
    # their Origin (with no-referrer, Chromium sends "Origin: null" on every POST).
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
MAX_FORM = 16 * 1024  # the longest form (a revocation reason) is far shorter

# A file the overview's download button offers: (bytes, content type, file name).
Download = tuple[bytes, str, str]
ReportMaker = Callable[[Deps, int, str, str], Awaitable[Download | None]]


@dataclass
class Site:
    """What every handler shares: the app's services and the web settings."""

    deps: Deps
    sealer: Sealer
    secure: bool  # the cookie's Secure flag: on when the pages are served over https
    session_ttl: timedelta
    # The quarterly workbook and PDF, from bot/app/web.py (the channels do not import documents).
    reports: ReportMaker | None = None
    tr: Translator = field(default_factory=lambda: Translator("vi"))
    env: jinja2.Environment = field(default_factory=lambda: _environment())

    # ---- rendering ---------------------------------------------------------------------------

    def page(
        self, request: web.Request, template: str, status: int = 200, **context: Any
    ) -> web.Response:
        who = request.get(VIEWER)
        cookie = request.get(SESSION)
        text = self.env.get_template(template).render(
            t=self.tr,
            who=who,
            areas=who.areas if who else (),
            csrf=cookie.csrf if cookie else "",
            prefix=PREFIX,
            path=request.path,
            url=_url,
            charts=charts,
            **context,
        )
        return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")

    def message(
        self,
        request: web.Request,
        status: int,
        title: str,
        body: str,
        link: tuple[str, str] | None = None,
    ) -> web.Response:
        """A plain page that says one thing (a refusal, a used link, a missing unit)."""
        return self.page(
            request, "message.html", status, title=self.tr(title), body=self.tr(body), link=link
        )

    def not_found(self, request: web.Request) -> web.Response:
        # The same answer for a unit that does not exist and one outside the person's scope.
        return self.message(request, 404, "web.not_found_title", "web.not_found")

    # ---- the session -------------------------------------------------------------------------

    async def signed_in(self, request: web.Request) -> bool:
        """Reads the cookie and the person's roles into the request; False when there is no
        live session (missing, forged, expired, signed out) or no role any more."""
        cookie = self.sealer.open(
            request.cookies.get(COOKIE), int(self.session_ttl.total_seconds())
        )
        if cookie is None:
            return False
        async with self.deps.store.transaction() as repo:
            session = await web_signin.live_session(self.deps, repo, cookie.session_id)
            who = await viewer(self.deps, repo, session.learner_id) if session else None
        if who is None:
            return False
        request[VIEWER], request[SESSION] = who, cookie
        return True

    async def form(self, request: web.Request) -> Mapping[str, str]:
        """A POST's fields, once its CSRF token matched the session's; else 403."""
        cookie = request[SESSION]
        if request.content_length is not None and request.content_length > MAX_FORM:
            raise _refusal(self, request, 413, "web.too_long_title", "web.too_long")
        data = await request.post()
        if not csrf_ok(cookie, data.get("csrf")) or not same_origin(request):
            raise _refusal(self, request, 403, "web.csrf_title", "web.csrf")
        return {k: v for k, v in data.items() if isinstance(v, str)}


class Refused(Exception):
    """Raised by a handler to answer with this page at once (a refused POST)."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def _refusal(site: Site, request: web.Request, status: int, title: str, body: str) -> Refused:
    return Refused(site.message(request, status, title, body))


def _url(path: str, **query: object) -> str:
    given = {k: v for k, v in query.items() if v is not None and v != ""}
    return f"{PREFIX}{path}" + (f"?{urlencode(given)}" if given else "")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.channels.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda d: d.strftime("%d/%m/%Y") if d else "–"
    env.filters["percent"] = charts.percent
    env.filters["number"] = charts.number
    return env


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC = (f"{PREFIX}/login/", f"{PREFIX}/style.css", f"{PREFIX}/signed-out")


def _guard(site: Site) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        try:
            if path.startswith(PREFIX) and not path.startswith(PUBLIC):
                if not await site.signed_in(request):
                    response: web.StreamResponse = site.message(
                        request, 401, "web.signed_out_title", "web.sign_in_first"
                    )
                    response.del_cookie(COOKIE, path=PREFIX)
                else:
                    response = await handler(request)
            else:
                response = await handler(request)
        except Refused as refused:
            response = refused.response
        except web.HTTPException as exc:  # aiohttp's own: no route, wrong method, too large
            if exc.status in (404, 405):
                response = site.not_found(request)
            else:
                response = site.message(request, exc.status, "web.error_title", "web.error")
        except Exception:  # a plain page, our headers, and the details in the log only
            log.exception("web page %s failed", path)
            response = site.message(request, 500, "web.error_title", "web.error")
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return guard


def dashboard_app(
    deps: Deps,
    sealer: Sealer,
    *,
    secure: bool,
    session_ttl: timedelta,
    reports: ReportMaker | None = None,
) -> web.Application:
    """The web pages and the public certificate page, on one aiohttp application."""
    site = Site(deps, sealer, secure, session_ttl, reports)
    app = web.Application(
        middlewares=[_guard(site)],
        client_max_size=MAX_FORM,
        handler_args={"max_line_size": MAX_LINE},
    )
    app.add_routes(pages.routes(site))
    app.add_routes(verify_routes(deps.store, deps.certificate_maker, deps.public_url))
    return app


async def start_dashboard(
    deps: Deps,
    sealer: Sealer,
    *,
    host: str,
    port: int,
    secure: bool,
    session_ttl: timedelta,
    reports: ReportMaker | None = None,
) -> web.AppRunner:
    """Serve the pages on host:port until the runner is cleaned up."""
    # No access log: sign-in links carry their token in the address.
    runner = web.AppRunner(
        dashboard_app(deps, sealer, secure=secure, session_ttl=session_ttl, reports=reports),
        access_log=None,
    )
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("web pages on http://%s:%s%s/", host, port, PREFIX)
    return runner
