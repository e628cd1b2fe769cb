"""The Zalo Bot Platform, in process: the client against a fake server that speaks the
documented JSON, and a learner's whole day with numbered replies and keywords."""

from __future__ import annotations

import pytest

from bot.channels.zalo.bot_api import ZaloBotApi
from bot.channels.zalo.errors import ZaloApiError, ZaloAuthError, ZaloRateLimited
from bot.services.io import Out
from tests.fakes.zalo_bot_api import TOKEN, FakeZaloBot
from tests.keys import says
from tests.storage_helpers import count_rows
from tests.zalo.conftest import Zalo, walk_onboarding

USER = "u-8001"


@pytest.fixture
async def fake() -> FakeZaloBot:
    server = FakeZaloBot()
    await server.start()
    yield server  # type: ignore[misc]
    await server.stop()


async def test_client_checks_status_and_ok(fake: FakeZaloBot) -> None:
    api = ZaloBotApi(TOKEN, fake.base)
    try:
        assert (await api.get_me())["account_name"] == "bot.hocai"
        assert await api.get_updates(1) == []  # an idle poll: HTTP 408, which is normal
        fake.text(USER, "xin chào")
        (update,) = await api.get_updates(1)  # ONE update, not a list
        assert update["message"]["text"] == "xin chào"

        fake.failures.append((200, {"ok": False, "error_code": 400, "description": "bad"}))
        with pytest.raises(ZaloApiError) as failed:
            await api.send_message(USER, "x")  # HTTP 200 is not enough: ok is false
        assert failed.value.code == 400
        fake.failures.append((429, {"ok": False, "error_code": 429, "description": "quota"}))
        with pytest.raises(ZaloRateLimited):
            await api.send_message(USER, "x")
        with pytest.raises(ZaloApiError):
            await api.send_message(USER, "x" * 2001)  # the platform's limit
        assert await api.get_webhook_info() is None  # 404 when none is set
        await api.set_webhook("https://hocai.example/zalo/bot", "s3cret-token")
        assert (await api.get_webhook_info() or {})["url"].startswith("https://")
        with pytest.raises(ZaloAuthError):
            await ZaloBotApi("999:wrong-token-xxxxxxxxxx", fake.base, api.http).get_me()
    finally:
        await api.http.aclose()


async def test_a_learners_whole_day_with_numbered_replies(zalo: Zalo) -> None:
    async def say(text: str) -> str:
        return await zalo.bot_says(USER, text)

    joined = await walk_onboarding(say, await zalo.code())
    assert "Tổ dân phố số 5" in joined
    assert "1. Đồng ý\n2. Không đồng ý" in joined  # choices as numbered lines, no buttons
    assert "Dùng tên Lò Thị Mai" in joined  # Zalo's display name is offered
    assert "19:00" in joined

    lesson = zalo.app.deps.curriculum.lessons[0]
    text = await say("học")  # a keyword with diacritics
    assert lesson.title in text and "1. Làm câu hỏi" in text  # the lesson alone first
    text = await say("1")
    assert "Câu hỏi 1/3" in text and "gõ một chữ: A, B, C, D" in text
    assert all(1 <= len(s.text) <= 2000 for s in zalo.bot.to(USER))

    right = "ABCD"[lesson.quiz[0].answer_index]
    assert says(await say(right), "quiz.right")
    wrong = "abcd"[(lesson.quiz[1].answer_index + 1) % 4]
    assert "Chưa đúng" in await say(wrong)  # a lower-case letter works too
    assert says(await say("ABCD"[lesson.quiz[2].answer_index]), "quiz.done")

    graded = await say(lesson.rubric.exemplary)
    assert says(graded, "grade.title") and "làm xong bài học" in graded  # done, not passed (a copy)
    progress = await say("tien do")  # without diacritics
    assert "Bài đã xong: 1/" in progress and "Hạng trong nhóm Tổ dân phố số 5: 1/1" in progress
    board = await say("Bảng xếp hạng")
    assert "Lò Thị Mai ⭐" in board and "Phường Phan Đình Phùng" in board
    assert "Hướng dẫn" in await say("trợ giúp")


