"""Challenges: an instructor writes a task with a rubric, points, a deadline and an audience (a
class, a group or a ward); the sender announces it (opt-outs, Zalo's 7-day window and monthly
quotas kept); learners' work is graded like practice work (`tasks`, "ch~<id>"); a leaderboard;
at the deadline a scheduled tick closes it, pays each confirmed entry once through the ledger and
announces the results.

Creation is a short dialog whose draft waits in the identity's state ("cg_draft"); nothing is
stored until the instructor taps "Tạo và gửi", and everything is checked again then.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import permissions, reach, scope, submissions, tasks
from bot.services.context import Deps
from bot.services.delivery import pick_identity, spent_channels
from bot.services.io import Option, Out, Unreachable
from bot.services.parsing import parse_time
from bot.services.permissions import Action
from bot.services.ports import LearnerRecord, LearnerStatus, UnitOfWork, UnitRecord
from bot.services.ports.challenges import (
    ChallengeRecord,
    EntryRecord,
    SendKind,
    SendRecord,
    SendStatus,
    task_id,
)
from bot.services.sender import Sender
from bot.services.turn import Turn
from lessons.challenge_task import MAX_CRITERIA, MAX_CRITERION_CHARS, MIN_CRITERIA
from lessons.textnorm import fold, folded_words, strip_invisible
from scoring.points import MAX_CHALLENGE_POINTS, challenge_award
from scoring.standings import LearnerStanding, rank_learners, rank_of

log = logging.getLogger(__name__)

PREFIX = "cg"
STEP = "cg:"  # identity steps: cg:text, cg:lesson, cg:crit, cg:points, cg:deadline, cg:work:<id>
DRAFT = "cg_draft"
MIN_TEXT, MAX_TEXT = 20, 1500
MIN_AHEAD = timedelta(minutes=30)
MAX_AHEAD = timedelta(days=60)
DEFAULT_HOUR = time(21, 0)
POINT_CHOICES = (20, 50, 100)
BOARD_ROWS = 10
MAX_PICK = 12
SEND_ATTEMPTS = 3
STALE_SEND = timedelta(minutes=10)
_MAX_ID = 2**31
_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?")
_POINTS = re.compile(r"\s*(\d{1,6})\s*(?:diem)?\s*")
_LESSON_NO = re.compile(r"^\s*(?:bai\s*)?(\d)\s*[.,/-]\s*(\d{1,2})\s*$")


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and int(raw) < _MAX_ID else None


def clean(text: str) -> str:
    """The text as typed, without hidden characters and with tidy spaces on each line."""
    lines = [" ".join(line.split()) for line in strip_invisible(text or "").splitlines()]
    return "\n".join(line for line in lines if line).strip()


# ---- who sees what ---------------------------------------------------------------------------

async def audience(repo: UnitOfWork, unit_id: int) -> list[int]:
    """Learners the challenge is for: those of the unit's subtree and members of its classes."""
    return await repo.classes.learners_in(await repo.roles.subtree([unit_id]))


async def in_audience(repo: UnitOfWork, challenge: ChallengeRecord, learner_id: int) -> bool:
    return await repo.classes.covers(learner_id, await repo.roles.subtree([challenge.unit_id]))


async def _may_manage(turn: Turn, challenge: ChallengeRecord) -> bool:
    return await permissions.can(turn.repo, turn.learner.id, Action.CREATE_CHALLENGE,
                                 challenge.unit_id, admins=turn.deps.admins)


async def for_learner(repo: UnitOfWork, learner: LearnerRecord) -> list[ChallengeRecord]:
    """Challenges for units above the learner's group and above the classes they attend."""
    starts = ([learner.unit_id] if learner.unit_id else []) + \
        await repo.classes.classes_of(learner.id)
    units: set[int] = set()
    for start in starts:
        units.update(await repo.roles.ancestors(start))
    return await repo.challenges.challenges_in(units, 20) if units else []


# ---- the menu --------------------------------------------------------------------------------

