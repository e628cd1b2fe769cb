"""Classes in the chat: an instructor opens a class (a unit of kind "lớp" under a unit they
cover), shares its join code, sees its roster and progress, opens an in-person session with a
short code and a QR picture, and closes the class; learners join with the code and check in
("điểm danh CODE", "/checkin CODE", the code alone, or the QR's link).

Buttons ("cl:...", `buttons.ClassMenu`) carry ids that are checked again on every tap.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.i18n import Translator
from bot.services import buttons, classes, permissions, scope, throttle
from bot.services.chat import onboarding
from bot.services.chat.turn import Turn
from bot.services.invites import Event
from bot.services.io import Option, Out, OutFile
from bot.services.permissions import Action
from bot.services.ports import LearnerStatus, UnitRecord
from bot.services.ports.classes import CLASS_KIND, ClassRecord, SessionRecord
from bot.services.units import new_join_code
from lessons.textnorm import folded_words, strip_invisible

STEP = "class_name"  # "class_name:<parent unit>": the next typed text is the new class's name
SESSION = timedelta(hours=1)
EARLY = timedelta(minutes=15)  # a check-in this long before the start still counts
MAX_NAME = 80
MAX_PICK = 12
ROSTER_ROWS = 40


def join_link(turn: Turn, unit: UnitRecord) -> str:
    code = unit.join_code or ""
    return f"{turn.deps.bot_link}?start=g_{code}" if turn.deps.bot_link else f"/start {code}"


# ---- the instructor's classes --------------------------------------------------------------


async def command(turn: Turn, _args: str) -> list[Out]:
    """/class: an instructor's classes and tools; a learner's own classes."""
    if (turn.state.step or "").startswith(STEP):  # a name left half-typed; joining steps stay
        turn.state.step = None
    return await menu(turn)


async def menu(turn: Turn) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    where = await scope.of(turn.deps, repo, turn.learner.id, Action.OPEN_CLASS)
    if not scope.allowed(where):
        return await _my_classes(turn)
    found = await repo.classes.classes_in(where)
    rows = [_class_row(c, tr) for c in found[:MAX_PICK]] or [tr("class.none_yet")]
    options = [
        buttons.ClassMenu("show", c.unit.id).as_option(c.unit.name) for c in found if c.is_open
    ][:8]
    options += [
        buttons.ClassMenu("new").as_option(tr("class.new_button")),
        buttons.Challenge("menu").as_option(tr("class.challenges_button")),
        buttons.Command("review").as_option(tr("class.review_button")),
        buttons.Mentor("menu").as_option(tr("class.mentors_button")),
    ]
    return [Out(title=tr("class.menu_title"), text="\n".join(rows), options=tuple(options))]


def _class_row(info: ClassRecord, tr: Translator) -> str:
    if not info.is_open:
        return tr("class.row_closed", name=info.unit.name, members=info.members)
    return tr(
        "class.row", name=info.unit.name, members=info.members, code=info.unit.join_code or "-"
    )


async def _my_classes(turn: Turn) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    mine = [await repo.units.unit(c) for c in await repo.classes.classes_of(turn.learner.id)]
    names = [u.name for u in mine if u is not None]
    if not names:
        return [Out(text=tr("class.learner_none"))]
    return [Out(text=tr("class.learner_mine", classes=", ".join(names)))]


async def on_button(turn: Turn, button: buttons.ClassMenu) -> list[Out]:
    """A tapped (or numbered) "cl:..." option."""
    if button.action == "new":
        return await _pick_parent(turn)
    if button.action == "par":
        return await _ask_name(turn, button.unit)
    if button.action == "show":
        return await roster(turn, button.unit)
    if button.action in ("close", "closeok"):
        return await _close(turn, button.unit, confirmed=button.action == "closeok")
    return await open_session(turn, button.unit)  # "sess"


async def _pick_parent(turn: Turn) -> list[Out]:
    tr = turn.tr
    where = await scope.of(turn.deps, turn.repo, turn.learner.id, Action.OPEN_CLASS)
    if not scope.allowed(where):
        return [Out(text=tr("class.not_allowed"))]
    parents = await scope.units(turn.repo, where, MAX_PICK, classes=False)
    if len(parents) == 1:
        return await _ask_name(turn, parents[0].id)
    return [
        Out(
            text=tr("class.pick_parent"),
            options=tuple(buttons.ClassMenu("par", u.id).as_option(u.name) for u in parents),
        )
    ]


async def _ask_name(turn: Turn, parent_id: int) -> list[Out]:
    tr = turn.tr
    parent = await turn.repo.units.unit(parent_id)
    if (
        parent is None
        or parent.kind == CLASS_KIND
        or not await permissions.can(
            turn.repo, turn.learner.id, Action.OPEN_CLASS, parent_id, admins=turn.deps.admins
        )
    ):
        return [Out(text=tr("class.not_allowed"))]
    turn.state.step = f"{STEP}:{parent_id}"
    turn.state.forget_options()  # the name typed next is a name, not an earlier choice
    return [Out(text=tr("class.ask_name", unit=parent.name))]


def clean_name(text: str) -> str:
    name = " ".join(strip_invisible(text or "").split())
    return re.sub(r"[<>&]", "", name)


async def on_name_text(turn: Turn, step: str) -> list[Out]:
    """The typed class name: the class is opened."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    picked = turn.offered_choice(turn.event.text)
    if picked is not None:
        return await turn.choice(picked)
    raw = step.partition(":")[2]
    parent_id = int(raw) if raw.isdigit() and int(raw) < 2**63 else None
    name = clean_name(turn.event.text)
    if len(name) > MAX_NAME or len(folded_words(name)) < 2:
        return [Out(text=tr("class.bad_name", limit=MAX_NAME))]
    turn.state.step = None
    parent = await repo.units.unit(parent_id) if parent_id is not None else None
    if parent is None or not await permissions.can(
        repo, turn.learner.id, Action.OPEN_CLASS, parent.id, admins=deps.admins
    ):
        return [Out(text=tr("class.not_allowed"))]
    n = 1
    while await repo.units.unit_by_code(f"{parent.code}-L{n}") is not None:
        n += 1
    join = new_join_code()
    while await repo.units.unit_by_join_code(join) is not None:
        join = new_join_code()
    unit = await repo.classes.add_class(
        parent.id, f"{parent.code}-L{n}", name, join, turn.learner.id, deps.now()
    )
    await repo.roles.log(
        turn.learner.id,
        Event.OPEN_CLASS,
        None,
        unit.id,
        {"name": name, "parent_id": parent.id},
        deps.now(),
    )
    return [
        Out(
            title=tr("class.opened_title"),
            text=tr(
                "class.opened", name=name, unit=parent.name, code=join, link=join_link(turn, unit)
            ),
            options=(buttons.ClassMenu("show", unit.id).as_option(tr("class.show_button")),),
        )
    ]


