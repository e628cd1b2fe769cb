"""One routing table: every button kind, keyword and menu command leads to a handler."""

from __future__ import annotations

import pytest

from bot.channels.telegram.runner import command_list
from bot.i18n import catalog
from bot.services import buttons
from bot.services.chat.router import CommandRoute, Router
from bot.services.chat.routes import ROUTER
from bot.services.parsing import KEYWORDS


def test_every_button_kind_has_a_handler() -> None:
    assert set(buttons.kinds()) == set(ROUTER.buttons)


def test_every_keyword_names_a_routed_command() -> None:
    assert set(KEYWORDS.values()) <= set(ROUTER.commands)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_telegrams_menu_is_the_routing_tables(language: str) -> None:
    menu = [c.name for c in ROUTER.commands.values() if c.menu]
    listed = command_list(language)
    assert [c.command for c in listed] == menu
    assert all(f"command.desc.{name}" in catalog(language) for name in menu)
    assert all(c.description for c in listed)


def test_a_command_cannot_be_routed_twice() -> None:
    async def answer(turn: object, args: str) -> list[object]:
        return []

    with pytest.raises(ValueError, match="routed twice"):
        Router([CommandRoute("lesson", answer), CommandRoute("lesson", answer)], [], [])  # type: ignore[arg-type]