async def menu(turn: Turn) -> list[Out]:
    """/challenge: the learner's open challenges; for an instructor also theirs and "new"."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    now = deps.now()
    out: list[Out] = []
    where = await scope.of(deps, repo, turn.learner.id, Action.CREATE_CHALLENGE)
    if scope.allowed(where):
        units = where if where is not None else {u.id for u in await repo.units.units()}
        made = await repo.challenges.challenges_in(units, 8)
        rows = [await _manager_row(turn, c) for c in made] or [tr("challenge.none_made")]
        out.append(Out(title=tr("challenge.made_title"), text="\n".join(rows), options=(
            Option(f"{PREFIX}:new", tr("challenge.new_button")),
            *(Option(f"{PREFIX}:board:{c.id}", tr("challenge.board_button_n", id=c.id))
              for c in made[:6]))))
    mine = await for_learner(repo, turn.learner)
    open_ = [c for c in mine if c.closed_at is None and c.deadline > now]
    recent = [c for c in mine if c.closed_at is not None and c.closed_at > now - timedelta(days=7)]
    if open_ or recent or not out:
        rows = [tr("challenge.open_row", id=c.id, text=_short(c.text),
                   deadline=scope.local(turn.learner, c.deadline)) for c in open_]
        rows += [tr("challenge.closed_row", id=c.id, text=_short(c.text)) for c in recent]
        options = [Option(f"{PREFIX}:do:{c.id}", tr("challenge.do_button_n", id=c.id))
                   for c in open_[:5]]
        options += [Option(f"{PREFIX}:board:{c.id}", tr("challenge.board_button_n", id=c.id))
                    for c in recent[:3]]
        out.append(Out(title=tr("challenge.mine_title"),
                       text="\n".join(rows) or tr("challenge.none_open"), options=tuple(options)))
    return out


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


async def _manager_row(turn: Turn, challenge: ChallengeRecord) -> str:
    tr, repo = turn.tr, turn.repo
    unit = await repo.units.unit(challenge.unit_id)
    sent = await repo.challenges.send_counts(challenge.id, SendKind.ANNOUNCE)
    entries = await repo.challenges.entries(challenge.id)
    state = tr("challenge.state_closed") if challenge.closed_at else tr(
        "challenge.state_open", deadline=scope.local(turn.learner, challenge.deadline))
    return tr("challenge.made_row", id=challenge.id, unit=unit.name if unit else "?",
              state=state, entries=len(entries), sent=sent.get(SendStatus.SENT, 0),
              total=sum(sent.values()))


# ---- creating one ----------------------------------------------------------------------------

def _draft(turn: Turn) -> dict[str, Any] | None:
    draft = turn.state.get(DRAFT)
    return draft if isinstance(draft, dict) else None


async def start_new(turn: Turn, unit_id: int | None = None) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    where = await scope.of(turn.deps, repo, turn.learner.id, Action.CREATE_CHALLENGE)
    if not scope.allowed(where):
        return [Out(text=tr("challenge.not_allowed"))]
    turn.state[DRAFT] = {}
    turn.state.pop("step", None)
    if unit_id is not None:
        return await _set_audience(turn, unit_id)
    # Open classes first (they are what an instructor runs), then their groups and wards.
    classes = [c.unit for c in await repo.classes.classes_in(where) if c.is_open]
    others = await scope.units(repo, where, MAX_PICK, classes=False)
    picks = (classes + others)[:MAX_PICK]
    turn.state["step"] = f"{STEP}audience"
    return [Out(title=tr("challenge.new_title"), text=tr("challenge.ask_audience"),
                options=tuple(Option(f"{PREFIX}:aud:{u.id}", u.name) for u in picks))]


async def _set_audience(turn: Turn, unit_id: int) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    draft = _draft(turn)
    unit = await repo.units.unit(unit_id)
    if draft is None:
        return [Out(text=tr("choice.stale"))]
    if unit is None or not await permissions.can(repo, turn.learner.id, Action.CREATE_CHALLENGE,
                                                 unit_id, admins=turn.deps.admins):
        return [Out(text=tr("challenge.not_allowed"))]
    info = await repo.classes.class_info(unit_id)
    if info is not None and not info.is_open:
        return [Out(text=tr("challenge.class_closed", name=unit.name))]
    people = [p for p in await audience(repo, unit_id) if p != turn.learner.id]
    if not people:
        return [Out(text=tr("challenge.no_audience", name=unit.name))]
    draft["unit"] = unit_id
    turn.state["step"] = f"{STEP}text"
    turn.state.pop("options", None)  # the task typed next is text, not an earlier choice
    return [Out(text=tr("challenge.ask_text", name=unit.name, people=len(people),
                        limit=MAX_TEXT))]


async def choice(turn: Turn, rest: str) -> list[Out]:
    """A tapped (or numbered) "cg:..." option."""
    tr = turn.tr
    action, _, raw = rest.partition(":")
    if action == "menu":
        return await menu(turn)
    if action == "new":
        return await start_new(turn, _id(raw) if raw else None)
    if action == "cancel":
        turn.state.pop(DRAFT, None)
        turn.state.pop("step", None)
        return [Out(text=tr("challenge.cancelled"))]
    if action == "rub":
        return _ask_rubric(turn, raw)
    if action == "send":
        return await create(turn)
    number = _id(raw)
    if number is None:
        return [Out(text=tr("choice.stale"))]
    if action == "aud":
        return await _set_audience(turn, number)
    if action == "pts":
        return _set_points(turn, number)
    if action == "dl":
        return await _set_deadline(turn, datetime.fromtimestamp(number, tz=ZoneInfo("UTC")))
    if action == "do":
        return await do(turn, number)
    if action == "board":
        return await board(turn, number)
    return [Out(text=tr("choice.stale"))]


def _ask_rubric(turn: Turn, how: str) -> list[Out]:
    tr, draft = turn.tr, _draft(turn)
    if draft is None or "text" not in draft:
        return [Out(text=tr("choice.stale"))]
    turn.state.pop("options", None)  # what is typed next is a lesson or criteria
    if how == "lesson":
        turn.state["step"] = f"{STEP}lesson"
        return [Out(text=tr("challenge.ask_lesson"))]
    if how == "own":
        turn.state["step"] = f"{STEP}crit"
        return [Out(text=tr("challenge.ask_criteria", low=MIN_CRITERIA, high=MAX_CRITERIA))]
    return [Out(text=tr("choice.stale"))]


def _rubric_question(tr: Translator) -> Out:
    return Out(text=tr("challenge.ask_rubric"), options=(
        Option(f"{PREFIX}:rub:lesson", tr("challenge.rubric_lesson")),
        Option(f"{PREFIX}:rub:own", tr("challenge.rubric_own"))))


def _points_question(tr: Translator) -> Out:
    return Out(text=tr("challenge.ask_points", high=MAX_CHALLENGE_POINTS), columns=3,
               options=tuple(Option(f"{PREFIX}:pts:{n}", str(n)) for n in POINT_CHOICES))


def _deadline_question(turn: Turn) -> Out:
    tr, now = turn.tr, turn.deps.now()
    zone = ZoneInfo(turn.learner.timezone)
    today = now.astimezone(zone).date()
    picks = []
    for days, key in ((0, "challenge.dl_tonight"), (1, "challenge.dl_tomorrow"),
                      (3, "challenge.dl_3days"), (7, "challenge.dl_week")):
        at = datetime.combine(today + timedelta(days=days), DEFAULT_HOUR, tzinfo=zone)
        if at - now >= MIN_AHEAD:
            picks.append(Option(f"{PREFIX}:dl:{int(at.timestamp())}",
                                tr(key, at=at.strftime("%H:%M %d/%m"))))
    return Out(text=tr("challenge.ask_deadline"), options=tuple(picks))


def _set_points(turn: Turn, points: int) -> list[Out]:
    tr, draft = turn.tr, _draft(turn)
    if draft is None or "rubric" not in draft:
        return [Out(text=tr("choice.stale"))]
    if not 1 <= points <= MAX_CHALLENGE_POINTS:
        return [Out(text=tr("challenge.bad_points", high=MAX_CHALLENGE_POINTS))]
    draft["points"] = points
    turn.state["step"] = f"{STEP}deadline"
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
    tr, draft = turn.tr, _draft(turn)
    if draft is None or "points" not in draft:
        return [Out(text=tr("choice.stale"))]
    problem = _deadline_problem(turn, at)
    if problem:
        return [Out(text=problem), _deadline_question(turn)]
    draft["deadline"] = at.isoformat()
    turn.state.pop("step", None)
    return [await _preview(turn, draft)]


def parse_deadline(text: str, now: datetime, zone: str) -> datetime | None:
    """'25/11 20:00', '25/11/2026 20h', '20h 25-11', 'ngày 25/11' (21:00) -> an aware time."""
    folded = fold(text)
    match = _DATE.search(folded)
    if not match:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    year_text = match.group(3)
    tz = ZoneInfo(zone)
    year = now.astimezone(tz).year
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    rest = (folded[:match.start()] + " " + folded[match.end():])
    rest = re.sub(r"\b(ngay|luc|han|nop|truoc|vao|hoi)\b", " ", rest).strip(" ,.")
    hhmm = parse_time(rest) if rest else None
    if rest and hhmm is None:
        return None
    at_time = time(*map(int, hhmm.split(":"))) if hhmm else DEFAULT_HOUR
    try:
        return datetime(year, month, day, at_time.hour, at_time.minute, tzinfo=tz)
    except ValueError:
        return None


async def _preview(turn: Turn, draft: dict[str, Any]) -> Out:
    tr, repo = turn.tr, turn.repo
    unit = await repo.units.unit(int(draft["unit"]))
    people = [p for p in await audience(repo, int(draft["unit"])) if p != turn.learner.id]
    rubric = tr("challenge.rubric_from_lesson", lesson=_lesson_title(turn, draft["lesson"])) \
        if draft.get("lesson") else "\n".join(f"• {c}" for c in draft.get("criteria", []))
    return Out(title=tr("challenge.preview_title"),
               text=tr("challenge.preview", unit=unit.name if unit else "?", people=len(people),
                       points=draft["points"],
                       deadline=scope.local(turn.learner, datetime.fromisoformat(draft["deadline"])),
                       rubric=rubric, text=draft["text"]),
               options=(Option(f"{PREFIX}:send", tr("challenge.send_button")),
                        Option(f"{PREFIX}:cancel", tr("challenge.cancel_button"))))


def _lesson_title(turn: Turn, lesson_id: str) -> str:
    lesson = turn.deps.curriculum.by_id(lesson_id)
    return lesson.title if lesson else lesson_id


def find_lesson(turn: Turn, text: str) -> str | None:
    """'1.3', 'bài 1.3', '1-3' (level 1, lesson 3) or a lesson id -> the lesson id."""
    curriculum = turn.deps.curriculum
    typed = text.strip().lower()
    if curriculum.by_id(typed) is not None:
        return typed
    match = _LESSON_NO.match(fold(text))
    if not match:
        return None
    level, number = int(match.group(1)), int(match.group(2))
    lessons = curriculum.of_level(level)
    return lessons[number - 1].id if 1 <= number <= len(lessons) else None


def split_criteria(text: str) -> list[str]:
    parts = re.split(r"[\n;]+", text)
    return [re.sub(r"^\s*(?:[-•*]|\d+[.)])\s*", "", p).strip() for p in parts if p.strip()]


async def on_text(turn: Turn, step: str) -> list[Out]:
    """Typed text at a step of the challenge dialog (or the work for a challenge)."""
    tr = turn.tr
    name = step[len(STEP):]
    if name.startswith("work:"):
        return await on_work(turn, name[len("work:"):])
    draft = _draft(turn)
    if draft is None:
        turn.state.pop("step", None)
        return [Out(text=tr("choice.stale"))]
    text = clean(turn.event.text)
    if name == "audience":
        return [Out(text=tr("challenge.pick_audience"))]
    if name == "text":
        if len(text) > MAX_TEXT:
            return [Out(text=tr("challenge.text_too_long", chars=len(text), limit=MAX_TEXT))]
        if len(text) < MIN_TEXT or len(folded_words(text)) < 4:
            return [Out(text=tr("challenge.text_too_short", low=MIN_TEXT))]
        draft["text"] = text
        turn.state.pop("step", None)
        return [_rubric_question(tr)]
    if name == "lesson":
        lesson_id = find_lesson(turn, text)
        if lesson_id is None:
            return [Out(text=tr("challenge.bad_lesson", text=text[:40]))]
        draft["lesson"], draft["criteria"], draft["rubric"] = lesson_id, [], True
        turn.state["step"] = f"{STEP}points"
        return [Out(text=tr("challenge.lesson_picked", lesson=_lesson_title(turn, lesson_id))),
                _points_question(tr)]
    if name == "crit":
        criteria = split_criteria(text)
        if not MIN_CRITERIA <= len(criteria) <= MAX_CRITERIA or any(
                len(c) < 5 or len(c) > MAX_CRITERION_CHARS or not folded_words(c)
                for c in criteria):
            return [Out(text=tr("challenge.bad_criteria", low=MIN_CRITERIA, high=MAX_CRITERIA,
                                chars=MAX_CRITERION_CHARS))]
        draft["lesson"], draft["criteria"], draft["rubric"] = None, criteria, True
        turn.state["step"] = f"{STEP}points"
        return [_points_question(tr)]
    if name == "points":
        typed = _POINTS.fullmatch(fold(text))
        if typed is None:
            return [Out(text=tr("challenge.bad_points", high=MAX_CHALLENGE_POINTS))]
        return _set_points(turn, int(typed.group(1)))
    if name == "deadline":
        at = parse_deadline(text, turn.deps.now(), turn.learner.timezone)
        if at is None:
            return [Out(text=tr("challenge.bad_deadline", text=text[:40])),
                    _deadline_question(turn)]
        return await _set_deadline(turn, at)
    turn.state.pop("step", None)
    return [Out(text=tr("choice.stale"))]


async def create(turn: Turn) -> list[Out]:
    """"Tạo và gửi": everything checked again, then the challenge and its outbox are stored."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    draft = turn.state.pop(DRAFT, None)
    turn.state.pop("step", None)
    needed = ("unit", "text", "rubric", "points", "deadline")
    if not isinstance(draft, dict) or any(k not in draft for k in needed):
        return [Out(text=tr("choice.stale"))]
    unit_id = int(draft["unit"])
    if not await permissions.can(repo, turn.learner.id, Action.CREATE_CHALLENGE, unit_id,
                                 admins=deps.admins):
        return [Out(text=tr("challenge.not_allowed"))]
    deadline = datetime.fromisoformat(draft["deadline"])
    problem = _deadline_problem(turn, deadline)
    if problem:
        turn.state[DRAFT] = draft
        turn.state["step"] = f"{STEP}deadline"
        return [Out(text=problem), _deadline_question(turn)]
    people = [p for p in await audience(repo, unit_id) if p != turn.learner.id]
    unit = await repo.units.unit(unit_id)
    if not people or unit is None:
        return [Out(text=tr("challenge.no_audience", name=unit.name if unit else "?"))]
    made = await repo.challenges.add_challenge(
        unit_id, turn.learner.id, str(draft["text"])[:MAX_TEXT], draft.get("lesson"),
        tuple(draft.get("criteria") or ()), int(draft["points"]), deadline, deps.now())
    await repo.challenges.enqueue(made.id, people, SendKind.ANNOUNCE, deps.now())
    await repo.roles.log(turn.learner.id, "challenge", None, unit_id,
                         {"challenge_id": made.id, "people": len(people)}, deps.now())
    return [Out(text=tr("challenge.created", id=made.id, name=unit.name, people=len(people),
                        deadline=scope.local(turn.learner, deadline)),
                options=(Option(f"{PREFIX}:board:{made.id}", tr("challenge.board_button")),))]


