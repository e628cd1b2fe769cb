"""Wiring the web pages: the session key, starting the pages (and the console demo's), a sign-in
link for the demo, and the overview's report downloads."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsError
from bot.services.context import Deps

if TYPE_CHECKING:
    from aiohttp.web import AppRunner

    from bot.app import App
    from bot.channels.web.dashboard import Download, ReportMaker
    from bot.channels.web.session import Sealer


def _web_port(settings: Settings) -> int:
    from bot.config import DEFAULT_WEB_PORT

    return settings.web_port if settings.web_port is not None else DEFAULT_WEB_PORT


def web_sealer(settings: Settings) -> Sealer:
    """The session cookies' key: HOCAI_WEB_SECRET, else derived from HOCAI_SECRET_KEY, else one
    for this process only (Settings refuses that for an https address)."""
    from bot.channels.web.session import Sealer

    secret = settings.web_secret or settings.secret_key
    return Sealer.for_secret(secret.get_secret_value().strip() if secret else None)


async def start_web(app: App, host: str, port: int) -> AppRunner:
    """The web pages for officials, instructors and leaders, and the certificate page."""
    from bot.channels.web.dashboard import start_dashboard

    settings = app.settings
    secure = settings.web_address.startswith("https://")
    if secure and settings.web_secret is None and settings.secret_key is None:
        # Checked here too: `--role web` may differ from HOCAI_ROLE, which Settings checked.
        raise SettingsError(
            "the web pages need a key for their session cookies: set "
            "HOCAI_WEB_SECRET (32+ characters) or HOCAI_SECRET_KEY"
        )
    return await start_dashboard(
        app.deps,
        web_sealer(settings),
        host=host,
        port=port,
        secure=secure,
        session_ttl=timedelta(hours=settings.web_session_hours),
        reports=report_maker(),
    )


async def start_console_web(app: App) -> AppRunner | None:
    """The console demo's web pages on 127.0.0.1 (the configured port, or any free one), so the
    link it prints opens; sign-in links then point there."""
    for port in (_web_port(app.settings), 0):
        try:
            runner = await start_web(app, "127.0.0.1", port)
        except OSError:
            continue
        bound = runner.addresses[0][1] if runner.addresses else port
        app.deps.web_url = f"http://127.0.0.1:{bound}"
        return runner
    return None


async def console_sign_in_link(app: App, channel: str, external_id: str) -> str | None:
    from bot.services import web_signin

    async with app.store.transaction() as repo:
        identity = await repo.learners.identity(channel, external_id)
        if identity is None:
            return None
        return await web_signin.new_link(app.deps, repo, identity.learner_id)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_maker() -> ReportMaker:
    """The overview's download: the quarterly workbook or its PDF summary, as `hocai report`
    makes them (the web channel does not import the documents; it is handed this)."""
    import re

    from bot.documents.report_pdf import summary
    from bot.documents.report_xlsx import workbook
    from bot.i18n import Translator
    from bot.services.report import quarter_report

    async def make(deps: Deps, unit_id: int, period: str, kind: str) -> Download | None:
        async with deps.store.transaction() as repo:
            report = await quarter_report(deps, repo, unit_id, period)  # PeriodError: caller's
        if report is None:
            return None
        tr = Translator("vi")
        code = re.sub(r"[^A-Za-z0-9_-]", "", report.unit.unit.code) or "don-vi"
        name = f"bao-cao-{code}-{report.period.label}.{kind}"
        if kind == "pdf":  # drawing and zipping are CPU work: off the event loop
            return await asyncio.to_thread(summary, report, tr), "application/pdf", name
        return await asyncio.to_thread(workbook, report, tr), XLSX, name

    return make
