"""How one event finds its handler: by kind, then through the tables in `routes.py`.

The flow (`Router.run`) decides what kind of thing the learner sent: a command (typed "/lesson",
a keyword such as "học", a "cmd:" button), a tap on an offered option (a button, or "2"/"B"
typed for one), the answer to a step the conversation waits in, or free text and photos (work,
or a hint). The tables say which handler answers each command name, button kind and step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.i18n import Translator
from bot.services import buttons, linking, roles_chat, speech, tryai
from bot.services.chat import onboarding, study
from bot.services.chat.account import help_message
from bot.services.chat.classes import checkin
from bot.services.chat.turn import Turn
from bot.services.classes import bare_code, typed_checkin
from bot.services.io import Out
from bot.services.parsing import (
    ANYTIME_KEYWORDS,
    keyword_command,
    keyword_with_args,
    split_command,
)
from bot.services.permissions import Action
from bot.services.ports import LearnerStatus

B = TypeVar("B", bound=buttons.Button)
Answer = Awaitable[list[Out]]


@dataclass(frozen=True)
class CommandRoute:
    """`/name args`, a keyword that stands for it, or a `cmd:name` button."""

    name: str
    handler: Callable[[Turn, str], Answer]  # (turn, args)
    menu: bool = False  # listed in Telegram's command menu, described by "command.desc.<name>"
    # Listed (instead) in the menu of people whose roles allow any of these actions: Telegram
    # shows role holders their own menu (BotCommandScopeChat), learners the default one.
    staff: frozenset[Action] = frozenset()
    # Works in any state: before onboarding is over, and without ending the step the learner is
    # in. Other commands first ask an onboarding learner to finish, and end any step.
    anytime: bool = False


@dataclass(frozen=True)
class ButtonRoute(Generic[B]):
    """A tap on a button of one kind (or its number typed), unpacked by the codec."""

    kind: type[B]
    handler: Callable[[Turn, B], Answer]
    anytime: bool = False  # answered while onboarding too (otherwise the step is asked again)
    bad: str = "choice.stale"  # the answer to a key of this kind that does not unpack


@dataclass(frozen=True)
class StepRoute:
    """Text typed while the conversation waits in a step ("settings_time", "review_score:12")."""

    name: str  # the step's name: the part of the step before any ":"
    handler: Callable[[Turn, str], Answer]  # (turn, the whole step)
    anytime: bool = False  # answered before the onboarding flow (an instructor still joining)


class Router:
    def __init__(
        self,
        commands: Iterable[CommandRoute],
        buttons_: Iterable[ButtonRoute[Any]],
        steps: Iterable[StepRoute],
    ) -> None:
        self.commands: dict[str, CommandRoute] = _index(commands, lambda c: c.name)
        self.buttons: dict[type[buttons.Button], ButtonRoute[Any]] = _index(
            buttons_, lambda b: b.kind
        )
        self.steps: dict[str, StepRoute] = _index(steps, lambda s: s.name)

    def menu(self, tr: Translator, actions: Collection[Action] = ()) -> list[tuple[str, str]]:
        """(name, description) of the commands a platform lists in its menu, in table order:
        a learner's, and with `actions` (what the person's roles allow) the role's tools too."""
        held = set(actions)
        return [
            (c.name, tr(f"command.desc.{c.name}"))
            for c in self.commands.values()
            if (c.menu and not c.staff) or (c.staff & held)
        ]

    async def run(self, turn: Turn) -> list[Out]:
        ev, tr = turn.event, turn.tr
        joining = turn.learner.status == LearnerStatus.ONBOARDING
        if ev.edited:
            return [Out(text=tr("input.edited"))]
        if ev.kind == "command":
            return await self.command(turn, ev.command, ev.args)
        if ev.kind == "choice":
            return await self.choice(turn, ev.choice)
        if ev.kind == "voice" and not joining:
            return speech.voice_note(turn)
        if ev.kind in ("sticker", "voice", "video", "location", "contact", "document", "other"):
            return [Out(text=tr(f"input.{ev.kind}"))]
        if ev.kind == "unsupported":
            return [Out(text=tr("input.unsupported"))]
        text = ev.text if ev.kind == "text" else None
        if text is not None:
            parsed = split_command(text)
            if parsed:
                return await self.command(turn, *parsed)
            link_code = linking.parse_link_text(text)
            if link_code is not None:  # "liên kết" / "lien ket CODE", even while onboarding
                return await self.command(turn, "link", link_code)
            invite_code = roles_chat.typed_code(text)
            if invite_code is not None:  # a role invite typed, even while onboarding
                return await self.command(turn, "role", invite_code)
            checkin_code = typed_checkin(text)
            if checkin_code is not None:  # "điểm danh K7M2QX" at a class, even while onboarding
                return await self.command(turn, "checkin", checkin_code)
            keyword = keyword_command(text)
            if joining and keyword not in ANYTIME_KEYWORDS:
                keyword = None
            if keyword:  # keywords work in every step, so nobody is stuck in one
                return await self.command(turn, keyword, "")
            with_args = None if joining else keyword_with_args(text)
            if with_args:  # "vinh danh PDP 2026Q4": the command with what follows it
                return await self.command(turn, *with_args)
        step = turn.state.step
        route = self.steps.get(step.partition(":")[0]) if step else None
        if text is not None and step and route is not None and route.anytime:
            return await route.handler(turn, step)
        if joining:
            return await onboarding.on_input(turn)
        if text is not None and step:
            if route is not None:
                return await route.handler(turn, step)
            turn.state.step = None  # a step this version no longer has
            return await study.work_or_hint(turn)
        if text is not None:
            if bare_code(text):  # a session's code typed alone: a check-in, if it is one
                checked = await checkin(turn, text, bare=True)
                if checked is not None:
                    return checked
            picked = turn.offered_choice(text)
            if picked is not None:
                return await self.choice(turn, picked)
            if speech.is_listen(text):
                return await speech.listen(turn)
            if tryai.is_start(text):
                return await tryai.start(turn)
        if ev.forwarded:
            return [Out(text=tr("input.forwarded"))]
        return await study.work_or_hint(turn)

    async def command(self, turn: Turn, name: str, args: str) -> list[Out]:
        route = self.commands.get(name)
        if route is None:
            return [Out(text=turn.tr("command.unknown", command=name)), help_message(turn)]
        if not route.anytime:
            if turn.learner.status == LearnerStatus.ONBOARDING:
                return [
                    Out(text=turn.tr("onboarding.finish_first")),
                    *onboarding.ask(turn, turn.state.step),
                ]
            turn.state.step = None
        return await route.handler(turn, args)

    async def choice(self, turn: Turn, key: str) -> list[Out]:
        joining = turn.learner.status == LearnerStatus.ONBOARDING
        kind = buttons.kind_of(key)
        route = self.buttons.get(kind) if kind is not None else None
        if route is None or (joining and not route.anytime):
            if joining:
                return onboarding.ask(turn, turn.state.step)
            return [Out(text=turn.tr("choice.stale"))]
        try:
            button = route.kind.unpack(key)
        except buttons.BadButton:  # forged, garbled or out of range: nothing changes
            out = [Out(text=turn.tr(route.bad))]
            return out + onboarding.ask(turn, turn.state.step) if joining else out
        return await route.handler(turn, button)


R = TypeVar("R")


def _index(routes: Iterable[R], key: Callable[[R], Any]) -> dict[Any, R]:
    index: dict[Any, R] = {}
    for route in routes:
        if key(route) in index:
            raise ValueError(f"{key(route)!r} is routed twice")
        index[key(route)] = route
    return index
