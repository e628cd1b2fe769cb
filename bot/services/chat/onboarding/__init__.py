"""Joining: /start with a group's code, then one question a step, as a table of steps.

Each step asks (`ask`), reads a typed answer (`on_text`) and moves on by setting the next step;
buttons ("ob:<step>:<value>") answer a step by tap. The order is group -> consent -> name ->
birth -> occupation -> (an official: agency) -> time, after which the learner is active.
The agency is asked only when there are agencies near the learner to pick from ("ag:" buttons,
bot/services/chat/agency.py). Ethnicity is never asked here: only from /settings, after its own
consent question (bot/services/chat/profile.py says why).

The step table and its dispatch are here; the questions are in questions.py, the shared
choices and helpers in base.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.services import buttons, classes, invites, throttle
from bot.services.chat import agency
from bot.services.chat.onboarding.base import (
    MAX_NAME,
    MENTOR_LINK_PREFIX,
    OCCUPATIONS,
    TARGET_AGES,
    Step,
    clean_name,
    join_code,
    key_time,
)
from bot.services.chat.onboarding.questions import (
    _ask_agency,
    _ask_birth,
    _ask_consent,
    _ask_group,
    _ask_name,
    _ask_occupation,
    _ask_time,
)
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.parsing import keyword_command, numbered_choice, parse_birth_year, parse_time
from bot.services.ports import LearnerStatus, UnitRecord
from lessons.textnorm import strip_invisible


def ask(turn: Turn, step: str | None) -> list[Out]:
    """The question of a step (the first step's when none is set)."""
    found = STEPS.get(step or "group")
    if found is None:
        return []
    if found.name == "group":
        turn.state.step = "group"
    return found.ask(turn)


def go_on(turn: Turn, out: list[Out]) -> list[Out]:
    """After a class's code, a session's QR or a mentor's link: a new learner goes on with the
    first questions (the group one only when the code or link gave them no group)."""
    if turn.learner.status != LearnerStatus.ONBOARDING:
        return out
    if turn.state.step in (None, "group"):
        turn.state.step = "consent" if turn.learner.unit_id is not None else "group"
    if turn.state.step == "group":
        return [Out(text=turn.tr("onboarding.welcome")), *out, *ask(turn, "group")]
    return [*out, *ask(turn, turn.state.step)]


async def on_input(turn: Turn) -> list[Out]:
    """Anything but a command or a button while joining: the current step's answer."""
    ev, tr = turn.event, turn.tr
    step = turn.state.step or "group"
    text = strip_invisible(ev.text).strip()
    if ev.kind == "text" and step != "name":  # a name may be any word ("Dũng", "Học")
        keyword = keyword_command(text)
        if keyword:
            return await turn.command(keyword)
        picked = turn.offered_choice(text)
        if picked is not None:
            return await turn.choice(picked)
    elif ev.kind == "text":
        index = numbered_choice(text)
        options = turn.state.options
        if index is not None and 0 <= index < len(options):
            return await turn.choice(options[index])
    if ev.kind != "text" or not text:
        return [Out(text=tr("onboarding.text_please")), *ask(turn, step)]
    found = STEPS.get(step)
    if found is None:
        return ask(turn, "group")
    return await found.on_text(turn, text)


async def on_button(turn: Turn, button: buttons.Onboarding) -> list[Out]:
    if turn.learner.status != LearnerStatus.ONBOARDING:
        return [Out(text=turn.tr("choice.stale"))]
    answer = _BUTTONS[button.step]
    found = await answer(turn, button.value)
    if found is not None:
        return found
    return [Out(text=turn.tr("choice.stale")), *ask(turn, turn.state.step)]


async def start(turn: Turn, args: str) -> list[Out]:
    """/start, with a group's join code from a link or typed: joins, or says hello again."""
    tr, learner, repo = turn.tr, turn.learner, turn.repo
    if args.strip().lower().startswith(invites.DEEP_LINK_PREFIX):  # t.me/...?start=r_CODE
        return await turn.command("role", args.strip())
    if args.strip().lower().startswith(classes.SESSION_PREFIX):  # a session's QR code
        return await turn.command("checkin", args.strip())
    if args.strip().lower().startswith(MENTOR_LINK_PREFIX):  # a mentor's own link
        return await turn.command("mentorlink", args.strip())
    code = join_code(args)
    unit, blocked = await group_by_code(turn, code)
    if blocked:
        return blocked
    if unit is not None and classes.is_class(unit):  # a class: joined, own group kept
        return go_on(turn, await classes.join(turn.deps, repo, learner, tr, unit))
    if learner.status == LearnerStatus.ONBOARDING:
        if unit is not None:
            await repo.learners.update_learner(learner.id, unit_id=unit.id)
            learner.unit_id = unit.id
            turn.state.step = "consent"
            return [
                Out(text=tr("onboarding.welcome_group", group=unit.name)),
                *ask(turn, "consent"),
            ]
        intro = [Out(text=tr("onboarding.welcome"))]
        if code:
            intro.append(Out(text=tr("onboarding.bad_code", code=code)))
        turn.state.step = "group"
        return intro + ask(turn, "group")
    out: list[Out] = []
    if unit is not None and unit.id != learner.unit_id:
        await repo.learners.update_learner(learner.id, unit_id=unit.id)
        out.append(Out(text=tr("group.moved", group=unit.name)))
    elif code and unit is None:
        out.append(Out(text=tr("onboarding.bad_code", code=code)))
    if learner.status == LearnerStatus.PAUSED:
        await repo.learners.update_learner(learner.id, status=LearnerStatus.ACTIVE)
        out.append(Out(text=tr("start.resumed", time=learner.lesson_time or "")))
    else:
        out.append(Out(text=tr("start.again", name=learner.public_name)))
    out.append(
        Out(
            text=tr("start.menu"),
            options=(
                buttons.Command("lesson").as_option(tr("menu.lesson")),
                buttons.Command("progress").as_option(tr("menu.progress")),
                buttons.Command("leaderboard").as_option(tr("menu.leaderboard")),
            ),
        )
    )
    return out


async def _group_text(turn: Turn, text: str) -> list[Out]:
    unit, blocked = await group_by_code(turn, join_code(text))
    if blocked:
        return blocked
    if unit is None:
        return [Out(text=turn.tr("onboarding.bad_code", code=text[:20])), *ask(turn, "group")]
    if classes.is_class(unit):
        return go_on(turn, await classes.join(turn.deps, turn.repo, turn.learner, turn.tr, unit))
    await turn.repo.learners.update_learner(turn.learner.id, unit_id=unit.id)
    turn.state.step = "consent"
    return [Out(text=turn.tr("onboarding.joined", group=unit.name)), *ask(turn, "consent")]


def _tap_please(key: str, step: str) -> Callable[[Turn, str], Awaitable[list[Out]]]:
    async def answer(turn: Turn, _text: str) -> list[Out]:
        return [Out(text=turn.tr(key)), *ask(turn, step)]

    return answer


async def _name_text(turn: Turn, text: str) -> list[Out]:
    name = clean_name(text)
    if not name:
        return [Out(text=turn.tr("onboarding.bad_name", limit=MAX_NAME)), *ask(turn, "name")]
    return await _set_name(turn, name)


async def _birth_text(turn: Turn, text: str) -> list[Out]:
    year = parse_birth_year(text, turn.deps.now().year)
    if year is None:
        return [Out(text=turn.tr("onboarding.bad_birth")), *ask(turn, "birth")]
    await turn.repo.learners.update_learner(turn.learner.id, birth_year=year)
    turn.state.step = "occupation"
    age = turn.deps.now().year - year
    out = []
    if not TARGET_AGES[0] <= age <= TARGET_AGES[1]:
        out.append(Out(text=turn.tr("onboarding.outside_ages", age=age)))
    return out + ask(turn, "occupation")


async def _time_text(turn: Turn, text: str) -> list[Out]:
    hhmm = parse_time(text)
    if hhmm is None:
        return [Out(text=turn.tr("onboarding.bad_time", text=text[:20])), *ask(turn, "time")]
    return await _set_time(turn, hhmm)


async def _agency_text(turn: Turn, text: str) -> list[Out]:
    return await agency.answer(turn, text, after_agency)


async def after_agency(turn: Turn, unit: UnitRecord | None) -> list[Out]:
    """The agency picked (or skipped) while joining: on to the lesson time."""
    turn.state.step = "time"
    said = [Out(text=turn.tr("agency.saved", agency=unit.name))] if unit else []
    return said + ask(turn, "time")


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("group", _ask_group, _group_text),
        Step("consent", _ask_consent, _tap_please("onboarding.tap_consent", "consent")),
        Step("name", _ask_name, _name_text),
        Step("birth", _ask_birth, _birth_text),
        Step("occupation", _ask_occupation, _tap_please("onboarding.tap_occupation", "occupation")),
        Step("agency", _ask_agency, _agency_text),
        Step("time", _ask_time, _time_text),
    )
}


