"""The public certificate verification page: /verify/<code> (and a form at /verify).

It shows only what the certificate itself prints: the name, the level and its title, the date, the
unit, and whether it was revoked (with the reason). An unknown code answers 404 and a malformed one
400, with a plain Vietnamese sentence and nothing else. `verify_routes` is what the officials' web
server mounts; `start_verify_server` runs it alone from `hocai run` (HOCAI_VERIFY_SERVER).
"""

from __future__ import annotations

import asyncio
import html
import logging

from aiohttp import web

from bot.i18n import Translator
from bot.services import certificates
from bot.services.certificates import CertificateMaker, Verification
from bot.services.ports import Store
from scoring.certificate_code import parse, shown

log = logging.getLogger(__name__)

PNG_SUFFIX = ".png"
# A 10,000-character code must reach our handler to get a clear answer (aiohttp's default request
# line limit is 8,190 bytes); anything over 64 characters is then refused before any lookup.
MAX_LINE = 16_384

_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",  # nobody's certificate should turn up in a search
    "Cache-Control": "no-store",
}

_STYLE = """
body{margin:0;padding:0 .75rem;background:#f6f3ea;color:#1f2a44;font:17px/1.5 system-ui,-apple-system,"Segoe UI",
Roboto,"Noto Sans",sans-serif}
main{max-width:34rem;margin:1.5rem auto;padding:1.25rem 1.5rem;background:#fffdf6;
border:2px solid #174e3d;border-radius:10px;box-shadow:0 2px 10px rgba(0,0,0,.06)}
.programme{color:#8a6d1f;letter-spacing:.12em;text-transform:uppercase;font-size:.8rem;margin:0}
h1{font-size:1.35rem;margin:.4rem 0 1rem}
.valid{color:#174e3d}.revoked{color:#9b1c1c}.missing{color:#5f6878}
h1::before{content:"";display:inline-block;width:.7em;height:.7em;border-radius:50%;
margin-right:.45em;vertical-align:.05em;background:currentColor}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0 0 1rem}
dt{color:#5f6878}dd{margin:0;font-weight:600}.code{white-space:nowrap;letter-spacing:.03em}
.note{color:#5f6878;font-size:.9rem}
form{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:1rem}
input{flex:1 1 14rem;font:inherit;padding:.45rem .6rem;border:1px solid #b8912f;border-radius:6px;
text-transform:uppercase}
button{font:inherit;padding:.45rem 1rem;border:0;border-radius:6px;background:#174e3d;color:#fff}
"""


def _page(tr: Translator, heading: str, css_class: str, body: str, status: int) -> web.Response:
    form = (
        f'<form method="get" action="{certificates.VERIFY_PATH.rstrip("/")}">'
        f'<input name="code" maxlength="64" autocomplete="off" '
        f'aria-label="{html.escape(tr("cert.web.code_label"))}" '
        f'placeholder="ABCDE-FGHJK-MNPQR">'
        f'<button type="submit">{html.escape(tr("cert.web.check"))}</button></form>'
    )
    text = (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex,nofollow">'
        f"<title>{html.escape(tr('cert.web.title'))}</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="programme">{html.escape(tr("cert.pdf.programme"))}</p>'
        f'<h1 class="{css_class}">{html.escape(heading)}</h1>{body}{form}</main></body></html>'
    )
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS
    )


def _facts(tr: Translator, found: Verification) -> str:
    record = found.record
    assert record is not None
    day = record.issued_on or record.earned_at.date()
    rows = [
        (tr("cert.web.name"), record.full_name or ""),
        (
            tr("cert.web.level"),
            tr("cert.web.level_value", level=record.level, title=record.level_title),
        ),
        (tr("cert.web.date"), day.strftime("%d/%m/%Y")),
        (tr("cert.web.unit"), record.unit_name or "-"),
    ]
    code = shown(record.code)
    if found.status == "revoked":
        revoked_on = record.revoked_at.strftime("%d/%m/%Y") if record.revoked_at else "-"
        rows += [
            (tr("cert.web.revoked_on"), revoked_on),
            (tr("cert.web.reason"), record.revoke_reason or "-"),
        ]
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows[:4])
    items += f'<dt>{html.escape(tr("cert.web.code"))}</dt><dd class="code">{html.escape(code)}</dd>'
    items += "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows[4:])
    return f"<dl>{items}</dl>"


