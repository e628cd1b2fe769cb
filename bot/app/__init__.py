"""The composition root: the one place that builds and wires every part.

The channels' rows and policies are in runners.py, the web pages' wiring in web.py."""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.runners import channel_runners, declared_policies, pace_redis, start_when_wanted
from bot.app.web import _web_port, console_sign_in_link, start_console_web, start_web
from bot.config import Settings, SettingsError
from bot.services.context import DeliveryLimits, Deps, utc_now
from bot.services.dialog import Dialog
from bot.services.honours import load_rules
from bot.services.notify import notifier
from bot.services.photos import PhotoGrader
from bot.services.sender import Limits, Sender
from bot.storage.db import SqlStore, make_engine, upgrade
from bot.storage.secrets import cipher_for
from lessons.loader import BUILTIN_DIR, load_curriculum
from lessons.model import Curriculum
from scoring.grading import Grader

if TYPE_CHECKING:
    from bot.services.ports_bots import Cipher

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    store: SqlStore
    deps: Deps
    dialog: Dialog
    sender: Sender
    background: list[asyncio.Task[None]] = field(default_factory=list)
    # Set by the planner at each committed chunk: a worker in this process starts sending at once.
    deliveries_planned: asyncio.Event = field(default_factory=asyncio.Event)
    cipher: Cipher | None = None  # opens units' bot tokens (HOCAI_SECRET_KEY)

    async def close(self) -> None:
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.store.close()
        if self.sender.redis is not None:
            await self.sender.redis.aclose()


def load_lessons(settings: Settings) -> Curriculum:
    curriculum, problems = load_curriculum(BUILTIN_DIR, settings.lessons_dir)
    for problem in problems:
        # A broken instructor file is reported and skipped; the rest of the curriculum works.
        log.error("lesson problem: %s", problem)
    if not curriculum.lessons:
        raise RuntimeError("no valid lessons were found; see the errors above")
    return curriculum


def build_grader(settings: Settings, store: SqlStore) -> Grader:
    """Rules first, the model second, code decides. With no model configured (or the model down,
    or the day's token budget spent) the rules' grade stands as provisional, and the regrading
    job revisits it once a model answers."""
    from bot.llm.grader import LLMGrader
    from bot.llm.wiring import LLMConfig, make_client
    from bot.storage.grading_costs import SqlGradeCache, SqlTokenBudget

    config = LLMConfig.from_settings(settings)
    return LLMGrader(
        make_client(config),
        config.model,
        SqlTokenBudget(store, config.daily_token_budget, utc_now, settings.timezone),
        SqlGradeCache(store, utc_now),
        vision=config.vision,
        timeout_s=config.timeout_s,
        max_concurrency=config.max_concurrency,
    )


def add_speech_and_tryai(settings: Settings, deps: Deps) -> None:
    """Lessons read aloud and voice notes (with a speech server); the in-chat model (with the
    grader's model configured). Either stays None, and the dialog says so kindly, without one."""
    import openai

    from bot.services.tryai import TryAILimits

    if settings.speech_configured:
        from bot.llm.speech import OpenAISpeech
        from bot.storage.audio_files import FileAudioCache

        key = settings.speech_api_key
        client = openai.AsyncOpenAI(
            api_key=key.get_secret_value() if key is not None else "not-needed",
            base_url=settings.speech_base_url,
            timeout=settings.speech_timeout_seconds,
            max_retries=1,
        )
        deps.speech = OpenAISpeech(
            client, settings.tts_model, settings.stt_model, settings.tts_voice, settings.tts_format
        )
        deps.audio_cache = FileAudioCache(settings.data_dir / "audio")
    if settings.tryai_enabled and settings.llm_configured and settings.llm_model:
        from bot.llm.chat import OpenAIChat
        from bot.llm.wiring import LLMConfig, make_client

        chat_client = make_client(LLMConfig.from_settings(settings))
        if chat_client is not None:
            deps.chat_model = OpenAIChat(chat_client, settings.llm_model)
    deps.tryai_limits = TryAILimits(
        turns_per_day=settings.tryai_turns_per_day, daily_tokens=settings.tryai_daily_token_budget
    )


def add_certificates(settings: Settings, deps: Deps) -> None:
    """Level certificates as PDFs (fonts shipped in the package), their QR codes pointing to the
    public verification address."""
    from bot.documents.certificate_pdf import PdfCertificates

    deps.certificate_maker = PdfCertificates()
    deps.public_url = settings.public_url


async def build_app(
    settings: Settings,
    *,
    grader: Grader | None = None,
    migrate: bool = True,
    curriculum: Curriculum | None = None,
) -> App:
    if migrate:
        await asyncio.to_thread(upgrade, settings.database_url)
    store = SqlStore(make_engine(settings.database_url, settings.database_pool_size))
    deps = Deps(
        store=store,
        curriculum=curriculum or load_lessons(settings),
        # A channel that fetched a photo hands its bytes to the grader through this wrapper.
        grader=PhotoGrader(grader or build_grader(settings, store)),
        timezone=settings.timezone,
        admins=frozenset(settings.admins),
        lessons_per_day=settings.lessons_per_day,
        honours_rules=load_rules(settings.honours_file),
        delivery_limits=DeliveryLimits(
            in_flight=settings.delivery_in_flight,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            poll_seconds=settings.delivery_poll_seconds,
        ),
    )
    add_speech_and_tryai(settings, deps)
    add_certificates(settings, deps)
    sender = Sender(redis=pace_redis(settings), declared=declared_policies())
    deps.policies = sender  # each channel's window and budget, as its outbound declares them
    deps.notify = notifier(deps, sender)
    if settings.web_url is not None or settings.web_served(settings.role):
        deps.web_url = settings.web_address  # "/web" in the chat links there
    return App(
        settings=settings,
        store=store,
        deps=deps,
        dialog=Dialog(deps),
        sender=sender,
        cipher=cipher_for(settings),
    )


