"""'Thử với AI ngay đây' through the real dialog against a fake model server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.llm.grader import LLMGrader
from bot.services.exchange import HEADER
from bot.services.tryai import personal_data
from bot.storage.models import Submission
from tests.conftest import Chat, join_code, text_of
from tests.curric.conftest import MakeApp
from tests.grading.fake_model import Answer, FakeModel, submission_of, verdict
from tests.keys import says

AI_ANSWER = (
    "THÔNG BÁO MỜI HỌP. Kính gửi các hộ gia đình Tổ dân phố số 5. Tổ họp lúc 19 giờ "
    "thứ Sáu tại nhà văn hóa để bàn việc dọn vệ sinh ngõ xóm."
)
PROMPT = (
    "Bạn là cán bộ phường. Tổ dân phố số 5 họp lúc 19 giờ thứ Sáu tại nhà văn hóa. Hãy "
    "viết thông báo mời họp dưới 150 chữ, lịch sự."
)
CHECK = (
    "Câu lệnh tôi dùng: Bạn là cán bộ phường, hãy viết thông báo mời họp tổ dân phố dưới 150 "
    "chữ. Tôi đã kiểm tra: AI viết đúng giờ và địa điểm, nhưng thiếu người liên hệ nên tôi "
    "thêm tên tổ trưởng. Kết quả dùng được vì lời lẽ lịch sự, ngắn gọn."
)


def script(request: dict[str, Any]) -> Answer:
    if submission_of(request):  # a grading request
        return Answer(verdict(request, 0.8))
    return Answer(AI_ANSWER)


@pytest.fixture
def model() -> Iterator[FakeModel]:
    with FakeModel(script).running() as server:
        yield server


def chats(model: FakeModel) -> list[dict[str, Any]]:
    return [r for r in model.requests if not submission_of(r)]


def gradings(model: FakeModel) -> list[dict[str, Any]]:
    return [r for r in model.requests if submission_of(r)]


async def tryai_app(make: MakeApp, model: FakeModel, **env: object) -> App:
    return await make(
        grader=LLMGrader(model.client(), "fake-model"),
        OPENAI_BASE_URL=model.url,
        OPENAI_API_KEY="test-key",
        LLM_MODEL="fake-model",
        **env,
    )


async def ready(app: App, user: str = "1001") -> Chat:
    chat = Chat(app, user=user)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    return chat


async def test_a_learner_without_an_ai_account_practises_in_the_chat_and_is_graded(
    make: MakeApp,
    model: FakeModel,
) -> None:
    app = await tryai_app(make, model, TRYAI_TURNS_PER_DAY=3)
    chat = await ready(app)
    lesson = app.deps.curriculum.lessons[0]

    out = await chat.tap("ai:start")
    assert "còn 3 lượt" in text_of(out)
    out = await chat.send(PROMPT)
    assert AI_ANSWER in text_of(out) and "còn 2 lượt" in text_of(out)
    [asked] = chats(model)
    system = asked["messages"][0]
    assert system["role"] == "system" and lesson.title in system["content"]
    assert "không dán số căn cước" in system["content"]  # the lesson's own safety note
    assert asked["messages"][-1] == {"role": "user", "content": PROMPT}

    out = await chat.send("xong")
    assert says(text_of(out), "tryai.ask_check")
    out = await chat.send(CHECK)
    assert "kèm 1 lượt hỏi AI" in text_of(out) and says(text_of(out), "grade.title")

    async with app.store.transaction() as repo:
        row = (await repo.s.scalars(select(Submission))).one()
    assert row.text == CHECK
    assert row.exchange == [
        {"role": "user", "text": PROMPT},
        {"role": "assistant", "text": AI_ANSWER},
    ]
    [graded] = gradings(model)
    work = submission_of(graded)
    assert work.startswith(CHECK) and HEADER in work
    assert PROMPT in work and AI_ANSWER in work  # the grader saw what was really asked

    out = await chat.send("Một bài làm khác gửi sau khi đã nộp bài")
    assert "AI trả lời" not in text_of(out)  # the conversation is over: this is plain work
    assert len(chats(model)) == 1


async def test_personal_data_is_refused_before_anything_is_sent(
    make: MakeApp,
    model: FakeModel,
) -> None:
    app = await tryai_app(make, model)
    chat = await ready(app)
    await chat.tap("ai:start")
    for prompt in (
        "Viết tin nhắn mời anh Nam, số 0912 345 678, đi họp tổ",
        "Soạn đơn cho tôi, CCCD 001089012345, quê Thái Nguyên",
        "Gửi kết quả về hoa.nguyen@gmail.com giúp tôi nhé",
    ):
        out = await chat.send(prompt)
        assert says(text_of(out), "tryai.personal_data"), prompt
    assert chats(model) == []
    out = await chat.send("Viết tin nhắn mời anh Nam, số [SỐ ĐIỆN THOẠI], đi họp tổ")
    assert AI_ANSWER in text_of(out) and "còn 9 lượt" in text_of(out)  # refusals did not count


async def test_the_daily_quota_refuses_kindly_and_the_work_can_still_be_handed_in(
    make: MakeApp,
    model: FakeModel,
) -> None:
    app = await tryai_app(make, model, TRYAI_TURNS_PER_DAY=2)
    chat = await ready(app)
    await chat.tap("ai:start")
    await chat.send(PROMPT)
    await chat.send("Viết ngắn hơn, thêm tên tổ trưởng")
    out = await chat.send("Viết lại lần nữa")
    assert "hết 2 lượt" in text_of(out)
    assert len(chats(model)) == 2
    await chat.tap("ai:done")
    out = await chat.send(CHECK)
    assert "kèm 2 lượt hỏi AI" in text_of(out)


async def test_the_province_budget_refuses_kindly_when_spent(
    make: MakeApp,
    model: FakeModel,
) -> None:
    app = await tryai_app(make, model, TRYAI_DAILY_TOKEN_BUDGET=5000)
    other = await ready(app, user="2002")
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", other.user)
        assert ident is not None
        await repo.tokens.add_tryai_use(
            ident.learner_id,
            app.deps.today_for(await repo.learners.learner(ident.learner_id)),
            4900,
        )  # type: ignore[arg-type]
    chat = await ready(app)
    await chat.tap("ai:start")
    out = await chat.send(PROMPT)
    assert says(text_of(out), "tryai.budget_spent")
    assert chats(model) == []


async def test_without_a_model_the_step_names_free_tools(make: MakeApp) -> None:
    app = await make()
    chat = await ready(app)
    out = await chat.send("thu AI")  # typed without diacritics
    assert "Gemini" in text_of(out) and says(text_of(out), "tryai.no_model")
    assert "ai:start" in [o.key for m in chat.log for o in m.options]


async def test_the_model_down_costs_no_turn(make: MakeApp) -> None:
    with FakeModel(
        lambda request: Answer(status=500, body={"error": {"message": "x"}})
    ).running() as down:
        app = await tryai_app(make, down)
        chat = await ready(app)
        await chat.tap("ai:start")
        out = await chat.send(PROMPT)
        assert says(text_of(out), "tryai.model_down")
        out = await chat.send("xong")
        assert says(text_of(out), "tryai.nothing_yet")


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("gọi 0912345678 nhé", ["phone"]),
        ("số +84 912 345 678", ["phone"]),
        ("0203.3855.123 là số bàn", ["phone"]),
        ("CCCD: 0010 8901 2345", ["id_number"]),
        ("so cmnd 091234567", ["id_number"]),
        ("mail hoa@example.vn", ["email"]),
        ("giá 150000000 đồng, năm 2026, 1.000.000.000.000 đồng", []),
        ("Thửa đất 12 tờ bản đồ 5, diện tích 360 m2", []),
    ],
)
def test_personal_data_kinds(text: str, kinds: list[str]) -> None:
    assert personal_data(text) == kinds
