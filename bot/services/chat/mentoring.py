"""Mentors (Feynman: the best learners teach) and what instructors do for them, in the chat:
the /mentor menu, its buttons, and a mentor's own invite link. Peer review is in
mentoring_peer.py, the instructors' side in mentoring_admin.py.

A mentor reviews peers' work in their class or group: anonymised, one tap per rubric criterion
and a short comment, which the learner receives as advice (only an instructor's confirmation
changes a score). An instructor marks a review helpful, which pays the mentor once. A mentor's own
invite link credits them with the learners who join through it. The level file's rule proposes
mentors from an instructor's classes and units; the instructor confirms (a role grant, logged).
"""

from __future__ import annotations

import secrets

from bot.services import buttons, permissions, scope, throttle
from bot.services.chat import onboarding
from bot.services.chat.mentoring_admin import (
    _candidacy,
    judge,
    levels,
    make_mentor,
    propose,
    rule_text,
    to_judge,
)
from bot.services.chat.mentoring_peer import (
    PEER_WINDOW,
    STEP,
    mark,
    next_peer,
    save_review,
    start_review,
)
from bot.services.chat.onboarding.base import MENTOR_LINK_PREFIX
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.permissions import Action, Role
from bot.services.ports import LearnerStatus
from bot.services.units import JOIN_ALPHABET
from scoring.points import PEER_REVIEW_POINTS

LINK_PREFIX = MENTOR_LINK_PREFIX  # a mentor's invite link: start=m_<code>
LINK_LENGTH = 8


# ---- the menu --------------------------------------------------------------------------------


async def command(turn: Turn, _args: str) -> list[Out]:
    if (turn.state.step or "").startswith(STEP):  # a comment left half-typed; joining steps stay
        turn.state.step = None
    return await menu(turn)


async def menu(turn: Turn) -> list[Out]:
    """/mentor: a mentor's tools; an instructor's proposals, reviews to judge and level figures;
    for everyone else, how far they are from being proposed."""
    tr, repo, deps, me = turn.tr, turn.repo, turn.deps, turn.learner
    out: list[Out] = []
    peers = await scope.of(deps, repo, me.id, Action.PEER_REVIEW)
    if scope.allowed(peers):
        written, helpful = await repo.mentoring.mentor_stats(me.id)
        units = peers if peers is not None else {u.id for u in await repo.units.units()}
        waiting = await repo.mentoring.peer_candidates(units, me.id, deps.now() - PEER_WINDOW, 50)
        out.append(
            Out(
                title=tr("mentor.menu_title"),
                text=tr(
                    "mentor.menu",
                    written=written,
                    helpful=helpful,
                    points=PEER_REVIEW_POINTS,
                    waiting=len(waiting),
                ),
                options=(
                    buttons.Mentor("peer").as_option(tr("mentor.peer_button")),
                    buttons.Mentor("mine").as_option(tr("mentor.mine_button")),
                    buttons.Mentor("link").as_option(tr("mentor.link_button")),
                ),
            )
        )
    proposing = await scope.of(deps, repo, me.id, Action.PROPOSE_MENTOR)
    if scope.allowed(proposing):
        judging = await scope.of(deps, repo, me.id, Action.REVIEW)
        to_judge = await repo.mentoring.count_to_judge(judging) if scope.allowed(judging) else 0
        out.append(
            Out(
                title=tr("mentor.instructor_title"),
                text=tr("mentor.instructor", to_judge=to_judge, rule=rule_text(turn)),
                options=(
                    buttons.Mentor("propose").as_option(tr("mentor.propose_button")),
                    buttons.Mentor("judge").as_option(tr("mentor.judge_button")),
                    buttons.Mentor("levels").as_option(tr("mentor.levels_button")),
                ),
            )
        )
    if not out:
        mine = await _candidacy(turn, [me.id])
        c = mine[me.id]
        out.append(
            Out(
                title=tr("mentor.learner_title"),
                text=tr(
                    "mentor.learner", count=c.teach_backs, average=c.average, rule=rule_text(turn)
                ),
                options=(buttons.Command("teachback").as_option(tr("mentor.teachback_button")),),
            )
        )
    return out


