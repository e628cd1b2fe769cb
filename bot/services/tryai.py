"""'Thử với AI ngay đây': practising with a model inside the chat, for learners with no AI account.

A short conversation per lesson, a daily number of turns per learner and a daily token allowance
for the whole province; personal data (phone numbers, ID numbers, e-mail addresses) is refused
before anything is sent. The learner then writes what they asked and what they checked, and the
conversation is stored with that work so the grader sees what was really asked and answered.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol

from bot.i18n import Translator
from bot.services import buttons
from bot.services.context import Deps
from bot.services.conversation import TryAISession
from bot.services.io import Option, Out
from bot.services.turn import Turn
from lessons.model import Lesson
from lessons.textnorm import fold, folded_words

MIN_WORDS_FOR_WORK = 3


@dataclass(frozen=True)
class TryAILimits:
    turns_per_day: int = 10  # prompts one learner may send in a day
    turns_per_session: int = 5  # then it is time to write up the practice
    daily_tokens: int = 200_000  # for every learner together, per day in the programme's zone
    max_reply_tokens: int = 500
    max_prompt_chars: int = 1500


@dataclass(frozen=True)
class ChatReply:
    text: str
    tokens: int  # prompt and completion together, as the server counted them


class ChatUnavailable(Exception):
    """The model could not answer: down, too slow, or refusing the request."""


class ChatModel(Protocol):
    async def chat(self, messages: list[dict[str, str]], max_tokens: int) -> ChatReply: ...


# ---- personal data -----------------------------------------------------------------------------

_NOT_DIGIT_BEFORE = r"(?<![\d.,])"
_NOT_DIGIT_AFTER = r"(?!\d|[.,]\d)"
PERSONAL = {
    # mobiles 0912 345 678, +84 912 345 678; landlines 0208 3855 123 (0 + 2xx area + 8 digits)
    "phone": re.compile(
        _NOT_DIGIT_BEFORE + r"(?:\+?84[ .-]?|0)"
        r"(?:[35789](?:[ .-]?\d){8}|2(?:[ .-]?\d){9})" + _NOT_DIGIT_AFTER
    ),
    # a 12-digit citizen ID (CCCD), typed whole or in groups; a 9-digit one named as such
    "id_number": re.compile(
        _NOT_DIGIT_BEFORE
        + r"\d(?:[ .]?\d){11}"
        + _NOT_DIGIT_AFTER
        + r"|(?:cmnd|cccd|can cuoc|chung minh)\D{0,20}\d{9}(?!\d)"
    ),
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
}


def personal_data(text: str) -> list[str]:
    """The kinds of personal data in the text: phone, id_number, email."""
    folded = fold(text)
    return [
        kind for kind, pattern in PERSONAL.items() if pattern.search(text) or pattern.search(folded)
    ]


# ---- the conversation --------------------------------------------------------------------------

SYSTEM = """Bạn là trợ lý AI trong chương trình "Bình dân học AI" của tỉnh Thái Nguyên. Người \
đang trò chuyện là một người dân đang luyện tập bài "{title}", thường dùng điện thoại và ít quen \
công nghệ. Đề bài thực hành của họ: {task}

