"""Grading speed and prompt size over the Vietnamese dev set.

    .venv/bin/python bench/grading_bench.py [--rounds 20] [--json]

Prints rules-only grades per second (the whole dev set graded `rounds` times in one process), and the
median prompt tokens of one model call per dev-set submission. Tokens come from a real tokenizer
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
from bot.llm.prompt import MAX_COMPLETION_TOKENS, build_messages, prompt_tokens  # noqa: E402
from lessons.loader import load_curriculum  # noqa: E402
from scoring.evaluation import parse_devset  # noqa: E402
from scoring.grading import Work  # noqa: E402
from scoring.rules import clean_text, grade_by_rules  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "grading_devset.yaml"


def token_counter() -> tuple[str, Callable[[list[dict[str, Any]]], int]]:
    """A real tokenizer when installed, else the project's estimate."""
    try:
        import tiktoken  # type: ignore[import-not-found]
    except ImportError:
        return "estimate: 1.6 tokens per word + 0.5 per symbol (no tokenizer installed)", prompt_tokens
    encoding = tiktoken.get_encoding("o200k_base")

    def count(messages: list[dict[str, Any]]) -> int:
        return sum(4 + len(encoding.encode(m["content"])) for m in messages
                   if isinstance(m["content"], str))

    return "tiktoken o200k_base", count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    curriculum, _ = load_curriculum()
    items = [it for it in parse_devset(yaml.safe_load(DEVSET.read_text(encoding="utf-8")))
             if curriculum.by_id(it.lesson) is not None]
    texts = {it.id: it.text for it in items}
    jobs = [(curriculum.by_id(it.lesson), Work(text=it.text, peers=tuple(texts[p] for p in it.peers)))
            for it in items]

    started = time.perf_counter()
    for _ in range(args.rounds):
        for lesson, work in jobs:
            grade_by_rules(lesson, work)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    graded = args.rounds * len(jobs)

    method, count = token_counter()
    sizes = [count(build_messages(lesson, clean_text(work.text)))  # type: ignore[arg-type]
             for lesson, work in jobs if work.text.strip()]
    result = {
        "devset_items": len(jobs),
        "rules_grades": graded,
        "rules_seconds": round(seconds, 3),
        "rules_grades_per_second": round(graded / seconds, 1),
        "prompt_tokens_median": statistics.median(sizes),
        "prompt_tokens_min": min(sizes),
        "prompt_tokens_max": max(sizes),
        "completion_tokens_cap": MAX_COMPLETION_TOKENS,
        "token_count": method,
    }
    print_result(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