# ---- taking part -----------------------------------------------------------------------------

async def _open_for(turn: Turn, challenge_id: int) -> tuple[ChallengeRecord | None, list[Out]]:
    tr, repo = turn.tr, turn.repo
    challenge = await repo.challenges.challenge(challenge_id)
    if challenge is None or not await in_audience(repo, challenge, turn.learner.id):
        return None, [Out(text=tr("challenge.not_yours"))]
    if challenge.closed_at is not None or challenge.deadline <= turn.deps.now():
        return None, [Out(text=tr("challenge.over", deadline=scope.local(
            turn.learner, challenge.deadline))), *(
            [Out(text=tr("challenge.results_soon"))] if challenge.closed_at is None else [])]
    return challenge, []


async def do(turn: Turn, challenge_id: int) -> list[Out]:
    """"Làm thử thách": the next message is the work for it."""
    if turn.learner.status == LearnerStatus.ONBOARDING:
        return [Out(text=turn.tr("onboarding.finish_first"))]
    challenge, problem = await _open_for(turn, challenge_id)
    if challenge is None:
        return problem
    turn.state["step"] = f"{STEP}work:{challenge.id}"
    turn.state.pop("options", None)  # a "1" sent next is work, not an old choice
    return [Out(title=turn.tr("challenge.task_title", id=challenge.id),
                text=turn.tr("challenge.send_now", text=challenge.text,
                             deadline=scope.local(turn.learner, challenge.deadline)),
                options=(Option(f"{PREFIX}:cancel", turn.tr("challenge.not_now")),),
                remember_options=False)]