async def _no_group(turn: Turn, value: str) -> list[Out] | None:
    if value:
        return None
    turn.state.step = "consent"
    return [Out(text=turn.tr("onboarding.later_group")), *ask(turn, "consent")]


async def _consent(turn: Turn, value: str) -> list[Out] | None:
    if value == "yes":
        await turn.repo.learners.update_learner(turn.learner.id, consent_at=turn.deps.now())
        turn.state.step = "name"
        return ask(turn, "name")
    if value == "no":
        turn.state.step = "consent"
        return [Out(text=turn.tr("onboarding.no_consent")), *ask(turn, "consent")]
    return None


async def _platform_name(turn: Turn, value: str) -> list[Out] | None:
    if value != "platform":
        return None
    name = clean_name(turn.event.display_name)
    return await _set_name(turn, name) if name else ask(turn, "name")


async def _skip_birth(turn: Turn, value: str) -> list[Out] | None:
    if value != "skip":
        return None
    turn.state.step = "occupation"
    return ask(turn, "occupation")


async def _occupation(turn: Turn, value: str) -> list[Out] | None:
    if value not in OCCUPATIONS:
        return None
    await turn.repo.learners.update_learner(turn.learner.id, occupation=value)
    turn.learner.occupation = value
    if value == "official":
        found = await agency.near(turn.repo, turn.learner)
        if found.own is not None:  # joined with an office team's code: that is the agency
            await agency.save(turn, found.own)
            return await after_agency(turn, found.own)
        if found.agencies:
            turn.state.step = "agency"
            return agency.question(turn, found.agencies)
    turn.state.step = "time"
    return ask(turn, "time")


