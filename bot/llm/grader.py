"""The grader the application wires: rules first, the language model second, code decides last."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from dataclasses import replace
from typing import Any, Literal

import httpx
import openai
import stamina
from openai.types.chat import ChatCompletion

from bot.llm.costs import GradeCache, TokenBudget, cache_key
from bot.llm.prompt import (
    CHECK_COMPLETION_TOKENS,
    MAX_COMPLETION_TOKENS,
    build_check_messages,
    build_messages,
    estimate_tokens,
    prompt_tokens,
)
from bot.llm.reply import BadReply, parse_reply
from lessons.model import Lesson
from scoring.combine import combine, fallback
from scoring.grading import Grade, Tokens, Work
from scoring.rules import COPY_CAP, VIETNAMESE, RuleOptions, clean_text, grade_by_rules

log = logging.getLogger(__name__)

JsonMode = Literal["json_object", "none"]
RETRY_WAIT_S = 1.0  # before the one retry; a 429's Retry-After is honoured up to RETRY_WAIT_MAX_S
RETRY_WAIT_MAX_S = 5.0
MAX_STORED_REPLY_CHARS = 4000  # what is kept of a model's reply with the grade, for appeals
_ADDRESSES = re.compile(r'"(addresses_grader|injection)"\s*:\s*"?(true|yes|1)', re.I)


class ModelUnavailable(Exception):
    """The model could not be asked: down, too slow, refusing, or the budget is spent."""


def _retryable(exc: Exception) -> bool | float:
    """Whether one more try may help, and how long to wait when the server said so."""
    if isinstance(exc, openai.RateLimitError):
        after = exc.response.headers.get("retry-after", "")
        try:
            return min(RETRY_WAIT_MAX_S, max(0.0, float(after)))
        except ValueError:
            return True
    return isinstance(exc, openai.APIConnectionError | openai.InternalServerError)


class LLMGrader:
    """A `Grader` that asks an OpenAI-compatible model and lets code decide the total.

    With `client=None` it is the rules' grade, provisional, flagged `llm_unavailable`.
    """

    def __init__(
        self,
        client: openai.AsyncOpenAI | None,
        model: str | None,
        budget: TokenBudget | None = None,
        cache: GradeCache | None = None,
        *,
        vision: bool = False,
        timeout_s: float = 20.0,
        max_concurrency: int = 4,
        json_mode: JsonMode = "json_object",
        max_completion_tokens: int = MAX_COMPLETION_TOKENS,
        rules: RuleOptions = VIETNAMESE,
        check_injection: bool = True,
    ) -> None:
        self.client = client
        self.model = model
        self.budget = budget
        self.cache = cache
        self.vision = vision
        self.timeout_s = timeout_s
        self.json_mode: JsonMode = json_mode
        self.max_completion_tokens = max_completion_tokens
        self.rules = rules
        # A second, tiny call when the model scored above the rules: does the work speak to the grader?
        self.check_injection = check_injection
        self._slots = asyncio.Semaphore(max_concurrency)

    async def grade(self, lesson: Lesson, work: Work) -> Grade:
        rules = grade_by_rules(lesson, work, self.rules)
        if self.client is None or not self.model:
            return fallback(rules, "no model configured")
        if "empty" in rules.flags:
            return rules  # nothing for a model to read
        if rules.cap <= COPY_CAP:
            return replace(
                rules, reasons=(*rules.reasons, "model not asked: a copy scores the cap")
            )
        photo = work.photo if (work.photo and self.vision) else None
        if work.photo is not None and photo is None and "photo_pending" in rules.flags:
            return rules  # a person looks at the photo; the model would see only a caption

        text = clean_text(work.text)
        # A variant's rubric differs from the main one under the same lesson id: key by both.
        rubric = hashlib.sha256(lesson.rubric.model_dump_json().encode()).hexdigest()[:16]
        key = cache_key(f"{lesson.id}:{rubric}", text, photo)
        cached = await self.cache.get(key) if self.cache is not None else None
        if cached is not None and cached.model_reply:
            try:
                verdict = parse_reply(cached.model_reply, _maxima(lesson))
            except BadReply:
                log.warning("unreadable cached reply for %s; asking again", key[:12])
            else:
                grade = combine(
                    lesson,
                    work,
                    rules,
                    verdict,
                    reply=cached.model_reply,
                    photo_seen=photo is not None,
                    model=self.model,
                )
                return replace(grade, extra={**grade.extra, "cache": "hit"})

        messages = build_messages(lesson, text, photo, work.photo_mime)
        estimate = prompt_tokens(messages) + self.max_completion_tokens
        if self.budget is not None and not await self.budget.can_spend(estimate):
            return fallback(rules, "daily token budget spent")
        try:
            reply, tokens, seconds = await self._complete(messages)
        except ModelUnavailable as exc:
            return fallback(rules, str(exc))
        if self.budget is not None:
            await self.budget.record(tokens.total)
        try:
            verdict = parse_reply(reply, _maxima(lesson))
        except BadReply as exc:
            log.warning("model %s gave no usable verdict for %s: %s", self.model, lesson.id, exc)
            return fallback(
                rules,
                f"the reply held no usable verdict: {exc}",
                bad_reply=True,
                reply=reply[:MAX_STORED_REPLY_CHARS],
                tokens=tokens,
            )
        proposed = sum(c.score for c in verdict.criteria)
        if (
            self.check_injection
            and not verdict.injection
            and "injection" not in rules.flags
            and proposed > rules.score
        ):
            # Only when the model gave more than the rules could an instruction in the work have
            # won anything; the check is a separate, tiny call the work cannot talk its way past.
            said, spent = await self._addresses_grader(text)
            tokens = Tokens(tokens.prompt + spent.prompt, tokens.completion + spent.completion)
            if said:
                verdict = replace(verdict, injection=True)
        grade = combine(
            lesson,
            work,
            rules,
            verdict,
            reply=reply[:MAX_STORED_REPLY_CHARS],
            tokens=tokens,
            photo_seen=photo is not None,
            model=self.model,
        )
        grade = replace(grade, extra={**grade.extra, "model_seconds": round(seconds, 3)})
        if self.cache is not None:
            await self.cache.put(key, grade)
        return grade

    async def _addresses_grader(self, text: str) -> tuple[bool | None, Tokens]:
        """The short classification call; None when it could not be made (budget, server)."""
        messages = build_check_messages(text)
        estimate = prompt_tokens(messages) + CHECK_COMPLETION_TOKENS
        if self.budget is not None and not await self.budget.can_spend(estimate):
            return None, Tokens()
        try:
            reply, tokens, _ = await self._complete(
                messages, CHECK_COMPLETION_TOKENS, json_mode=False
            )
        except ModelUnavailable:
            return None, Tokens()
        if self.budget is not None:
            await self.budget.record(tokens.total)
        return bool(_ADDRESSES.search(reply[:MAX_STORED_REPLY_CHARS])), tokens

    async def _complete(
        self,
        messages: list[dict[str, Any]],
        max_tokens: int | None = None,
        json_mode: bool = True,
    ) -> tuple[str, Tokens, float]:
        """One chat completion with one retry for timeouts, 429 and 5xx; the reply text and usage."""
        assert self.client is not None and self.model is not None
        client = self.client.with_options(timeout=self.timeout_s, max_retries=0)
        started = time.monotonic()
        try:
            async for attempt in stamina.retry_context(
                on=_retryable,
                attempts=2,
                timeout=None,
                wait_initial=RETRY_WAIT_S,
                wait_max=RETRY_WAIT_MAX_S,
                wait_jitter=0.2,
            ):
                with attempt:
                    async with self._slots:
                        response = await self._create(client, messages, max_tokens, json_mode)
        except openai.APIStatusError as exc:
            raise ModelUnavailable(f"model server answered {exc.status_code}") from exc
        except (openai.APIError, httpx.HTTPError) as exc:
            raise ModelUnavailable(f"model unreachable: {type(exc).__name__}") from exc
        except json.JSONDecodeError as exc:
            raise ModelUnavailable("the model server's answer was not JSON") from exc
        seconds = time.monotonic() - started
        if not isinstance(response, ChatCompletion):
            # A server that answers 200 with plain text: keep the text, the parser will refuse it.
            reply = str(response)
            return reply, Tokens(prompt_tokens(messages), estimate_tokens(reply)), seconds
        choice = response.choices[0] if response.choices else None
        reply = (choice.message.content or "") if choice is not None else ""
        usage = response.usage
        # What was received is what is counted: the server's own usage, else measured on the reply
        # (a server that ignores max_tokens and sends megabytes is charged for them).
        tokens = Tokens(
            prompt=usage.prompt_tokens if usage else prompt_tokens(messages),
            completion=usage.completion_tokens if usage else estimate_tokens(reply),
        )
        return reply, tokens, seconds

    async def _create(
        self,
        client: openai.AsyncOpenAI,
        messages: list[dict[str, Any]],
        max_tokens: int | None = None,
        json_mode: bool = True,
    ) -> Any:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": max_tokens or self.max_completion_tokens,
        }
        if json_mode and self.json_mode == "json_object":
            try:
                return await client.chat.completions.create(
                    **kwargs, response_format={"type": "json_object"}
                )
            except openai.BadRequestError as exc:
                # Some OpenAI-compatible servers reject response_format; they get the plain request
                # from now on, and the reply parser finds the JSON inside whatever prose comes back.
                log.info("model server rejects response_format (%s); asking without it", exc)
                self.json_mode = "none"
        return await client.chat.completions.create(**kwargs)


def _maxima(lesson: Lesson) -> dict[str, int]:
    return {c.id: c.weight for c in lesson.rubric.criteria}