async def on_work(turn: Turn, raw_id: str) -> list[Out]:
    tr, deps, learner = turn.tr, turn.deps, turn.learner
    turn.state.pop("step", None)
    challenge_id = _id(raw_id)
    if challenge_id is None:
        return [Out(text=tr("choice.stale"))]
    challenge, problem = await _open_for(turn, challenge_id)
    if challenge is None:
        return problem
    text = turn.event.text
    if not folded_words(text):
        turn.state["step"] = f"{STEP}work:{challenge_id}"
        return [Out(text=tr("challenge.work_words"))]
    key = f"{turn.event.channel}:{turn.event.update_key}" if turn.event.update_key else None
    incoming = submissions.Incoming(text, None, turn.event.channel, key)

    async def grade() -> list[Out]:
        out, stored = await submissions.receive_for(deps, learner, task_id(challenge_id),
                                                    incoming, tr)
        if stored is None:
            return out
        async with deps.store.transaction() as repo:
            standings = _standings(await repo.challenges.entries(challenge_id))
        mine = rank_of(standings, learner.id)
        if mine is not None:
            out.append(Out(text=tr("challenge.entry_rank", rank=mine.rank, total=len(standings),
                                   deadline=scope.local(learner, challenge.deadline)),
                           options=(Option(f"{PREFIX}:board:{challenge_id}",
                                           tr("challenge.board_button")),),
                           remember_options=False))
        return out

    turn.later = grade
    return [Out(text=tr("challenge.work_received"))]