def answer(found: Verification) -> web.Response:
    tr = Translator("vi")
    if found.status == "malformed":
        return _page(
            tr,
            tr("cert.web.malformed_title"),
            "missing",
            f"<p>{html.escape(tr('cert.web.malformed'))}</p>",
            400,
        )
    if found.status == "unknown":
        return _page(
            tr,
            tr("cert.web.unknown_title"),
            "missing",
            f"<p>{html.escape(tr('cert.web.unknown'))}</p>",
            404,
        )
    if found.status == "revoked":
        return _page(
            tr,
            tr("cert.web.revoked_title"),
            "revoked",
            _facts(tr, found) + f'<p class="note">{html.escape(tr("cert.web.revoked"))}</p>',
            200,
        )
    return _page(
        tr,
        tr("cert.web.valid_title"),
        "valid",
        _facts(tr, found) + f'<p class="note">{html.escape(tr("cert.web.valid"))}</p>',
        200,
    )


def verify_routes(
    store: Store,
    maker: CertificateMaker | None = None,
    public_url: str = certificates.DEFAULT_PUBLIC_URL,
) -> list[web.RouteDef]:
    """The verification routes, for any aiohttp application to mount."""

    async def lookup(text: str) -> Verification:
        if parse(text) is None:
            return Verification("malformed")  # refused before anything is looked up
        async with store.transaction() as repo:
            return await certificates.verify(repo, text)

    async def form(request: web.Request) -> web.Response:
        if "code" in request.query:
            return answer(await lookup(request.query["code"]))
        tr = Translator("vi")
        return _page(
            tr,
            tr("cert.web.form_title"),
            "valid",
            f"<p>{html.escape(tr('cert.web.form'))}</p>",
            200,
        )

    async def page(request: web.Request) -> web.Response:
        text = request.match_info["code"]
        if text.endswith(PNG_SUFFIX) and maker is not None:
            return await picture(text.removesuffix(PNG_SUFFIX))
        return answer(await lookup(text))

    async def picture(text: str) -> web.Response:
        """The certificate's picture, for chat apps that fetch pictures by address (Zalo)."""
        found = await lookup(text)
        if found.status != "valid" or found.record is None or maker is None:
            status = {"malformed": 400, "unknown": 404}.get(found.status, 410)
            return web.Response(
                status=status,
                text=Translator("vi")(
                    f"cert.web.{found.status}" if found.status != "valid" else "cert.web.unknown"
                ),
                headers=_HEADERS,
            )
        card = certificates.card(public_url, found.record)
        png = await asyncio.to_thread(maker.png, card)
        return web.Response(body=png, content_type="image/png", headers=_HEADERS)

    return [
        web.get(certificates.VERIFY_PATH.rstrip("/"), form),
        web.get(certificates.VERIFY_PATH + "{code}", page),
    ]


def verify_app(
    store: Store,
    maker: CertificateMaker | None = None,
    public_url: str = certificates.DEFAULT_PUBLIC_URL,
) -> web.Application:
    app = web.Application(handler_args={"max_line_size": MAX_LINE})
    app.add_routes(verify_routes(store, maker, public_url))
    return app


async def start_verify_server(
    store: Store, maker: CertificateMaker | None, public_url: str, host: str, port: int
) -> web.AppRunner:
    """Serve the verification page on host:port until the runner is cleaned up."""
    # No access log: the codes in the addresses are what lets anyone see a certificate.
    runner = web.AppRunner(verify_app(store, maker, public_url), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info(
        "certificate verification page on http://%s:%s%s", host, port, certificates.VERIFY_PATH
    )
    return runner
