"""The tests' `says` helper: a key's sentence found whatever fills its placeholders, and only that
key's (tests/keys.py)."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.services.io import Out
from tests.keys import keys_in, says

VI = Translator("vi")


def test_a_rendered_sentence_says_its_key() -> None:
    text = VI("review.done", id=42, score=90)
    assert says(text, "review.done") and says([Out(text="trước"), Out(text=text)], "review.done")
    assert says(Out(title=VI("progress.title"), text=""), "progress.title")
    assert "review.done" in keys_in(text)


def test_another_sentence_does_not() -> None:
    assert not says(VI("review.empty"), "review.done")
    assert not says(VI("review.done", id=1, score=2)[:-3], "review.done")  # cut short
    assert not says("", "review.done")


def test_only_text_is_read() -> None:
    with pytest.raises(TypeError):
        says([VI("review.empty")], "review.empty")  # a list of strings: say which one