# ---- the leaderboard and the results ---------------------------------------------------------

def _standings(entries: list[EntryRecord]) -> list[LearnerStanding]:
    return rank_learners([(e.learner_id, e.name, e.best_any) for e in entries])


def board_lines(entries: list[EntryRecord], tr: Translator, me: int | None) -> list[str]:
    held = {e.learner_id for e in entries if e.best_confirmed != e.best_any}
    lines = [tr("challenge.board_row", rank=s.rank, name=s.name, score=s.points,
                held=" ⏳" if s.learner_id in held else "",
                me=" ⭐" if s.learner_id == me else "")
             for s in _standings(entries)[:BOARD_ROWS]]
    return lines or [tr("challenge.board_empty")]


async def board(turn: Turn, challenge_id: int) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    challenge = await repo.challenges.challenge(challenge_id)
    if challenge is None or not (await in_audience(repo, challenge, turn.learner.id)
                                 or await _may_manage(turn, challenge)):
        return [Out(text=tr("challenge.not_yours"))]
    entries = await repo.challenges.entries(challenge_id)
    state = tr("challenge.state_closed") if challenge.closed_at else tr(
        "challenge.state_open", deadline=scope.local(turn.learner, challenge.deadline))
    text = f"{_short(challenge.text, 160)}\n{state}\n\n" + "\n".join(
        board_lines(entries, tr, turn.learner.id))
    if any(e.best_confirmed != e.best_any for e in entries):
        text += "\n\n" + tr("challenge.board_held_note")
    return [Out(title=tr("challenge.board_title", id=challenge_id), text=text)]


