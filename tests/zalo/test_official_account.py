"""The Zalo Official Account, in process: a learner's day with oa.query.show buttons, replies
by message id, a photo, follow/unfollow/user_withdraw, against a fake OA API on 127.0.0.1."""

from __future__ import annotations

from bot.channels.zalo.oa_channel import HIDE, ZaloOAOutbound
from bot.services.io import Option, Out
from tests.keys import says
from tests.storage_helpers import count_rows
from tests.zalo.conftest import Zalo

USER = "oa-user-5001"


async def tap(zalo: Zalo, label: str) -> str:
    """Tap the button with this title on the last message that had buttons."""
    buttons = zalo.oa.last_buttons(USER)
    payload = next(b["payload"] for b in buttons if b["title"] == label)
    assert all(b["type"] == "oa.query.show" for b in buttons)
    return await zalo.oa_says(USER, payload)  # the payload comes back as the user's message


async def test_a_learners_whole_day_on_the_official_account(zalo: Zalo) -> None:
    oa = zalo.oa
    assert await oa.deliver(zalo.oa_url, oa.follow(USER)) == 200
    await zalo.inbox.drain()
    welcome = oa.texts(USER)
    assert says(welcome, "zalo.automated") and "mã nhóm" in welcome

    joined = await zalo.oa_says(USER, await zalo.code())
    assert "Tổ dân phố số 5" in joined
    assert [b["title"] for b in oa.last_buttons(USER)] == ["Đồng ý", "Không đồng ý"]
    assert oa.to(USER)[-1].by_message_id  # an answer is a reply to the learner's message
    assert says(await tap(zalo, "Đồng ý"), "onboarding.ask_name")
    await zalo.oa_says(USER, "Hà Văn Tú")
    occupations = await zalo.oa_says(USER, "1991")
    assert "1. Cán bộ" in occupations  # 6 choices > 5 buttons: numbered lines instead
    await zalo.oa_says(USER, "3")
    assert "20:30" in [b["title"] for b in oa.last_buttons(USER)]
    assert "20:30" in await tap(zalo, "20:30")

    lesson = zalo.app.deps.curriculum.lessons[0]
    text = await zalo.oa_says(USER, "hoc")
    assert lesson.title in text
    assert [b["title"] for b in oa.last_buttons(USER)] == ["Làm câu hỏi"]
    await tap(zalo, "Làm câu hỏi")
    assert [b["title"] for b in oa.last_buttons(USER)] == ["A", "B", "C", "D"]
    for q in range(3):
        answer = await tap(zalo, "ABCD"[lesson.quiz[q].answer_index])
        assert says(answer, "quiz.right")

    before = len(oa.to(USER))
    assert await oa.deliver(zalo.oa_url, oa.image(USER, oa.file_url("work.png"), "Bài làm")) == 200
    await zalo.inbox.drain()
    assert says(oa.texts(USER, before), "grade.title")
    assert zalo.grader.seen[-1].photo is not None  # an image event's bytes reach the grader

    progress = await zalo.oa_says(USER, "tiến độ")
    assert says(progress, "progress.body") and "Hạng trong nhóm Tổ dân phố số 5: 1/1" in progress
    board = await zalo.oa_says(USER, "bxh")
    assert "Hà Văn Tú ⭐" in board
    assert all(len(s.text) <= 2000 for s in oa.sent)


async def test_unfollow_and_withdraw(zalo: Zalo) -> None:
    await zalo.oa_says(USER, f"/start g_{await zalo.code()}")
    unfollow = zalo.oa.event(USER, "unfollow")
    assert await zalo.oa.deliver(zalo.oa_url, unfollow) == 200
    await zalo.inbox.drain()
    async with zalo.app.store.transaction() as repo:
        ident = await repo.learners.identity("zalo_oa", USER)
        assert ident is not None and not ident.reachable
    await zalo.oa_says(USER, "xin chào")  # they come back: reachable again
    async with zalo.app.store.transaction() as repo:
        ident = await repo.learners.identity("zalo_oa", USER)
        assert ident is not None and ident.reachable

    withdraw = zalo.oa.event(USER, "user_withdraw")
    assert await zalo.oa.deliver(zalo.oa_url, withdraw) == 200
    await zalo.inbox.drain()
    async with zalo.app.store.transaction() as repo:
        assert await repo.learners.identity("zalo_oa", USER) is None
        assert await count_rows(repo, "learners") == 0
        assert await count_rows(repo, "inbox") == 0  # the stored events went with the data


async def test_hidden_buttons_carry_the_exact_choice(zalo: Zalo) -> None:
    outbound = ZaloOAOutbound(
        zalo.channels.app.sender.by_channel["zalo_oa"].outbound.api, button_action=HIDE
    )
    (part,) = outbound.messages(Out(text="Câu 1", options=(Option("q:l1:0:1", "B"),)))
    button = part["attachment"]["payload"]["buttons"][0]
    assert button == {"title": "B", "type": "oa.query.hide", "payload": "#q:l1:0:1"}
    await zalo.oa_says(USER, f"/start g_{await zalo.code()}")
    answer = await zalo.oa_says(USER, "#ob:consent:yes")  # what a hidden tap sends back
    assert says(answer, "onboarding.ask_name")


async def test_reply_by_message_id_falls_back_to_the_user(zalo: Zalo) -> None:
    zalo.oa.failures.append({"error": -201, "message": "message_id is too old"})
    answer = await zalo.oa_says(USER, "/help")
    assert "Hướng dẫn" in answer
    assert not zalo.oa.to(USER)[0].by_message_id
