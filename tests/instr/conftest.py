"""Helpers for the instructor and mentor tests: people with roles, recording channels, units."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

import pytest
import stamina
from sqlalchemy import text

from bot.app import App, declared_policies
from bot.services.io import Out, Unreachable
from bot.services.permissions import Role
from bot.services.policy import ChannelPolicy
from bot.services.sender import Limits
from tests.conftest import Chat, join_code
from tests.roles.conftest import give, person, unit_id

FAST = Limits(per_second=1000, per_chat_interval=0)

# Work that answers the challenge below: a prompt, what the AI said, the learner's own check.
WORK = (
    "Prompt tôi viết: Bạn là tổ trưởng tổ dân phố số 5. Tuần sau tổ họp về vệ sinh môi "
    "trường ngõ xóm. Hãy viết thông báo mời các hộ gia đình đi họp, dưới 150 chữ, lời lẽ "
    "lịch sự, có thời gian và địa điểm. Kết quả AI trả lời là một thông báo ngắn, có đủ giờ "
    "họp và địa điểm ở nhà văn hóa. Nhận xét của tôi: kết quả dùng được, tôi sửa lại giờ họp "
    "cho đúng và thêm số điện thoại của tổ trưởng vì AI viết thiếu."
)
TASK = (
    "Hãy viết một prompt nhờ AI soạn thông báo mời họp tổ dân phố, gửi lại prompt, kết quả "
    "AI trả lời và nhận xét của bạn."
)
CRITERIA = "Có vai trò và bối cảnh cho AI\nCó kết quả AI trả lời\nCó nhận xét và chỗ đã sửa"


@pytest.fixture
def no_waits():  # type: ignore[no-untyped-def]
    """The model client's retries without their pauses."""
    with stamina.set_testing(True, attempts=2, cap=True):
        yield


DECLARED = declared_policies()


@dataclass
class Recording:
    """A channel that records what it would send; chats in `blocked` have blocked the bot, and
    after `hang_after` sends it hangs (the process "dies" there: the test cancels it)."""

    channel: str = "telegram"
    blocked: set[str] = field(default_factory=set)
    hang_after: int | None = None
    allowed: bool = True  # the monthly quota (PushBudget): False once spent
    sent: list[tuple[str, Out]] = field(default_factory=list)
    hanging: asyncio.Event = field(default_factory=asyncio.Event)  # set when it starts to hang

    async def push_allowed(self) -> bool:
        return self.allowed

    @property
    def policy(self) -> ChannelPolicy:
        """As the real outbound of `channel` declares it (Zalo OA's window), with this fake's
        quota as its monthly budget."""
        return replace(DECLARED.policy(self.channel), budget=self)

    async def send(self, chat_id: str, message: Out) -> None:
        if chat_id in self.blocked:
            raise Unreachable("Forbidden: bot was blocked by the user")
        if self.hang_after is not None and len(self.sent) >= self.hang_after:
            self.hanging.set()
            await asyncio.Event().wait()
        self.sent.append((chat_id, message))

    def to(self, chat_id: str) -> list[Out]:
        return [m for c, m in self.sent if c == chat_id]


def recording(app: App, channel: str = "telegram", **kwargs: object) -> Recording:
    out = Recording(channel=channel, **kwargs)  # type: ignore[arg-type]
    app.sender.add(out, FAST)
    return out


async def learner(
    app: App, user: str, unit: str = "T05", channel: str = "telegram", name: str = ""
) -> Chat:
    chat = Chat(app, user, channel=channel, name=name or f"Học viên {user}")
    await chat.join(await join_code(app, unit))
    return chat


async def instructor(
    app: App, user: str = "7001", unit: str = "T05", channel: str = "telegram"
) -> Chat:
    chat = await learner(app, user, unit, channel, name="Cô Lan giảng viên")
    await give(app, chat, Role.INSTRUCTOR, unit)
    return chat


async def rows(app: App, sql: str, **params: object) -> list[tuple]:
    async with app.store.transaction() as repo:
        return [tuple(r) for r in (await repo.s.execute(text(sql), params)).all()]  # type: ignore[attr-defined]


async def ledger_lines(app: App, kind: str) -> list[tuple]:
    return await rows(
        app, "SELECT learner_id, key, points FROM points_ledger WHERE kind = :k ORDER BY id", k=kind
    )


__all__ = [
    "CRITERIA",
    "FAST",
    "TASK",
    "WORK",
    "Recording",
    "give",
    "instructor",
    "learner",
    "ledger_lines",
    "person",
    "recording",
    "rows",
    "unit_id",
]