Quy tắc an toàn, luôn giữ:
- Trả lời bằng tiếng Việt có dấu, dễ hiểu, ngắn gọn (dưới 200 chữ), đúng việc được nhờ.
- Không hỏi, không ghi lại thông tin cá nhân: số điện thoại, số căn cước, địa chỉ nhà, email, \
số tài khoản, bệnh tình. Nếu người học gõ những thông tin đó, nhắc họ thay bằng chữ như \
[SỐ ĐIỆN THOẠI].
- Việc sức khỏe, pháp luật, tiền bạc, giấy tờ nhà nước: chỉ gợi ý chung và khuyên hỏi người có \
chuyên môn hoặc cơ quan có thẩm quyền.
- Không chắc thì nói rõ là không chắc; nhắc người học tự kiểm tra lại ngày tháng, con số, tên \
người trước khi dùng.
- Từ chối nội dung lừa đảo, bạo lực, xúc phạm, trái pháp luật, và nói ngắn gọn vì sao."""

_SAFETY_WORDS = ("an toan", "luu y", "rieng tu", "ca nhan", "kiem tra lai")
_DONE = {"xong", "nop", "nop bai", "gui bai", "hoan thanh", "done"}
_STOP = {"thoat", "dung", "huy", "thoi", "stop", "exit"}
_START = {"thu ai", "thu voi ai", "thu ai ngay day", "thu voi ai ngay day", "hoi ai"}


def system_prompt(lesson: Lesson) -> str:
    """The fixed safety rules, the practice, and the lesson's own safety notes."""
    notes = [
        paragraph.strip()
        for part in lesson.content
        for paragraph in part.split("\n\n")
        if any(word in fold(paragraph) for word in _SAFETY_WORDS)
    ]
    text = SYSTEM.format(title=lesson.title, task=" ".join(lesson.practice.task.split()))
    if notes:
        text += "\n\nLưu ý an toàn của bài học này:\n" + "\n".join(notes)
    return text


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    # Vietnamese runs at about 1.6 tokens a word on current tokenizers (see bot/llm/prompt.py).
    return sum(math.ceil(len(m["content"].split()) * 1.6) + 4 for m in messages)


def is_start(text: str) -> bool:
    return " ".join(folded_words(text)) in _START


def offer(deps: Deps, tr: Translator) -> Option:
    return buttons.TryAI("start").as_option(tr("tryai.start_button"))


def offer_hint(deps: Deps, tr: Translator) -> str:
    return tr("tryai.start_hint" if deps.chat_model is not None else "tryai.no_account_hint")


def _turns(turn: Turn) -> list[dict[str, str]]:
    return list(turn.state.tryai.turns) if turn.state.tryai else []


async def _lesson(turn: Turn) -> Lesson | None:
    current = await turn.repo.progress.current_assignment(turn.learner.id)
    lesson = turn.deps.curriculum.by_id(current.lesson_id) if current else None
    return lesson.fitted(turn.learner.occupation) if lesson else None


def _stop(turn: Turn) -> None:
    turn.state.tryai = None
    if (turn.state.step or "").startswith("tryai"):
        turn.state.step = None


async def on_button(turn: Turn, button: buttons.TryAI) -> list[Out]:
    """ "Thử với AI ngay đây", "Xong", "Dừng"."""
    if button.action == "start":
        return await start(turn)
    if button.action == "done":
        return ask_check(turn)
    _stop(turn)
    return [Out(text=turn.tr("tryai.stopped"))]


async def start(turn: Turn) -> list[Out]:
    tr, deps = turn.tr, turn.deps
    if deps.chat_model is None:
        return [Out(title=tr("tryai.no_model_title"), text=tr("tryai.no_model"))]
    lesson = await _lesson(turn)
    if lesson is None:
        return [Out(text=tr("practice.no_lesson"))]
    limits = deps.tryai_limits or TryAILimits()
    used, _ = await turn.repo.tokens.tryai_used(turn.learner.id, deps.today_for(turn.learner))
    left = max(0, limits.turns_per_day - used)
    if left == 0:
        return [Out(text=tr("tryai.quota_spent", limit=limits.turns_per_day))]
    turn.state.tryai = TryAISession(lesson.id)
    turn.state.step = "tryai"
    return [
        Out(
            title=tr("tryai.intro_title"),
            text=tr("tryai.intro", task=" ".join(lesson.practice.task.split()), left=left),
        )
    ]


async def on_text(turn: Turn, step: str) -> list[Out]:
    """Text typed while trying the model: a prompt, 'xong' to write up the work, 'thoát'."""
    text = turn.event.text.strip()
    said = " ".join(folded_words(text))
    if said in _STOP:
        _stop(turn)
        return [Out(text=turn.tr("tryai.stopped"))]
    if step == "tryai_check":
        return await submit(turn, text)
    if said in _DONE:
        return ask_check(turn)
    return await ask(turn, text)


