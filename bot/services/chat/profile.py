"""What the plans count about a learner, asked in the chat: the occupation changed from
/settings, an official's agency (while joining and from /settings), and ethnicity.

Ethnicity is asked only from /settings ("Dân tộc (không bắt buộc)", or "dân tộc" typed), never
while joining: it is sensitive personal data, a question right after joining reads as part of the
registration a ward's drive asks for, and only the special-audience classes need it, whose
instructors can point their learners here. It comes after its own consent question, which says
why it is asked, that it is only ever counted and never shown per person, and that it may be
withdrawn; declining stores nothing. Withdrawing clears the value and its consent time.
"""

from __future__ import annotations

from bot.services import buttons, target_groups
from bot.services.chat import agency, onboarding
from bot.services.chat.onboarding.base import OCCUPATIONS
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.ports import LearnerStatus, UnitRecord

ETHNICITY_STEP = "ethnicity"  # the next typed text names an ethnic group (after the consent)


# ---- occupation ------------------------------------------------------------------------------


async def on_occupation(turn: Turn, button: buttons.Occupation) -> list[Out]:
    """ "Đổi nghề nghiệp" in /settings: the list; a pick saves it. Leaving "official" clears the
    agency; becoming one asks which agency, when there are agencies near the learner."""
    tr, learner = turn.tr, turn.learner
    if not button.value:
        return [
            Out(
                text=tr("onboarding.ask_occupation"),
                options=tuple(
                    buttons.Occupation(o).as_option(tr(f"occupation.{o}")) for o in OCCUPATIONS
                ),
            )
        ]
    value = button.value
    if value != "official":
        await turn.repo.learners.update_learner(learner.id, occupation=value, agency_id=None)
        learner.occupation, learner.agency_id = value, None
        return [Out(text=tr("profile.occupation_saved", occupation=tr(f"occupation.{value}")))]
    await turn.repo.learners.update_learner(learner.id, occupation=value)
    learner.occupation = value
    said = Out(text=tr("profile.occupation_saved", occupation=tr(f"occupation.{value}")))
    return [said, *await _ask_agency(turn)]


# ---- an official's agency --------------------------------------------------------------------


async def _ask_agency(turn: Turn) -> list[Out]:
    found = await agency.near(turn.repo, turn.learner)
    if found.own is not None and turn.learner.agency_id is None:
        await agency.save(turn, found.own)
        return [Out(text=turn.tr("agency.saved", agency=found.own.name))]
    choices = [u for u in (found.own, *found.agencies) if u is not None]
    if not choices:
        return [Out(text=turn.tr("agency.none"))]
    turn.state.step = agency.SETTINGS_STEP
    return agency.question(turn, list(dict.fromkeys(choices)))


async def on_agency(turn: Turn, button: buttons.Agency) -> list[Out]:
    """ "ag:" buttons, while joining (onboarding's "agency" step) and from /settings."""
    tr, learner = turn.tr, turn.learner
    joining = learner.status == LearnerStatus.ONBOARDING
    if joining and (turn.state.step != "agency" or button.action == "ask"):
        return [Out(text=tr("choice.stale")), *onboarding.ask(turn, turn.state.step)]
    if button.action == "ask":
        if learner.occupation != "official":
            return [
                Out(
                    text=tr("agency.officials_only"),
                    options=(buttons.Occupation().as_option(tr("settings.change_occupation")),),
                )
            ]
        return await _ask_agency(turn)
    unit = await agency.picked(turn, button.unit) if button.action == "pick" else None
    if button.action == "pick" and unit is None:  # forged, or no longer near the learner
        out = [Out(text=tr("agency.not_offered"))]
        return out + (onboarding.ask(turn, "agency") if joining else [])
    if not joining and learner.occupation != "official":  # an old button, occupation changed
        return [Out(text=tr("agency.officials_only"))]
    await agency.save(turn, unit)
    return await (onboarding.after_agency if joining else _agency_done)(turn, unit)


async def _agency_done(turn: Turn, unit: UnitRecord | None) -> list[Out]:
    turn.state.step = None
    if unit is None:
        return [Out(text=turn.tr("agency.kept"))]
    return [Out(text=turn.tr("agency.saved", agency=unit.name))]


async def on_agency_text(turn: Turn, _step: str) -> list[Out]:
    """The step after "Đổi cơ quan": an agency's number or name typed, or "bỏ qua"."""
    return await agency.answer(turn, turn.event.text.strip(), _agency_done)


