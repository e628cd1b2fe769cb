"""What every use case is given: storage, the curriculum, the grader and a clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.services.io import Out
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
    honours_rules: HonoursRules | None = None  # None: the packaged bot/rules/honours.yaml

    def now(self) -> datetime:
        return self.clock()

    def today_for(self, learner: LearnerRecord) -> date:
        return self.now().astimezone(ZoneInfo(learner.timezone)).date()
