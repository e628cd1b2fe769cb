"""The onboarding steps' questions: one function per step, each a chat message with its buttons."""

from __future__ import annotations

from bot.services import buttons
from bot.services.chat.onboarding.base import OCCUPATIONS, clean_name, time_options
from bot.services.chat.turn import Turn
from bot.services.io import Option, Out


def _ask_group(turn: Turn) -> list[Out]:
    return [
        Out(
            text=turn.tr("onboarding.ask_group"),
            options=(buttons.Onboarding("nogroup").as_option(turn.tr("onboarding.no_group")),),
        )
    ]


def _ask_consent(turn: Turn) -> list[Out]:
    tr = turn.tr
    return [
        Out(
            title=tr("onboarding.consent_title"),
            text=tr("onboarding.consent"),
            options=(
                buttons.Onboarding("consent", "yes").as_option(tr("onboarding.agree")),
                buttons.Onboarding("consent", "no").as_option(tr("onboarding.disagree")),
            ),
        )
    ]


def _ask_name(turn: Turn) -> list[Out]:
    options: tuple[Option, ...] = ()
    shown = clean_name(turn.event.display_name)
    if shown:
        options = (
            buttons.Onboarding("name", "platform").as_option(
                turn.tr("onboarding.use_name", name=shown)
            ),
        )
    return [Out(text=turn.tr("onboarding.ask_name"), options=options)]


def _ask_birth(turn: Turn) -> list[Out]:
    return [
        Out(
            text=turn.tr("onboarding.ask_birth"),
            options=(buttons.Onboarding("birth", "skip").as_option(turn.tr("onboarding.skip")),),
        )
    ]


def _ask_occupation(turn: Turn) -> list[Out]:
    return [
        Out(
            text=turn.tr("onboarding.ask_occupation"),
            options=tuple(
                buttons.Onboarding("occ", o).as_option(turn.tr(f"occupation.{o}"))
                for o in OCCUPATIONS
            ),
        )
    ]


def _ask_agency(turn: Turn) -> list[Out]:
    # Asked again (after a stray tap or a command): the agencies offered last time, as
    # remembered, so "2" still means the same one; a name typed is matched among all.
    offered = [
        Option(k, turn.state.labels.get(k, k))
        for k in turn.state.options
        if isinstance(buttons.parse(k), buttons.Agency)
    ]
    skip = buttons.Agency("skip").as_option(turn.tr("agency.skip"))
    if skip.key not in [o.key for o in offered]:
        offered.append(skip)
    return [Out(text=turn.tr("agency.ask"), options=tuple(offered))]


def _ask_time(turn: Turn) -> list[Out]:
    return [
        Out(
            text=turn.tr("onboarding.ask_time"),
            columns=2,
            options=time_options(lambda hhmm: buttons.Onboarding("time", hhmm)),
        )
    ]