# ---- ethnicity: optional, with its own consent -------------------------------------------------


def _consent_question(turn: Turn) -> list[Out]:
    tr = turn.tr
    return [
        Out(
            title=tr("eth.consent_title"),
            text=tr("eth.consent"),
            options=(
                buttons.Ethnicity("yes").as_option(tr("eth.agree")),
                buttons.Ethnicity("no").as_option(tr("eth.decline")),
            ),
        )
    ]


def _groups_question(turn: Turn, key: str = "eth.ask") -> list[Out]:
    tr = turn.tr
    return [
        Out(
            text=tr(key),
            columns=2,
            options=(
                *(
                    buttons.Ethnicity("pick", slug).as_option(name)  # type: ignore[arg-type]
                    for slug, name in target_groups.OFFERED_ETHNICITIES.items()
                ),
                buttons.Ethnicity("pick", "other").as_option(tr("eth.other")),
                buttons.Ethnicity("no").as_option(tr("eth.rather_not")),
            ),
        )
    ]


async def ethnicity_command(turn: Turn, _args: str) -> list[Out]:
    """ "/ethnicity", "dân tộc" typed, or the settings button: the consent question, or (with a
    consent stored) what is stored and how to change or withdraw it."""
    tr, learner = turn.tr, turn.learner
    if learner.ethnicity_consent_at is None:
        return _consent_question(turn)
    return [
        Out(
            text=tr("eth.stored", ethnicity=_shown(turn, learner.ethnicity)),
            options=(
                buttons.Ethnicity("yes").as_option(tr("eth.change")),
                buttons.Ethnicity("withdraw").as_option(tr("eth.withdraw")),
                buttons.Ethnicity("keep").as_option(tr("eth.keep")),
            ),
        )
    ]


async def on_ethnicity(turn: Turn, button: buttons.Ethnicity) -> list[Out]:
    tr, learner = turn.tr, turn.learner
    if button.action == "ask":
        return await ethnicity_command(turn, "")
    if button.action == "yes":
        turn.state.step = ETHNICITY_STEP
        return _groups_question(turn)
    if button.action == "no":
        turn.state.step = None
        key = "eth.declined" if learner.ethnicity_consent_at is None else "eth.kept"
        return [Out(text=tr(key))]
    if button.action == "keep":
        turn.state.step = None
        return [Out(text=tr("eth.kept"))]
    if button.action == "withdraw":
        await turn.repo.learners.update_learner(
            learner.id, ethnicity=None, ethnicity_consent_at=None
        )
        learner.ethnicity = learner.ethnicity_consent_at = None
        turn.state.step = None
        return [Out(text=tr("eth.withdrawn"))]
    # "pick": only right after the consent ("eth:yes" set the step); an old or forged tap asks
    # for the consent again and stores nothing.
    if turn.state.step != ETHNICITY_STEP:
        return [Out(text=tr("choice.stale")), *await ethnicity_command(turn, "")]
    name = target_groups.OFFERED_ETHNICITIES.get(button.group, target_groups.OTHER)
    return await _save_ethnicity(turn, name)


async def on_ethnicity_text(turn: Turn, _step: str) -> list[Out]:
    """The step after the consent: an offered option, a group's name typed (with or without
    diacritics), or "bỏ qua"."""
    text = turn.event.text.strip()
    choice = turn.offered_choice(text)
    if choice is not None:
        return await turn.choice(choice)
    if target_groups.is_skip(text):
        return await on_ethnicity(turn, buttons.Ethnicity("no"))
    name = target_groups.match_ethnicity(text)
    if name is None:
        return _groups_question(turn, "eth.unknown")
    return await _save_ethnicity(turn, name)


async def _save_ethnicity(turn: Turn, name: str) -> list[Out]:
    learner = turn.learner
    now = turn.deps.now()
    await turn.repo.learners.update_learner(learner.id, ethnicity=name, ethnicity_consent_at=now)
    learner.ethnicity, learner.ethnicity_consent_at = name, now
    turn.state.step = None
    return [Out(text=turn.tr("eth.saved", ethnicity=_shown(turn, name)))]


def _shown(turn: Turn, name: str | None) -> str:
    return turn.tr("eth.other") if name in (None, target_groups.OTHER) else str(name)