async def on_button(turn: Turn, button: buttons.Mentor) -> list[Out]:
    """A tapped (or numbered) "mt:..." option."""
    action, number = button.action, button.id
    if action == "menu":
        return await menu(turn)
    if action == "peer":
        return await next_peer(turn)
    if action == "mine":
        return await mine(turn)
    if action == "link":
        return await link(turn)
    if action == "propose":
        return await propose(turn)
    if action == "judge":
        return await to_judge(turn)
    if action == "levels":
        return await levels(turn)
    if action == "rev":
        return await start_review(turn, number)
    if action == "mk":
        assert button.finding
        return await mark(turn, number, button.index, button.finding)
    if action == "nocm":
        return await save_review(turn, number, "")
    if action in ("ok", "no"):
        return await judge(turn, number, helpful=action == "ok")
    return await make_mentor(turn, number)  # "make"


# ---- "Người tôi đã hướng dẫn" and the mentor's own link --------------------------------------


async def _is_mentor(turn: Turn) -> bool:
    return scope.allowed(await scope.of(turn.deps, turn.repo, turn.learner.id, Action.PEER_REVIEW))


async def mine(turn: Turn) -> list[Out]:
    tr = turn.tr
    if not await _is_mentor(turn):
        return [Out(text=tr("mentor.not_mentor"))]
    people = await turn.repo.mentoring.referred(turn.learner.id)
    credited = [p for p in people if p.lessons_done > 0]
    rows = [tr("mentor.mine_row", name=p.name, lessons=p.lessons_done) for p in people[:30]]
    text = tr("mentor.mine", invited=len(people), credited=len(credited))
    return [
        Out(title=tr("mentor.mine_title"), text=text + ("\n\n" + "\n".join(rows) if rows else ""))
    ]


async def link(turn: Turn) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    if not await _is_mentor(turn):
        return [Out(text=tr("mentor.not_mentor"))]
    code = await repo.mentoring.link_code(turn.learner.id)
    while code is None:
        candidate = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(LINK_LENGTH))
        if await repo.mentoring.mentor_of_code(candidate) is None and await repo.mentoring.add_link(
            candidate, turn.learner.id, deps.now()
        ):
            code = candidate
    target = (
        f"{deps.bot_link}?start={LINK_PREFIX}{code}"
        if deps.bot_link
        else f"/start {LINK_PREFIX}{code}"
    )
    return [Out(title=tr("mentor.link_title"), text=tr("mentor.link", link=target))]


async def open_link(turn: Turn, args: str) -> list[Out]:
    """'/start m_CODE' (the hidden command "mentorlink"): a new learner is credited to the mentor
    and joins the mentor's group (when they have none), then goes on joining; someone already
    studying is thanked, and nothing changes."""
    return onboarding.go_on(turn, await _open_link(turn, args))


async def _open_link(turn: Turn, raw: str) -> list[Out]:
    tr, repo, deps, learner = turn.tr, turn.repo, turn.deps, turn.learner
    now = deps.now()
    who = throttle.keys(learner.id, turn.event.channel, turn.event.chat_id)
    if await throttle.blocked(repo, who, now):
        return [Out(text=tr("roles.throttled", minutes=throttle.window_minutes()))]
    code = raw.strip()
    code = (code[len(LINK_PREFIX) :] if code.lower().startswith(LINK_PREFIX) else code).upper()
    mentor_id = await repo.mentoring.mentor_of_code(code) if code.isalnum() else None
    mentor = await repo.learners.learner(mentor_id) if mentor_id is not None else None
    if mentor is None or not any(
        r.role == Role.MENTOR for r in await permissions.roles_of(repo, mentor.id)
    ):
        await throttle.failed(repo, who, now)
        return [Out(text=tr("mentor.link_unknown"))]
    if mentor.id == learner.id:
        return [Out(text=tr("mentor.own_link"))]
    if learner.status != LearnerStatus.ONBOARDING:
        return [Out(text=tr("mentor.link_existing", mentor=mentor.public_name))]
    await repo.mentoring.add_referral(learner.id, mentor.id, now)
    unit = await repo.units.unit(mentor.unit_id) if mentor.unit_id else None
    if learner.unit_id is None and unit is not None:
        await repo.learners.update_learner(learner.id, unit_id=unit.id)
        learner.unit_id = unit.id
    return [
        Out(
            text=tr(
                "mentor.link_welcome", mentor=mentor.public_name, group=unit.name if unit else "-"
            )
        )
    ]