async def _class_in_scope(turn: Turn, class_id: int, action: Action) -> ClassRecord | None:
    info = await turn.repo.classes.class_info(class_id)
    if info is None or not await permissions.can(
        turn.repo, turn.learner.id, action, class_id, admins=turn.deps.admins
    ):
        return None
    return info


async def roster(turn: Turn, class_id: int) -> list[Out]:
    tr = turn.tr
    info = await _class_in_scope(turn, class_id, Action.VIEW_ROSTER)
    if info is None:
        return [Out(text=tr("class.not_allowed"))]
    rows = await turn.repo.classes.roster(class_id)
    sessions = await turn.repo.classes.session_count(class_id)
    lines = [
        tr(
            "class.roster_row",
            n=i,
            name=r.name,
            lessons=r.lessons_done,
            points=r.points,
            last=r.last_studied.strftime("%d/%m") if r.last_studied else "-",
            attended=r.sessions_attended,
            sessions=sessions,
        )
        for i, r in enumerate(rows[:ROSTER_ROWS], start=1)
    ]
    if len(rows) > ROSTER_ROWS:
        lines.append(tr("class.roster_more", more=len(rows) - ROSTER_ROWS))
    head = tr("class.roster_head", members=len(rows), sessions=sessions)
    if info.is_open:
        head = (
            tr("class.join_line", code=info.unit.join_code or "-", link=join_link(turn, info.unit))
            + "\n"
            + head
        )
        options: tuple[Option, ...] = (
            buttons.ClassMenu("sess", class_id).as_option(tr("class.session_button")),
            buttons.Challenge("new", class_id).as_option(tr("class.challenge_button")),
            buttons.ClassMenu("close", class_id).as_option(tr("class.close_button")),
        )
    else:
        head = tr("class.closed_note") + "\n" + head
        options = ()
    body = head + ("\n\n" + "\n".join(lines) if lines else "\n\n" + tr("class.roster_empty"))
    return [Out(title=info.unit.name, text=body, options=options)]


