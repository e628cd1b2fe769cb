"""A long message is several Telegram messages: each is paced, and a 429 repeats only its piece."""

from __future__ import annotations

from bot.channels.telegram.outbound import TelegramOutbound, render_html
from bot.channels.telegram.runner import make_bot
from bot.services.io import Out
from bot.services.sender import ChannelSender, Limits
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
CHAT = 90077


async def test_a_429_in_the_middle_of_a_long_message_resends_only_the_failed_piece() -> None:
    fake = FakeTelegram(rate_per_second=2, retry_after=1)  # the third call in a second: 429
    await fake.start()
    bot = make_bot(TOKEN, fake.base)
    try:
        sender = ChannelSender(TelegramOutbound(bot), Limits(per_second=1000, per_chat_interval=0))
        message = Out(title="Bài dài", text=" ".join(f"đoạn{i} " + "chữ " * 900 for i in range(4)))
        expected = render_html(message)
        assert len(expected) == 4
        await sender.send(str(CHAT), message)
        received = [s.text for s in fake.to(CHAT)]
        assert fake.too_many >= 1 and sender.rate_limited >= 1  # a 429 did happen
        assert received == expected  # and no piece went twice
        assert sender.sent == 4  # platform messages, counted
    finally:
        await bot.session.close()
        await fake.stop()
