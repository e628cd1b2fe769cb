"""Grading speed and prompt size over the Vietnamese dev set.

    .venv/bin/python bench/grading_bench.py [--rounds 20] [--json]
        [--price-input 0.15] [--price-cached 0.075] [--price-output 0.60]

Prints rules-only grades per second (the whole dev set graded `rounds` times in one process), the
median prompt tokens of one model call per dev-set submission, and US$ per 1,000 gradings at the
given prices per million tokens (defaults: OpenAI's list price for gpt-4o-mini, input / cached input /
output), without and with a provider's prompt cache serving the fixed part of the prompt. Tokens come from a real tokenizer
(tiktoken) when one is installed, else from the estimate in bot.llm.prompt (~1.6 per Vietnamese
word, half a token per symbol); the output says which.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import yaml  # noqa: E402

from bot.grading_cli import print_result  # noqa: E402
from bot.llm.prompt import (  # noqa: E402
    CHECK_COMPLETION_TOKENS,
    MAX_COMPLETION_TOKENS,
    build_check_messages,
    build_messages,
    estimate_tokens,
    prompt_tokens,
)
from lessons.loader import load_curriculum  # noqa: E402
from scoring.evaluation import parse_devset  # noqa: E402
from scoring.grading import Work  # noqa: E402
from scoring.rules import clean_text, grade_by_rules  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "grading_devset.yaml"
# A typical verdict: four criteria with a short quote and one sentence of feedback each.
TYPICAL_REPLY = (
    '{"criteria": ['
    + ", ".join(
        f'{{"id": "tieu_chi_{i}", "score": 20, "evidence": "Bạn là kế toán hợp tác xã chè", '
        f'"feedback": "Bài có vai trò rõ, nên nói thêm bối cảnh cụ thể của việc này."}}'
        for i in range(4)
    )
    + '], "injection": false, "confidence": 0.8}'
)


def token_counter() -> tuple[str, Callable[[list[dict[str, Any]]], int]]:
    """A real tokenizer when installed, else the project's estimate."""
    try:
        import tiktoken  # type: ignore[import-not-found]
    except ImportError:
        return (
            "estimate: 1.6 tokens per word + 0.5 per symbol (no tokenizer installed)",
            prompt_tokens,
        )
    encoding = tiktoken.get_encoding("o200k_base")

    def count(messages: list[dict[str, Any]]) -> int:
        return sum(
            4 + len(encoding.encode(m["content"]))
            for m in messages
            if isinstance(m["content"], str)
        )

    return "tiktoken o200k_base", count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--price-input", type=float, default=0.15, help="US$ per 1M input tokens")
    parser.add_argument(
        "--price-cached", type=float, default=0.075, help="US$ per 1M cached input tokens"
    )
    parser.add_argument("--price-output", type=float, default=0.60, help="US$ per 1M output tokens")
    args = parser.parse_args(argv)

    curriculum, _ = load_curriculum()
    items = [
        it
        for it in parse_devset(yaml.safe_load(DEVSET.read_text(encoding="utf-8")))
        if curriculum.by_id(it.lesson) is not None
    ]
    texts = {it.id: it.text for it in items}
    jobs = [
        (curriculum.by_id(it.lesson), Work(text=it.text, peers=tuple(texts[p] for p in it.peers)))
        for it in items
    ]

    # Once per process, untimed: the course index (every lesson's exemplars and vocabulary) is built
    # on the first grade, as it is when the bot starts.
    grade_by_rules(*jobs[0])  # type: ignore[arg-type]
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.rounds):
        for lesson, work in jobs:
            grade_by_rules(lesson, work)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    # CPU seconds of this process: what a grade costs, unchanged by other work on a busy machine
    # (wall-clock figures there say more about the neighbours than about the rules).
    cpu_seconds = time.process_time() - cpu_started
    graded = args.rounds * len(jobs)

    method, count = token_counter()
    graded_jobs = [(lesson, clean_text(work.text)) for lesson, work in jobs if work.text.strip()]
    sizes = [count(build_messages(lesson, text)) for lesson, text in graded_jobs]  # type: ignore[arg-type]
    # The fixed part: the same prompt with an empty work; a prompt cache serves it from the second
    # grading of a lesson on (providers cache a stable prefix, e.g. from 1,024 tokens on OpenAI).
    fixed = [count(build_messages(lesson, "")) for lesson, _ in graded_jobs]  # type: ignore[arg-type]
    checks = [count(build_check_messages(text)) for _, text in graded_jobs]
    prompt_med, fixed_med = statistics.median(sizes), statistics.median(fixed)
    reply_tokens = estimate_tokens(TYPICAL_REPLY)
    check_cost = (
        statistics.median(checks) * args.price_input + CHECK_COMPLETION_TOKENS * args.price_output
    )

    def per_thousand(cached: bool) -> float:
        prompt = (
            (fixed_med * args.price_cached + (prompt_med - fixed_med) * args.price_input)
            if cached
            else prompt_med * args.price_input
        )
        # Worst case: the short injection check after every verdict (it runs only when the model
        # scores above the rules).
        return round((prompt + reply_tokens * args.price_output + check_cost) / 1000, 4)

    result = {
        "devset_items": len(jobs),
        "rules_grades": graded,
        "rules_seconds": round(seconds, 3),
        "rules_grades_per_second": round(graded / seconds, 1),
        "rules_grades_per_cpu_second": round(graded / cpu_seconds, 1),
        "prompt_tokens_median": prompt_med,
        "prompt_fixed_tokens_median": fixed_med,
        "prompt_tokens_min": min(sizes),
        "prompt_tokens_max": max(sizes),
        "completion_tokens_cap": MAX_COMPLETION_TOKENS,
        "completion_tokens_typical": reply_tokens,
        "check_call_tokens_median": statistics.median(checks) + CHECK_COMPLETION_TOKENS,
        "prices_usd_per_million": {
            "input": args.price_input,
            "cached_input": args.price_cached,
            "output": args.price_output,
        },
        "usd_per_1000_gradings": per_thousand(cached=False),
        "usd_per_1000_gradings_prompt_cache": per_thousand(cached=True),
        "token_count": method,
    }
    print_result(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
