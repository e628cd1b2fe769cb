"""A certificate on Zalo, which sends no files: its picture by address, or a kind note where to
see it; never a PDF's bytes dumped as text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels.zalo.bot_api import ZaloBotApi
from bot.channels.zalo.bot_channel import ZaloBotOutbound
from bot.channels.zalo.oa_channel import ZaloOAOutbound
from bot.channels.zalo.text import render
from bot.i18n import Translator
from bot.services.io import Out, OutFile
from tests.fakes.zalo_bot_api import TOKEN, FakeZaloBot

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4
PICTURE = "https://hocai.example.vn/verify/ABCDE-FGHJK-MNPQR.png"
CAPTION = "Chứng nhận Bậc 1 của Nguyễn Thị Hoa. Xác minh tại: https://hocai.example.vn/verify/X"


def certificate(picture: str = "") -> Out:
    return Out(
        text=CAPTION,
        file=OutFile("chung-nhan-bac-1.pdf", PDF, "application/pdf", picture_url=picture),
    )


def test_without_a_public_picture_the_text_says_where_to_see_it() -> None:
    pieces = render(certificate(), Translator("vi")).pieces
    joined = "\n".join(pieces)
    assert CAPTION in joined and "Zalo chưa gửi được tệp" in joined
    assert "%PDF" not in joined and "\ufffd" not in joined
    json_file = Out(text="Dữ liệu", file=OutFile("data.json", b'{"a": 1}'))
    assert '{"a": 1}' in "\n".join(render(json_file, Translator("vi")).pieces)  # text still


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloBot]:
    server = FakeZaloBot()
    await server.start()
    yield server
    await server.stop()


async def test_the_bot_platform_sends_the_picture_by_its_address(fake: FakeZaloBot) -> None:
    api = ZaloBotApi(TOKEN, fake.base)
    try:
        await ZaloBotOutbound(api).send("u1", certificate(PICTURE))
    finally:
        await api.http.aclose()
    assert [(s.method, s.photo) for s in fake.sent] == [("sendMessage", ""), ("sendPhoto", PICTURE)]
    assert fake.sent[0].text == CAPTION  # no "cannot send the file" when the picture goes


def test_the_official_account_attaches_the_picture_to_the_text() -> None:
    outbound = ZaloOAOutbound(api=None)  # type: ignore[arg-type]  (rendering only)
    (message,) = outbound.messages(certificate(PICTURE))
    assert message["text"] == CAPTION
    elements = message["attachment"]["payload"]["elements"]
    assert elements == [{"media_type": "image", "url": PICTURE}]
