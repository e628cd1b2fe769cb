"""Announcements: a leader writes one, sees it, confirms it; it goes to the group through the
outbox, a few a day per unit."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Translator
from bot.services import buttons, outbox
from bot.services.context import Deps
from bot.services.conversation import AnnouncementDraft, Conversation
from bot.services.invites import Event
from bot.services.io import Out
from bot.services.leader.roster import _allowed_unit
from bot.services.permissions import Action
from bot.services.ports import LearnerRecord, LearnerStatus, Member, Queued, UnitOfWork, UnitRecord
from lessons.textnorm import fold, folded_words, strip_invisible

STEP = "leader_announce"  # the step "leader_announce:<unit id>": the next text is the message
ANNOUNCE_PER_DAY = 3  # announcements per unit in 24 hours
MAX_ANNOUNCE = 1000  # characters


async def start_announcement(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    unit: UnitRecord,
) -> list[Out]:
    if (
        await repo.leader.announcements_since(unit.id, deps.now() - timedelta(days=1))
        >= ANNOUNCE_PER_DAY
    ):
        return [Out(text=tr("leader.announce.too_many", limit=ANNOUNCE_PER_DAY))]
    state.step = f"{STEP}:{unit.id}"
    state.leader_draft = None
    return [Out(text=tr("leader.announce.ask", group=unit.name, limit=MAX_ANNOUNCE))]


def clean_announcement(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in strip_invisible(text).strip().splitlines())


def step_unit(step: str) -> int | None:
    """The unit id in a "leader_announce:<unit>" step, read back through the button codec's
    range check (the step was set from a tapped button); None when it does not read."""
    try:
        return buttons.Leader.unpack(f"{buttons.Leader.prefix}:ann:{step.partition(':')[2]}").unit
    except buttons.BadButton:
        return None


async def _recipients(repo: UnitOfWork, unit: UnitRecord, author: LearnerRecord) -> list[Member]:
    return [
        m
        for m in await repo.leader.members(unit.id)
        if m.status == LearnerStatus.ACTIVE and m.learner_id != author.id
    ]


async def announcement_text(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    step: str,
    text: str,
) -> list[Out]:
    """The text typed after "Gửi thông báo": checked, then shown back with Gửi / Hủy."""
    unit_id = step_unit(step)
    unit = (
        None
        if unit_id is None
        else await _allowed_unit(deps, repo, learner, unit_id, Action.ANNOUNCE)
    )
    if unit is None:
        state.step = None
        return [Out(text=tr("roles.not_allowed"))]
    body = clean_announcement(text)
    if fold(body) in ("huy", "thoi", "cancel"):
        state.step = None
        return [Out(text=tr("leader.announce.cancelled"))]
    if not folded_words(body):  # emoji only, punctuation only: nothing to read
        return [Out(text=tr("leader.announce.no_words"))]
    if len(body) > MAX_ANNOUNCE:
        return [Out(text=tr("leader.announce.too_long", limit=MAX_ANNOUNCE, length=len(body)))]
    state.step = None
    state.leader_draft = AnnouncementDraft(unit.id, body)
    members = await _recipients(repo, unit, learner)
    return [
        Out(title=tr("leader.announce.preview_title"), text=body),
        Out(
            text=tr("leader.announce.confirm", count=len(members), group=unit.name),
            options=(
                buttons.Leader("annok", unit.id).as_option(tr("leader.announce.send")),
                buttons.Leader("annno").as_option(tr("leader.announce.cancel")),
            ),
        ),
    ]


async def send_announcement(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    unit: UnitRecord,
) -> list[Out]:
    draft, state.leader_draft = state.leader_draft, None
    if draft is None or draft.unit != unit.id:
        return [Out(text=tr("leader.announce.nothing"))]
    now = deps.now()
    if await repo.leader.announcements_since(unit.id, now - timedelta(days=1)) >= ANNOUNCE_PER_DAY:
        return [Out(text=tr("leader.announce.too_many", limit=ANNOUNCE_PER_DAY))]
    members = await _recipients(repo, unit, learner)
    announcement = await repo.leader.add_announcement(unit.id, learner.id, draft.text, now)
    # One row per member, in this transaction: all of them or none, each sent once.
    rows: list[Queued] = [
        outbox.to_learner(
            f"ann:{announcement}:{m.learner_id}",
            "announce",
            m.learner_id,
            Out(
                title=Translator(m.language)(
                    "leader.announce.from", group=unit.name, name=learner.public_name
                ),
                text=draft.text,
            ),
        )
        for m in members
    ]
    queued = await repo.leader.enqueue(rows, now)
    await repo.leader.set_recipients(announcement, queued)
    await repo.roles.log(
        learner.id,
        Event.ANNOUNCE,
        None,
        unit.id,
        {"announcement_id": announcement, "recipients": queued},
        now,
    )
    return [Out(text=tr("leader.announce.queued", count=queued, group=unit.name))]