def ask_check(turn: Turn) -> list[Out]:
    if not _turns(turn):
        return [Out(text=turn.tr("tryai.nothing_yet"))]
    turn.state.step = "tryai_check"
    return [Out(title=turn.tr("tryai.check_title"), text=turn.tr("tryai.ask_check"))]


async def ask(turn: Turn, prompt: str) -> list[Out]:
    deps, tr, learner = turn.deps, turn.tr, turn.learner
    limits = deps.tryai_limits or TryAILimits()
    if deps.chat_model is None:
        _stop(turn)
        return [Out(title=tr("tryai.no_model_title"), text=tr("tryai.no_model"))]
    if not folded_words(prompt):
        return [Out(text=tr("tryai.empty"))]
    found = personal_data(prompt)
    if found:  # nothing leaves the chat; nothing is counted
        kinds = ", ".join(tr(f"tryai.kind.{kind}") for kind in found)
        return [Out(text=tr("tryai.personal_data", kinds=kinds))]
    if len(prompt) > limits.max_prompt_chars:
        return [Out(text=tr("tryai.too_long", limit=limits.max_prompt_chars))]
    history = _turns(turn)
    if len(history) // 2 >= limits.turns_per_session:
        return [Out(text=tr("tryai.session_full", n=limits.turns_per_session))]
    lesson = await _lesson(turn)
    if lesson is None:
        _stop(turn)
        return [Out(text=tr("practice.no_lesson"))]
    messages = [{"role": "system", "content": system_prompt(lesson)}]
    messages += [{"role": t["role"], "content": t["text"]} for t in history]
    messages.append({"role": "user", "content": prompt})
    day = deps.today_for(learner)
    used, province = await turn.repo.tokens.tryai_used(learner.id, day)
    if used >= limits.turns_per_day:
        return [Out(text=tr("tryai.quota_spent", limit=limits.turns_per_day))]
    if province + estimate_tokens(messages) + limits.max_reply_tokens > limits.daily_tokens:
        return [Out(text=tr("tryai.budget_spent"))]
    model = deps.chat_model

    async def reply() -> list[Out]:
        try:
            answer = await model.chat(messages, limits.max_reply_tokens)
        except ChatUnavailable:
            return [Out(text=tr("tryai.model_down"))]
        async with deps.store.transaction() as repo:
            await repo.tokens.add_tryai_use(learner.id, day, answer.tokens)
        text = answer.text.strip() or tr("tryai.empty_reply")
        history.extend([{"role": "user", "text": prompt}, {"role": "assistant", "text": text}])
        session = turn.state.tryai or TryAISession(lesson.id)
        turn.state.tryai = TryAISession(session.lesson, history)
        left = max(0, limits.turns_per_day - used - 1)
        return [
            Out(
                title=tr("tryai.reply_title"),
                text=f"{text}\n\n{tr('tryai.next', left=left)}",
                options=(
                    buttons.TryAI("done").as_option(tr("tryai.done_button")),
                    buttons.TryAI("stop").as_option(tr("tryai.stop_button")),
                ),
                remember_options=False,
            )
        ]

    turn.later = reply
    return []


async def submit(turn: Turn, text: str) -> list[Out]:
    """The learner's own account of the practice, graded with the conversation attached."""
    from bot.services.submissions import Incoming  # submissions builds on this module's peers

    tr = turn.tr
    if len(folded_words(text)) < MIN_WORDS_FOR_WORK:
        return [Out(text=tr("tryai.ask_check"))]
    history = _turns(turn)
    _stop(turn)
    ev = turn.event
    key = f"{ev.channel}:{ev.update_key}" if ev.update_key else None
    turn.work = Incoming(text, None, ev.channel, key, exchange=tuple(history))
    return [Out(text=tr("tryai.submitted", n=len(history) // 2))]
