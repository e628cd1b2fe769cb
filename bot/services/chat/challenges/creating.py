"""Creating a challenge step by step: its audience, rubric (or a lesson's), points and deadline,
a preview, then the challenge made and announced."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import buttons, permissions, scope
from bot.services.challenges import (
    DEFAULT_HOUR,
    audience,
    clean,
    find_lesson,
    parse_deadline,
    queue_group_chats,
    split_criteria,
)
from bot.services.chat.challenge_entry import WORK, _step, on_work
from bot.services.chat.turn import Turn
from bot.services.conversation import ChallengeDraft
from bot.services.invites import Event
from bot.services.io import Out
from bot.services.permissions import Action
from bot.services.ports.challenges import SendKind
from lessons.challenge_task import MAX_CRITERIA, MAX_CRITERION_CHARS, MIN_CRITERIA
from lessons.textnorm import fold, folded_words
from scoring.points import MAX_CHALLENGE_POINTS

MIN_TEXT, MAX_TEXT = 20, 1500


MIN_AHEAD = timedelta(minutes=30)
MAX_AHEAD = timedelta(days=60)
POINT_CHOICES = (20, 50, 100)
MAX_PICK = 12
_POINTS = re.compile(r"\s*(\d{1,6})\s*(?:diem)?\s*")


async def start_new(turn: Turn, unit_id: int | None = None) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    where = await scope.of(turn.deps, repo, turn.learner.id, Action.CREATE_CHALLENGE)
    if not scope.allowed(where):
        return [Out(text=tr("challenge.not_allowed"))]
    turn.state.challenge_draft = ChallengeDraft()
    turn.state.step = None
    if unit_id is not None:
        return await _set_audience(turn, unit_id)
    # Open classes first (they are what an instructor runs), then their groups and wards.
    found = [c.unit for c in await repo.classes.classes_in(where) if c.is_open]
    others = await scope.units(repo, where, MAX_PICK, classes=False)
    picks = (found + others)[:MAX_PICK]
    turn.state.step = _step("audience")
    return [
        Out(
            title=tr("challenge.new_title"),
            text=tr("challenge.ask_audience"),
            options=tuple(buttons.Challenge("aud", u.id).as_option(u.name) for u in picks),
        )
    ]


async def _set_audience(turn: Turn, unit_id: int) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    draft = turn.state.challenge_draft
    unit = await repo.units.unit(unit_id)
    if draft is None:
        return [Out(text=tr("choice.stale"))]
    if unit is None or not await permissions.can(
        repo, turn.learner.id, Action.CREATE_CHALLENGE, unit_id, admins=turn.deps.admins
    ):
        return [Out(text=tr("challenge.not_allowed"))]
    info = await repo.classes.class_info(unit_id)
    if info is not None and not info.is_open:
        return [Out(text=tr("challenge.class_closed", name=unit.name))]
    people = [p for p in await audience(repo, unit_id) if p != turn.learner.id]
    if not people:
        return [Out(text=tr("challenge.no_audience", name=unit.name))]
    draft.unit = unit_id
    turn.state.step = _step("text")
    turn.state.forget_options()  # the task typed next is text, not an earlier choice
    return [Out(text=tr("challenge.ask_text", name=unit.name, people=len(people), limit=MAX_TEXT))]


def _ask_rubric(turn: Turn, by_lesson: bool) -> list[Out]:
    tr, draft = turn.tr, turn.state.challenge_draft
    if draft is None or not draft.text:
        return [Out(text=tr("choice.stale"))]
    turn.state.forget_options()  # what is typed next is a lesson or criteria
    if by_lesson:
        turn.state.step = _step("lesson")
        return [Out(text=tr("challenge.ask_lesson"))]
    turn.state.step = _step("crit")
    return [Out(text=tr("challenge.ask_criteria", low=MIN_CRITERIA, high=MAX_CRITERIA))]


def _rubric_question(tr: Translator) -> Out:
    return Out(
        text=tr("challenge.ask_rubric"),
        options=(
            buttons.Challenge("rub_lesson").as_option(tr("challenge.rubric_lesson")),
            buttons.Challenge("rub_own").as_option(tr("challenge.rubric_own")),
        ),
    )


def _points_question(tr: Translator) -> Out:
    return Out(
        text=tr("challenge.ask_points", high=MAX_CHALLENGE_POINTS),
        columns=3,
        options=tuple(buttons.Challenge("pts", n).as_option(str(n)) for n in POINT_CHOICES),
    )


def _deadline_question(turn: Turn) -> Out:
    tr, now = turn.tr, turn.deps.now()
    zone = ZoneInfo(turn.learner.timezone)
    today = now.astimezone(zone).date()
    picks = []
    for days, key in (
        (0, "challenge.dl_tonight"),
        (1, "challenge.dl_tomorrow"),
        (3, "challenge.dl_3days"),
        (7, "challenge.dl_week"),
    ):
        at = datetime.combine(today + timedelta(days=days), DEFAULT_HOUR, tzinfo=zone)
        if at - now >= MIN_AHEAD:
            picks.append(
                buttons.Challenge("dl", int(at.timestamp())).as_option(
                    tr(key, at=at.strftime("%H:%M %d/%m"))
                )
            )
    return Out(text=tr("challenge.ask_deadline"), options=tuple(picks))


def _set_points(turn: Turn, points: int) -> list[Out]:
    tr, draft = turn.tr, turn.state.challenge_draft
    if draft is None or not draft.rubric:
        return [Out(text=tr("choice.stale"))]
    if not 1 <= points <= MAX_CHALLENGE_POINTS:
        return [Out(text=tr("challenge.bad_points", high=MAX_CHALLENGE_POINTS))]
    draft.points = points
    turn.state.step = _step("deadline")
    return [_deadline_question(turn)]


def _deadline_problem(turn: Turn, at: datetime) -> str | None:
    now, tr = turn.deps.now(), turn.tr
    if at <= now:
        return tr("challenge.deadline_past", at=scope.local(turn.learner, at))
    if at - now < MIN_AHEAD:
        return tr("challenge.deadline_soon", minutes=int(MIN_AHEAD.total_seconds() // 60))
    if at - now > MAX_AHEAD:
        return tr("challenge.deadline_far", days=MAX_AHEAD.days)
    return None


async def _set_deadline(turn: Turn, at: datetime) -> list[Out]:
    tr, draft = turn.tr, turn.state.challenge_draft
    if draft is None or not draft.points:
        return [Out(text=tr("choice.stale"))]
    problem = _deadline_problem(turn, at)
    if problem:
        return [Out(text=problem), _deadline_question(turn)]
    draft.deadline = at
    turn.state.step = None
    return [await _preview(turn, draft)]


async def _preview(turn: Turn, draft: ChallengeDraft) -> Out:
    tr, repo = turn.tr, turn.repo
    unit = await repo.units.unit(draft.unit)
    people = [p for p in await audience(repo, draft.unit) if p != turn.learner.id]
    rubric = (
        tr("challenge.rubric_from_lesson", lesson=_lesson_title(turn, draft.lesson))
        if draft.lesson
        else "\n".join(f"• {c}" for c in draft.criteria)
    )
    assert draft.deadline is not None
    return Out(
        title=tr("challenge.preview_title"),
        text=tr(
            "challenge.preview",
            unit=unit.name if unit else "?",
            people=len(people),
            points=draft.points,
            deadline=scope.local(turn.learner, draft.deadline),
            rubric=rubric,
            text=draft.text,
        ),
        options=(
            buttons.Challenge("send").as_option(tr("challenge.send_button")),
            buttons.Challenge("cancel").as_option(tr("challenge.cancel_button")),
        ),
    )


def _lesson_title(turn: Turn, lesson_id: str) -> str:
    lesson = turn.deps.curriculum.by_id(lesson_id)
    return lesson.title if lesson else lesson_id


async def on_text(turn: Turn, step: str) -> list[Out]:
    """Typed text at a step of the challenge dialog (or the work for a challenge)."""
    tr = turn.tr
    part = step.partition(":")[2]
    if part.startswith(WORK + ":"):  # work is work: a "1" in it is never an earlier choice
        return await on_work(turn, part.partition(":")[2])
    picked = turn.offered_choice(turn.event.text)  # "2": the second audience, 50 points...
    if picked is not None:
        return await turn.choice(picked)
    draft = turn.state.challenge_draft
    if draft is None:
        turn.state.step = None
        return [Out(text=tr("choice.stale"))]
    text = clean(turn.event.text)
    if part == "audience":
        return [Out(text=tr("challenge.pick_audience"))]
    if part == "text":
        if len(text) > MAX_TEXT:
            return [Out(text=tr("challenge.text_too_long", chars=len(text), limit=MAX_TEXT))]
        if len(text) < MIN_TEXT or len(folded_words(text)) < 4:
            return [Out(text=tr("challenge.text_too_short", low=MIN_TEXT))]
        draft.text = text
        turn.state.step = None
        return [_rubric_question(tr)]
    if part == "lesson":
        lesson_id = find_lesson(turn.deps.curriculum, text)
        if lesson_id is None:
            return [Out(text=tr("challenge.bad_lesson", text=text[:40]))]
        draft.lesson, draft.criteria, draft.rubric = lesson_id, [], True
        turn.state.step = _step("points")
        return [
            Out(text=tr("challenge.lesson_picked", lesson=_lesson_title(turn, lesson_id))),
            _points_question(tr),
        ]
    if part == "crit":
        criteria = split_criteria(text)
        if not MIN_CRITERIA <= len(criteria) <= MAX_CRITERIA or any(
            len(c) < 5 or len(c) > MAX_CRITERION_CHARS or not folded_words(c) for c in criteria
        ):
            return [
                Out(
                    text=tr(
                        "challenge.bad_criteria",
                        low=MIN_CRITERIA,
                        high=MAX_CRITERIA,
                        chars=MAX_CRITERION_CHARS,
                    )
                )
            ]
        draft.lesson, draft.criteria, draft.rubric = None, criteria, True
        turn.state.step = _step("points")
        return [_points_question(tr)]
    if part == "points":
        typed = _POINTS.fullmatch(fold(text))
        if typed is None:
            return [Out(text=tr("challenge.bad_points", high=MAX_CHALLENGE_POINTS))]
        return _set_points(turn, int(typed.group(1)))
    if part == "deadline":
        at = parse_deadline(text, turn.deps.now(), turn.learner.timezone)
        if at is None:
            return [
                Out(text=tr("challenge.bad_deadline", text=text[:40])),
                _deadline_question(turn),
            ]
        return await _set_deadline(turn, at)
    turn.state.step = None
    return [Out(text=tr("choice.stale"))]


async def create(turn: Turn) -> list[Out]:
    """ "Tạo và gửi": everything checked again, then the challenge and its outbox are stored."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    draft = turn.state.challenge_draft
    turn.state.challenge_draft = None
    turn.state.step = None
    if draft is None or not (
        draft.unit and draft.text and draft.rubric and draft.points and draft.deadline
    ):
        return [Out(text=tr("choice.stale"))]
    if not await permissions.can(
        repo, turn.learner.id, Action.CREATE_CHALLENGE, draft.unit, admins=deps.admins
    ):
        return [Out(text=tr("challenge.not_allowed"))]
    problem = _deadline_problem(turn, draft.deadline)
    if problem:
        turn.state.challenge_draft = draft
        turn.state.step = _step("deadline")
        return [Out(text=problem), _deadline_question(turn)]
    people = [p for p in await audience(repo, draft.unit) if p != turn.learner.id]
    unit = await repo.units.unit(draft.unit)
    if not people or unit is None:
        return [Out(text=tr("challenge.no_audience", name=unit.name if unit else "?"))]
    made = await repo.challenges.add_challenge(
        draft.unit,
        turn.learner.id,
        draft.text[:MAX_TEXT],
        draft.lesson,
        tuple(draft.criteria),
        draft.points,
        draft.deadline,
        deps.now(),
    )
    await repo.challenges.enqueue(made.id, people, SendKind.ANNOUNCE, deps.now())
    await queue_group_chats(deps, repo, made, SendKind.ANNOUNCE)
    await repo.roles.log(
        turn.learner.id,
        Event.CHALLENGE,
        None,
        draft.unit,
        {"challenge_id": made.id, "people": len(people)},
        deps.now(),
    )
    return [
        Out(
            text=tr(
                "challenge.created",
                id=made.id,
                name=unit.name,
                people=len(people),
                deadline=scope.local(turn.learner, draft.deadline),
            ),
            options=(buttons.Challenge("board", made.id).as_option(tr("challenge.board_button")),),
        )
    ]