async def run(
    settings: Settings, console_files: Path = Path("hocai-files"), role: str | None = None
) -> None:
    """Start what `role` does (README "Chạy nhiều tiến trình / Process roles"):

    - web: the channels' intake (Telegram polling or webhook, Zalo webhooks or polling, the Zalo
      inbox worker), the answers to learners, and the web pages (README "Trang quản lý");
    - worker: sending the daily push (deliveries claimed under leases), any number of them;
    - scheduler: the clock (planning the push, grading left-over work, regrading), run by the
      one process that holds the scheduler lock, so any number may stand by;
    - all (the default): everything in this one process; with no channel, the console chat.
    """
    from bot.scheduling.runner import Scheduler

    role = role or settings.role
    web, worker, scheduling = (role in ("all", r) for r in ("web", "worker", "scheduler"))
    app = await build_app(settings)
    # The lessons, models and modules loaded at start live as long as the process: kept out of
    # the garbage collector's scans, a burst of webhook calls is not paused by full collections.
    gc.freeze()
    tasks: list[asyncio.Task[None]] = []
    verify_server = web_server = None
    try:
        if settings.web_served(role):  # the web pages, with the certificate page on them
            web_server = await start_web(app, settings.web_host, _web_port(settings))
            app.deps.web_url = app.deps.web_url or settings.web_address
        if (
            settings.verify_server
            and web
            and not (web_server is not None and settings.verify_port == _web_port(settings))
        ):
            from bot.channels.web.verify import start_verify_server

            verify_server = await start_verify_server(
                app.store,
                app.deps.certificate_maker,
                settings.public_url,
                settings.verify_host,
                settings.verify_port,
            )
        later = []
        for runner in channel_runners():
            task = None
            if await runner.wanted(settings, app.store):
                task = await runner.start(app, web)
            if task is not None:
                tasks.append(task)
            else:
                later.append(runner)
        console = role == "all" and not tasks
        if not tasks and (role == "worker" or (role == "web" and web_server is None)):
            # A worker with no channel would find every learner unreachable and skip them all.
            raise SettingsError(
                f"the {role} role needs a chat channel: set TELEGRAM_BOT_TOKEN "
                "or a Zalo bot or Official Account"
            )
        if console:
            from bot.channels.console.chat import CHANNEL, DEMO_USER, ConsoleOutbound
            from bot.services.roles_chat import ensure_demo_admin
            from bot.services.units import ensure_demo_units

            code = await ensure_demo_units(app.store)
            # The demo user tries the instructor's and leader's tools as a real administrator.
            await ensure_demo_admin(
                app.store, CHANNEL, DEMO_USER, f"Học viên {DEMO_USER}", settings.timezone, utc_now()
            )
            outbound = ConsoleOutbound(files_dir=console_files)
            app.sender.add(outbound, Limits(per_second=100, per_chat_interval=0))
            if web_server is None:  # the demo's web pages, on this machine only
                web_server = await start_console_web(app)
            demo_link = await console_sign_in_link(app, CHANNEL, DEMO_USER)
        if not console:  # a channel's first bot, added by a unit later, needs no restart
            for runner in later:
                tasks.append(
                    asyncio.create_task(
                        start_when_wanted(runner, app, web, settings.bots_reload_seconds),
                        name=f"{runner.name} waiting for a first bot",
                    )
                )
        if worker:
            tasks.append(asyncio.create_task(_sending(app), name="delivery worker"))
        if scheduling:
            tasks.append(asyncio.create_task(Scheduler(app).run(), name="scheduler"))
        log.info("running as %s (worker id %s)", role, app.deps.worker_id)
        if console:
            from bot.channels.console.chat import run_console

            print(
                "Bình dân học AI: trò chuyện thử trên máy (không cần token). "
                "Gõ chữ rồi Enter; Ctrl+D để thoát."
            )
            if demo_link:
                print(
                    f"Trang quản lý (đăng nhập một lần, trong 10 phút): {demo_link}\n"
                    "Gõ /web để nhận đường dẫn mới."
                )
            await run_console(app.dialog, outbound, first_message=f"/start g_{code}")
            return
        if not tasks:  # the web pages alone (a web role without a chat channel)
            await asyncio.Event().wait()
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        # Let the channels finish their handlers before the database goes away.
        await asyncio.gather(*tasks, return_exceptions=True)
        if verify_server is not None:
            await verify_server.cleanup()
        if web_server is not None:
            await web_server.cleanup()
        await app.close()


async def _sending(app: App) -> None:
    """The delivery worker: claim, send, tick; a database outage pauses it, never ends it."""
    from bot.services.delivery import deliver_due

    while True:
        try:
            await deliver_due(app.deps, app.sender, planned=app.deliveries_planned, keep_going=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivery worker failed; starting again in 5 s")
            await asyncio.sleep(5)
