"""The OpenAI-compatible language model as the grader's second stage."""

from bot.llm.costs import (
    GradeCache,
    InMemoryGradeCache,
    InMemoryTokenBudget,
    TokenBudget,
    UnlimitedBudget,
    cache_key,
)
from bot.llm.grader import LLMGrader

__all__ = [
    "GradeCache",
    "InMemoryGradeCache",
    "InMemoryTokenBudget",
    "LLMGrader",
    "TokenBudget",
    "UnlimitedBudget",
    "cache_key",
]