async def test_duplicate_delivery_is_answered_once(zalo: Zalo) -> None:
    update = zalo.bot.text(USER, f"/start g_{await zalo.code()}")
    zalo.bot.push(update)  # Zalo delivers the same message_id again
    await zalo.poll()
    answers = zalo.bot.texts(USER)
    assert answers.count("Tổ dân phố số 5") == 1
    async with zalo.app.store.transaction() as repo:
        assert await count_rows(repo, "learners") == 1


async def test_photo_of_work_is_fetched_and_graded(zalo: Zalo) -> None:
    await walk_onboarding(lambda t: zalo.bot_says(USER, t), await zalo.code())
    await zalo.bot_says(USER, "học")
    before = len(zalo.bot.to(USER))
    zalo.bot.image(
        USER, zalo.bot.file_url("work.png"), caption="Bài làm của tôi", field_name="photo"
    )  # `photo` or `photo_url`: both are accepted
    await zalo.poll()
    assert says(zalo.bot.texts(USER, before), "grade.title")
    (work,) = zalo.grader.seen
    assert work.photo is not None and work.photo.startswith(b"\x89PNG")  # the bytes arrived
    assert work.photo_mime == "image/png"
    async with zalo.app.store.transaction() as repo:
        ident = await repo.learners.identity("zalo_bot", USER)
        assert ident is not None
        sub = await repo.submissions.submission(1)
    assert sub is not None and sub.photo_ref == zalo.bot.file_url("work.png")


async def test_photo_too_big_or_not_an_image_gets_a_kind_answer(zalo: Zalo) -> None:
    await walk_onboarding(lambda t: zalo.bot_says(USER, t), await zalo.code())
    await zalo.bot_says(USER, "học")
    zalo.bot.files["huge.jpg"] = (b"\xff\xd8\xff" + b"0" * (6 * 1024 * 1024), "image/jpeg")
    zalo.bot.files["notes.txt"] = (b"hello", "text/plain")
    for name, expected in (
        ("huge.jpg", "Ảnh lớn quá (trên 5 MB)"),
        ("notes.txt", "Mình chỉ nhận ảnh"),
    ):
        before = len(zalo.bot.to(USER))
        zalo.bot.image(USER, zalo.bot.file_url(name))
        await zalo.poll()
        assert expected in zalo.bot.texts(USER, before)
    assert zalo.grader.seen == []
    async with zalo.app.store.transaction() as repo:
        assert await count_rows(repo, "submissions") == 0


async def test_protected_user_gets_a_kind_answer_and_no_record(zalo: Zalo) -> None:
    zalo.bot.push(zalo.bot.update("u-child", "message.unsupported.received"))
    await zalo.poll()
    assert says(zalo.bot.texts("u-child"), "zalo.protected")
    async with zalo.app.store.transaction() as repo:
        assert await count_rows(repo, "learners") == 0


async def test_sticker_and_group_chat(zalo: Zalo) -> None:
    zalo.bot.push(zalo.bot.update(USER, "message.sticker.received", sticker="s1"))
    zalo.bot.text("u-9", "/help", chat_type="GROUP")
    zalo.bot.text("u-9", "chào cả nhà", chat_type="GROUP")
    await zalo.poll()
    assert says(zalo.bot.texts(USER), "input.sticker")
    group = zalo.bot.to("gu-9")
    assert len(group) == 1 and "nhắn riêng" in group[0].text


async def test_a_429_mid_message_resends_nothing_twice(zalo: Zalo) -> None:
    long = ("Một câu rất dài về AI. " * 200).strip()  # about 4,600 characters: three pieces
    ok = {"ok": True, "result": {"message_id": "x"}}
    slow = {
        "ok": False,
        "error_code": 429,
        "description": "Too many requests",
        "parameters": {"retry_after": 0.05},
    }
    zalo.bot.failures.extend([(200, ok), (429, slow)])  # piece 1 goes, piece 2 is refused once
    await zalo.app.sender.send("zalo_bot", USER, Out(text=long))
    pieces = [s.text for s in zalo.bot.to(USER)]
    assert len(pieces) == 2  # the retry sent pieces 2 and 3, not piece 1 again
    assert zalo.app.sender.by_channel["zalo_bot"].rate_limited == 1
