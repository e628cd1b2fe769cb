"""An official's agency: the office-team units offered, the question, a typed name matched.

Asked while joining (onboarding's "agency" step, after the occupation "official") and from
/settings (step SETTINGS_STEP); each flow passes what happens once it is answered (`Then`).
The handlers of the "ag:" buttons are in bot/services/chat/profile.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.services import buttons, target_groups
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork, UnitRecord

SETTINGS_STEP = "settings_agency"  # the next typed text names an agency (from /settings)
LOOKED_AT = 200  # agencies a typed name is matched among (a province's departments and more)
SHOWN = 8  # agencies offered as buttons; the others are typed

Then = Callable[[Turn, UnitRecord | None], Awaitable[list[Out]]]  # None: skipped


@dataclass(frozen=True)
class Near:
    """The agencies a learner may pick, and their own unit when it is one (they joined with an
    office team's code: that is their agency, nothing to ask)."""

    own: UnitRecord | None
    agencies: list[UnitRecord]


async def near(repo: UnitOfWork, learner: LearnerRecord) -> Near:
    if learner.unit_id is None:
        return Near(None, [])
    lineage = await repo.units.lineage(learner.unit_id)
    own = lineage[0] if lineage and target_groups.is_agency(lineage[0]) else None
    where = target_groups.area(lineage)
    if where is None:
        return Near(own, [])
    found = await repo.units.units_of_kind_near(where.id, target_groups.AGENCY_KINDS, LOOKED_AT)
    return Near(own, found)


def question(turn: Turn, agencies: list[UnitRecord], key: str = "agency.ask") -> list[Out]:
    """Which agency: the first ones as buttons, "Bỏ qua"; with more, the text says to type."""
    tr = turn.tr
    shown = agencies[:SHOWN]
    more = len(agencies) > len(shown)
    return [
        Out(
            text=tr(key) + ("\n" + tr("agency.type_more") if more else ""),
            options=(
                *(buttons.Agency("pick", u.id).as_option(u.name) for u in shown),
                buttons.Agency("skip").as_option(tr("agency.skip")),
            ),
        )
    ]


async def save(turn: Turn, unit: UnitRecord | None) -> None:
    if unit is not None:
        await turn.repo.learners.update_learner(turn.learner.id, agency_id=unit.id)
        turn.learner.agency_id = unit.id


async def picked(turn: Turn, unit_id: int) -> UnitRecord | None:
    """The agency a tapped button names, if it is one this learner may pick (a forged or old
    id is none)."""
    found = await near(turn.repo, turn.learner)
    return next(
        (u for u in (found.own, *found.agencies) if u is not None and u.id == unit_id), None
    )


async def answer(turn: Turn, text: str, then: Then) -> list[Out]:
    """A typed answer: an offered option ("2", "ubnd phuong"), "bỏ qua", or an agency's name
    matched without diacritics among all near the learner."""
    choice = turn.offered_choice(text)
    if choice is not None:
        return await turn.choice(choice)
    if target_groups.is_skip(text):
        return await then(turn, None)
    found = (await near(turn.repo, turn.learner)).agencies
    matches = target_groups.match_units(text, found)
    if len(matches) == 1:
        await save(turn, matches[0])
        return await then(turn, matches[0])
    if matches:
        return question(turn, matches, "agency.which")
    return [Out(text=turn.tr("agency.unknown", text=text[:40])), *question(turn, found)]
