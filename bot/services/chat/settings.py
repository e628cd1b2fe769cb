"""/settings: the lesson time, showing one's name on the boards, the language; the occupation,
an official's agency and the optional ethnicity (their handlers: bot/services/chat/profile.py)."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import buttons
from bot.services.chat.onboarding.base import key_time, time_options
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.parsing import parse_time

STEP = "settings_time"  # the next typed text is a new lesson time


async def menu(turn: Turn) -> Out:
    tr, learner = turn.tr, turn.learner
    shown = tr("settings.name_shown") if learner.show_name else tr("settings.name_hidden")
    official = learner.occupation == "official"
    profile = tr(
        "settings.profile",
        occupation=tr(f"occupation.{learner.occupation}") if learner.occupation else "-",
    )
    if official:
        unit = await turn.repo.units.unit(learner.agency_id) if learner.agency_id else None
        profile += "\n" + tr("settings.agency", agency=unit.name if unit else "-")
    # Ethnicity: whether an answer is stored, never the answer (the menu may be read over a
    # shoulder; the learner sees the value when they open it).
    profile += "\n" + tr(
        "settings.ethnicity_given" if learner.ethnicity_consent_at else "settings.ethnicity_none"
    )
    return Out(
        title=tr("settings.title"),
        text=tr(
            "settings.body",
            time=learner.lesson_time or "-",
            shown=shown,
            nickname=learner.nickname,
            language=learner.language,
        ).rstrip()
        + "\n"
        + profile,
        options=(
            buttons.Settings("time").as_option(tr("settings.change_time")),
            buttons.Settings("showname").as_option(tr("settings.toggle_name")),
            buttons.Settings("lang").as_option(tr("settings.toggle_language")),
            buttons.Occupation().as_option(tr("settings.change_occupation")),
            *((buttons.Agency("ask").as_option(tr("settings.change_agency")),) if official else ()),
            buttons.Ethnicity("ask").as_option(tr("settings.ethnicity")),
        ),
    )


async def command(turn: Turn, _args: str) -> list[Out]:
    return [await menu(turn)]


def _ask_time(turn: Turn) -> list[Out]:
    return [
        Out(
            text=turn.tr("onboarding.ask_time"),
            columns=2,
            options=time_options(lambda hhmm: buttons.Settings("time", hhmm)),
        )
    ]


async def _save_time(turn: Turn, hhmm: str) -> list[Out]:
    await turn.repo.learners.update_learner(turn.learner.id, lesson_time=hhmm)
    turn.state.step = None
    return [Out(text=turn.tr("settings.time_saved", time=hhmm))]


async def on_button(turn: Turn, button: buttons.Settings) -> list[Out]:
    tr, learner = turn.tr, turn.learner
    if button.action == "time" and not button.time:
        turn.state.step = STEP
        return _ask_time(turn)
    if button.action == "time":
        hhmm = parse_time(key_time(button.time))
        if hhmm:
            return await _save_time(turn, hhmm)
        return [Out(text=tr("choice.stale"))]
    if button.action == "keep":
        turn.state.step = None
        return [Out(text=tr("settings.time_kept", time=learner.lesson_time or "-"))]
    if button.action == "showname":
        await turn.repo.learners.update_learner(learner.id, show_name=not learner.show_name)
        learner.show_name = not learner.show_name
        return [await menu(turn)]
    language = "en" if learner.language == "vi" else "vi"  # "lang"
    await turn.repo.learners.update_learner(learner.id, language=language)
    learner.language = language
    turn.tr = Translator(language)
    return [await menu(turn)]


async def on_time_text(turn: Turn, _step: str) -> list[Out]:
    """The step after "Đổi giờ học": a time typed, or one of the offered times picked."""
    text = turn.event.text
    picked = turn.offered_choice(text)
    if picked is not None:
        return await turn.choice(picked)
    hhmm = parse_time(text)
    if hhmm is None:  # a way out: pick a time, keep the old one, or any command
        return [
            Out(
                text=turn.tr("settings.bad_time", text=text[:20]),
                columns=2,
                options=(
                    *time_options(lambda t: buttons.Settings("time", t)),
                    buttons.Settings("keep").as_option(turn.tr("settings.keep_time")),
                ),
            )
        ]
    return await _save_time(turn, hhmm)