async def _close(turn: Turn, class_id: int, confirmed: bool) -> list[Out]:
    tr, deps = turn.tr, turn.deps
    info = await _class_in_scope(turn, class_id, Action.CLOSE_CLASS)
    if info is None:
        return [Out(text=tr("class.not_allowed"))]
    if not info.is_open:
        return [Out(text=tr("class.already_closed", name=info.unit.name))]
    if not confirmed:
        return [
            Out(
                text=tr("class.close_confirm", name=info.unit.name, members=info.members),
                options=(
                    buttons.ClassMenu("closeok", class_id).as_option(tr("class.close_yes")),
                    buttons.ClassMenu("show", class_id).as_option(tr("class.close_no")),
                ),
            )
        ]
    if not await turn.repo.classes.close_class(class_id, deps.now()):
        return [Out(text=tr("class.already_closed", name=info.unit.name))]
    await turn.repo.roles.log(turn.learner.id, Event.CLOSE_CLASS, None, class_id, {}, deps.now())
    return [Out(text=tr("class.closed", name=info.unit.name))]


# ---- in-person sessions ----------------------------------------------------------------------


async def open_session(turn: Turn, class_id: int) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    info = await _class_in_scope(turn, class_id, Action.CHECK_IN_SESSION)
    if info is None:
        return [Out(text=tr("class.not_allowed"))]
    if not info.is_open:
        return [Out(text=tr("class.already_closed", name=info.unit.name))]
    now = deps.now()
    session: SessionRecord | None = None
    while session is None:  # a code already taken: draw another
        session = await repo.classes.open_session(
            class_id, classes.session_code(), turn.learner.id, now, now + SESSION
        )
    await repo.roles.log(
        turn.learner.id, Event.OPEN_SESSION, None, class_id, {"session_id": session.id}, now
    )
    target = (
        f"{deps.bot_link}?start={classes.SESSION_PREFIX}{session.code}"
        if deps.bot_link
        else f"/checkin {session.code}"
    )
    return [
        Out(
            title=tr("class.session_title", name=info.unit.name),
            text=tr(
                "class.session", code=session.code, until=scope.local(turn.learner, session.ends_at)
            ),
            file=OutFile(f"diem-danh-{session.code}.png", classes.qr_png(target), "image/png"),
        )
    ]


async def checkin_command(turn: Turn, args: str) -> list[Out]:
    """/checkin CODE, "điểm danh CODE" and a session's QR link (even while joining)."""
    if not args.strip():
        return [Out(text=turn.tr("class.checkin_usage"))]
    return onboarding.go_on(turn, await checkin(turn, args) or [])


async def checkin(turn: Turn, raw: str, *, bare: bool = False) -> list[Out] | None:
    """Check in to a session by its code. A wrong code counts against the person and the chat
    (throttle); an expired one says when it ended. `bare`: a message that only looked like a
    code; None then means it was not one, and the message goes on as any other."""
    tr, repo, deps, learner = turn.tr, turn.repo, turn.deps, turn.learner
    now = deps.now()
    who = throttle.keys(learner.id, turn.event.channel, turn.event.chat_id)
    code = raw.strip().upper()
    if code.startswith("S_"):
        code = code[2:]
    if await throttle.blocked(repo, who, now):
        # Looked up only below the limit: a blocked person learns nothing about any code.
        return (
            None if bare else [Out(text=tr("roles.throttled", minutes=throttle.window_minutes()))]
        )
    session = (
        await repo.classes.session_by_code(code) if re.fullmatch(r"[A-Z0-9]{4,16}", code) else None
    )
    if session is None:
        await throttle.failed(repo, who, now)  # a guessed code counts, typed bare or not
        return None if bare else [Out(text=tr("class.checkin_unknown", code=raw.strip()[:20]))]
    if now > session.ends_at:
        return [Out(text=tr("class.checkin_expired", until=scope.local(learner, session.ends_at)))]
    if now < session.starts_at - EARLY:
        return [Out(text=tr("class.checkin_early", at=scope.local(learner, session.starts_at)))]
    info = await repo.classes.class_info(session.class_id)
    if info is None or not info.is_open:
        return [Out(text=tr("class.checkin_expired", until=scope.local(learner, session.ends_at)))]
    out = []
    if await repo.classes.add_member(session.class_id, learner.id, now):
        out.append(Out(text=tr("class.joined", name=info.unit.name)))
    if learner.unit_id is None and info.unit.parent_id is not None:
        await repo.learners.update_learner(learner.id, unit_id=info.unit.parent_id)
        learner.unit_id = info.unit.parent_id
    if not await repo.classes.check_in(session.id, learner.id, now):
        return [*out, Out(text=tr("class.checkin_again", name=info.unit.name))]
    if learner.status != LearnerStatus.ONBOARDING:
        await repo.progress.add_activity_day(learner.id, deps.today_for(learner))
    return [*out, Out(text=tr("class.checked_in", name=info.unit.name))]
