"""An official joining on Telegram (aiogram against the fake Bot API on 127.0.0.1): the agency
offered as inline buttons and picked by a tap; ethnicity's consent question declined by a tap."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Dispatcher

from bot.app import App
from bot.channels.telegram.handlers import router
from bot.channels.telegram.outbound import TelegramOutbound
from bot.channels.telegram.runner import make_bot
from bot.i18n import Translator
from bot.services.sender import Limits
from tests.conftest import join_code
from tests.fakes.telegram_api import FakeTelegram
from tests.services.test_target_groups_dialog import with_agencies
from tests.telegram.test_handlers import TOKEN, Harness

VI = Translator("vi")
USER = 4242


@pytest.fixture
async def tg(app: App) -> AsyncIterator[Harness]:
    fake = FakeTelegram()
    await fake.start()
    bot = make_bot(TOKEN, fake.base)
    sender = app.sender.add(TelegramOutbound(bot), Limits(per_second=1000, per_chat_interval=0))
    dp = Dispatcher()
    dp.include_router(router(app.dialog, sender, fetch_photos=True))
    yield Harness(fake, bot, dp)
    await bot.session.close()
    await fake.stop()


async def step(tg: Harness, *, text: str | None = None, tap: str | None = None) -> str:
    """Send one message or tap one button; the text of everything the bot answered."""
    start = len(tg.fake.to(USER))
    if tap is not None:
        tg.fake.tap(USER, tap)
    else:
        tg.fake.message(USER, text)
    await tg.feed()
    return "\n".join(s.text for s in tg.fake.to(USER)[start:])


async def test_an_official_taps_the_agency_and_declines_ethnicity(app: App, tg: Harness) -> None:
    await with_agencies(app)
    await step(tg, text=f"/start g_{await join_code(app, 'T05')}")
    await step(tg, tap="ob:consent:yes")
    await step(tg, text="Cán Bộ Telegram")
    await step(tg, text="1985")
    said = await step(tg, tap="ob:occ:official")
    assert "cơ quan" in said
    buttons = dict(tg.fake.last_options(USER))
    assert "UBND phường Gia Sàng" not in buttons  # another ward's agency
    said = await step(tg, tap=buttons["UBND phường Phan Đình Phùng"])
    assert "Đã ghi cơ quan: UBND phường Phan Đình Phùng" in said and "mấy giờ" in said
    await step(tg, text="19:00")
    said = await step(tg, text="/settings")
    assert "Cơ quan: UBND phường Phan Đình Phùng" in said
    said = await step(tg, tap=dict(tg.fake.last_options(USER))[VI("settings.ethnicity")])
    assert "không bắt buộc" in said
    assert [d for _, d in tg.fake.last_options(USER)] == ["eth:yes", "eth:no"]
    said = await step(tg, tap="eth:no")
    assert "không lưu gì" in said
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", str(USER))
        assert ident is not None
        me = await repo.learners.learner(ident.learner_id)
        agency = await repo.units.unit_by_code("PDP-UB")
    assert me is not None and agency is not None
    assert me.agency_id == agency.id and me.status == "active"
    assert me.ethnicity is None and me.ethnicity_consent_at is None
