"""The in-chat model for "Thử với AI ngay đây": one chat completion per learner's prompt."""

from __future__ import annotations

import logging

import httpx
import openai

from bot.services.tryai import ChatReply, ChatUnavailable

log = logging.getLogger(__name__)


class OpenAIChat:
    """Any OpenAI-compatible chat model (the same OPENAI_BASE_URL / LLM_MODEL as the grader)."""

    def __init__(self, client: openai.AsyncOpenAI, model: str, timeout_s: float = 30.0) -> None:
        self.client = client.with_options(timeout=timeout_s, max_retries=1)
        self.model = model

    async def chat(self, messages: list[dict[str, str]], max_tokens: int) -> ChatReply:
        try:
            response = await self.client.chat.completions.create(
                # The port's plain {"role", "content"} dicts are what openai's TypedDicts describe;
                # services may not import openai to say so.
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=0.7,
            )
        except (openai.APIError, httpx.HTTPError) as exc:
            log.warning("the in-chat model failed: %r", exc)
            raise ChatUnavailable(str(exc)) from exc
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content or "") if choice is not None else ""
        usage = response.usage
        tokens = usage.total_tokens if usage else sum(len(m["content"]) // 3 for m in messages)
        return ChatReply(text=text, tokens=tokens)