def announcement(challenge: ChallengeRecord, unit: UnitRecord | None, author: str,
                 learner: LearnerRecord, tr: Translator) -> Out:
    return Out(title=tr("challenge.announce_title", id=challenge.id),
               text=tr("challenge.announce", author=author, unit=unit.name if unit else "",
                       text=challenge.text, points=challenge.points,
                       deadline=scope.local(learner, challenge.deadline)),
               options=(Option(f"{PREFIX}:do:{challenge.id}", tr("challenge.do_button")),))


def results(challenge: ChallengeRecord, entries: list[EntryRecord], learner: LearnerRecord,
            tr: Translator) -> Out:
    standings = _standings(entries)
    mine = rank_of(standings, learner.id)
    entry = next((e for e in entries if e.learner_id == learner.id), None)
    if learner.id == challenge.created_by:
        paid = sum(1 for e in entries if e.best_confirmed is not None)
        personal = tr("challenge.results_author", entries=len(entries), paid=paid)
    elif entry is None or mine is None:
        personal = tr("challenge.results_absent")
    elif entry.best_confirmed is None:
        personal = tr("challenge.results_held", score=entry.best_any)
    else:
        award = challenge_award(learner.id, task_id(challenge.id), challenge.points,
                                entry.best_confirmed)
        personal = tr("challenge.results_mine", rank=mine.rank, total=len(standings),
                      score=entry.best_confirmed, points=award.points if award else 0)
    text = f"{_short(challenge.text, 160)}\n\n" + "\n".join(
        board_lines(entries, tr, learner.id)) + "\n\n" + personal
    return Out(title=tr("challenge.results_title", id=challenge.id), text=text)


