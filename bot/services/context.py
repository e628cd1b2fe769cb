"""What every use case is given: storage, the curriculum, the grader and a clock."""

from __future__ import annotations

import itertools
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.services.io import Out
from bot.services.policy import Policies, PolicyTable
from bot.services.ports import LearnerRecord, Store
from lessons.model import Curriculum
from scoring.grading import Grader
from scoring.honours import HonoursRules

if TYPE_CHECKING:
    from bot.services.certificates import CertificateMaker
    from bot.services.speech import AudioCache, Speech
    from bot.services.tryai import ChatModel, TryAILimits


def utc_now() -> datetime:
    return datetime.now(UTC)


_claims = itertools.count(1)


def new_worker_id() -> str:
    """This process's name on the leases it holds: host, pid and a random tag (a restarted
    process with the same pid is still someone else)."""
    return f"{socket.gethostname()[:12]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class DeliveryLimits:
    """How a process sends the daily push.

    `in_flight` is the crash bound: platform messages sent but not yet recorded. A part is
    recorded (and its lease renewed) before its slot is given back and a learner never has two
    parts in flight, so a kill -9 repeats at most `in_flight` messages, to as many learners.
    `lease` is how long a delivery stays with a worker that stopped making progress before any
    worker takes it up again; `poll_seconds` is the worker's tick when it has nothing to send.
    """

    in_flight: int = 8
    lease: timedelta = timedelta(seconds=60)
    poll_seconds: float = 1.0


@dataclass
class Deps:
    store: Store
    curriculum: Curriculum
    grader: Grader
    timezone: str = "Asia/Ho_Chi_Minh"
    clock: Callable[[], datetime] = utc_now
    admins: frozenset[str] = field(default_factory=frozenset)
    lessons_per_day: int = 3  # lessons a learner may finish in one day ("học tiếp" asks for more)
    bot_link: str = ""  # "https://t.me/<bot>" once Telegram said its name: role invite links
    # Sends messages to a learner on the channel they last used; the app wires it to the sender.
    notify: Callable[[int, list[Out]], Awaitable[None]] | None = None
    # Optional helpers, None when not configured: lessons read aloud and voice notes; the in-chat
    # model for "Thử với AI ngay đây" and its limits.
    speech: Speech | None = None
    audio_cache: AudioCache | None = None
    chat_model: ChatModel | None = None
    tryai_limits: TryAILimits | None = None
    # Level certificates: the PDF maker, and the public address their QR codes point to.
    certificate_maker: CertificateMaker | None = None
    public_url: str = "http://localhost:8080"
    # The web pages' address for sign-in links ("/web" in the chat); None: no web pages here.
    web_url: str | None = None
    honours_rules: HonoursRules | None = None  # None: the packaged bot/rules/honours.yaml
    # Process roles: this process's name on leases, and how it sends the daily push.
    worker_id: str = field(default_factory=new_worker_id)
    delivery_limits: DeliveryLimits = field(default_factory=DeliveryLimits)
    # What each channel allows (its messaging window, its monthly budget): the app's sender.
    policies: Policies = field(default_factory=PolicyTable)

    def now(self) -> datetime:
        return self.clock()

    def lease_holder(self) -> str:
        """A name for one claim: this process's, told apart from its other claims (a holder
        may renew its own lease, so two claims in one process must not share a name)."""
        return f"{self.worker_id}:{next(_claims)}"

    def today_for(self, learner: LearnerRecord) -> date:
        return self.now().astimezone(ZoneInfo(learner.timezone)).date()