async def _time(turn: Turn, value: str) -> list[Out] | None:
    hhmm = parse_time(key_time(value))
    return await _set_time(turn, hhmm) if hhmm else None


_BUTTONS: dict[str, Callable[[Turn, str], Awaitable[list[Out] | None]]] = {
    "nogroup": _no_group,
    "consent": _consent,
    "name": _platform_name,
    "birth": _skip_birth,
    "occ": _occupation,
    "time": _time,
}


async def _set_name(turn: Turn, name: str) -> list[Out]:
    await turn.repo.learners.update_learner(turn.learner.id, display_name=name)
    turn.state.step = "birth"
    return [Out(text=turn.tr("onboarding.hello", name=name)), *ask(turn, "birth")]


async def _set_time(turn: Turn, hhmm: str) -> list[Out]:
    tr = turn.tr
    await turn.repo.learners.update_learner(
        turn.learner.id, lesson_time=hhmm, status=LearnerStatus.ACTIVE
    )
    turn.learner.status = LearnerStatus.ACTIVE
    turn.state.step = None
    return [
        Out(title=tr("onboarding.done_title"), text=tr("onboarding.done", time=hhmm)),
        Out(
            text=tr("onboarding.first_lesson"),
            options=(buttons.Command("lesson").as_option(tr("menu.lesson_now")),),
        ),
    ]


async def group_by_code(turn: Turn, code: str) -> tuple[UnitRecord | None, list[Out]]:
    """The group a join code opens. A wrong code counts against the person and the chat, and
    after too many (throttle.LIMIT in throttle.WINDOW) no code is looked up at all: the answer
    is then a kind "try again later" and nothing else."""
    if not code:
        return None, []
    repo, now = turn.repo, turn.deps.now()
    who = throttle.keys(turn.learner.id, turn.event.channel, turn.event.chat_id)
    if await throttle.blocked(repo, who, now):
        return None, [Out(text=turn.tr("roles.throttled", minutes=throttle.window_minutes()))]
    unit = await repo.units.unit_by_join_code(code)
    if unit is None:
        await throttle.failed(repo, who, now)
    return unit, []