# ---- the scheduled tick: deadlines, then the outbox ------------------------------------------

@dataclass
class TickReport:
    closed: int = 0
    paid: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


async def close_due(deps: Deps, report: TickReport | None = None) -> TickReport:
    """Challenges past their deadline: closed, each confirmed entry paid once, results queued.
    One transaction per challenge: a crash before its commit leaves it for the next tick, and the
    ledger's keys make any second payment a no-op."""
    report = report or TickReport()
    now = deps.now()
    async with deps.store.transaction() as repo:
        due = await repo.challenges.due(now, 20)
    for challenge in due:
        async with deps.store.transaction() as repo:
            if not await repo.challenges.close(challenge.id, now):
                continue  # another process closed it
            entries = await repo.challenges.entries(challenge.id)
            for entry in entries:
                report.paid += await tasks.pay_challenge(repo, challenge, entry.learner_id, now)
            told = set(await repo.challenges.recipients(challenge.id, SendKind.ANNOUNCE))
            told |= {e.learner_id for e in entries}
            if challenge.created_by is not None:
                told.add(challenge.created_by)
            await repo.challenges.enqueue(challenge.id, told, SendKind.RESULTS, now)
            await repo.roles.log(None, "challenge_results", None, challenge.unit_id,
                                 {"challenge_id": challenge.id, "entries": len(entries)}, now)
        report.closed += 1
    return report


async def send_pending(deps: Deps, sender: Sender, report: TickReport | None = None,
                       batch: int = 200) -> TickReport:
    """Announcements and results waiting in the outbox, through the same sender and limits as
    lessons: a learner who paused reminders, outside Zalo's 7-day window, or only reachable on a
    channel whose monthly quota is spent is skipped (and says why), never sent to twice."""
    report = report or TickReport()
    async with deps.store.transaction() as repo:
        await repo.challenges.release_stale_sends(deps.now() - STALE_SEND)
        claimed = await repo.challenges.claim_sends(deps.now(), batch)
    if not claimed:
        return report
    spent = await spent_channels(sender)
    boards: dict[int, list[EntryRecord]] = {}  # a closed challenge's entries, read once a batch
    for row in claimed:
        status, detail = await _send_one(deps, sender, row, spent, boards)
        if status == SendStatus.SENT:
            report.sent += 1
        elif status == SendStatus.SKIPPED:
            report.skipped += 1
            report.reasons[detail] = report.reasons.get(detail, 0) + 1
        elif status == SendStatus.FAILED:
            report.failed += 1
    return report


async def _send_one(deps: Deps, sender: Sender, row: SendRecord, spent: frozenset[str],
                    boards: dict[int, list[EntryRecord]]) -> tuple[SendStatus, str]:
    now = deps.now()
    async with deps.store.transaction() as repo:
        learner = await repo.learners.learner(row.learner_id)
        challenge = await repo.challenges.challenge(row.challenge_id)
        identities = await repo.learners.identities_of(row.learner_id) if learner else []
        message: Out | None = None
        skip = None
        if learner is None or challenge is None:
            skip = "gone"
        elif learner.status == LearnerStatus.PAUSED:
            skip = "opted_out"  # "don't remind me": no pushes, challenges included
        elif learner.status == LearnerStatus.ONBOARDING:
            skip = "onboarding"
        elif row.kind == SendKind.ANNOUNCE and (challenge.closed_at or challenge.deadline <= now):
            skip = "too_late"
        else:
            tr = Translator(learner.language)
            if row.kind == SendKind.ANNOUNCE:
                unit = await repo.units.unit(challenge.unit_id)
                author = await repo.learners.learner(challenge.created_by) \
                    if challenge.created_by else None
                message = announcement(challenge, unit, author.public_name if author else "",
                                       learner, tr)
            else:
                if challenge.id not in boards:  # closed: its entries no longer change
                    boards[challenge.id] = await repo.challenges.entries(challenge.id)
                message = results(challenge, boards[challenge.id], learner, tr)
        target = pick_identity(identities, sender, now, spent) if message else None
        if message is not None and target is None:
            skip = _unreachable_reason(identities, sender, now)
        if skip is not None:
            await repo.challenges.finish_send(row.id, SendStatus.SKIPPED, skip, now)
            return SendStatus.SKIPPED, skip
    assert message is not None and target is not None
    try:
        await sender.send(target.channel, target.chat_id, message)
    except reach.OutsideWindow as exc:
        async with deps.store.transaction() as repo:
            state = dict(target.state)
            state[reach.CLOSED_KEY] = now.isoformat()
            await repo.learners.save_state(target.id, state)
            await repo.challenges.finish_send(row.id, SendStatus.SKIPPED, f"outside_window {exc}",
                                              now)
        return SendStatus.SKIPPED, "outside_window"
    except Unreachable as exc:
        async with deps.store.transaction() as repo:
            await repo.learners.set_reachable(row.learner_id, target.channel, False)
            await repo.challenges.finish_send(row.id, SendStatus.SKIPPED, f"unreachable {exc}",
                                              now)
        return SendStatus.SKIPPED, "unreachable"
    except Exception as exc:  # one learner's failure never stops the others
        log.warning("challenge %s to learner %s failed: %r", row.challenge_id, row.learner_id,
                    exc)
        final = row.attempts >= SEND_ATTEMPTS
        async with deps.store.transaction() as repo:
            await repo.challenges.finish_send(
                row.id, SendStatus.FAILED if final else SendStatus.PENDING, repr(exc), now)
        return (SendStatus.FAILED if final else SendStatus.PENDING), "error"
    async with deps.store.transaction() as repo:
        await repo.challenges.finish_send(row.id, SendStatus.SENT, target.channel, now)
        state = dict(target.state)
        state["last_ok"] = now.isoformat()
        if message.options:  # so that "1" answers it on channels without buttons
            state["options"] = [o.key for o in message.options]
            state["labels"] = {o.key: o.label for o in message.options}
        await repo.learners.save_state(target.id, state)
    return SendStatus.SENT, ""


def _unreachable_reason(identities: list[Any], sender: Sender, now: datetime) -> str:
    if identities and pick_identity(identities, sender, now) is not None:
        return "quota_spent"
    if any(i.reachable and not reach.inside_window(i, now) for i in identities):
        return "outside_window"
    return "unreachable"


async def tick(deps: Deps, sender: Sender) -> TickReport:
    """One scheduler run: deadlines first (so results join this round's sends), then the outbox."""
    report = await close_due(deps)
    return await send_pending(deps, sender, report)
