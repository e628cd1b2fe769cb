"""One learner across channels: a one-time code shown in one channel and typed in the other.

`/link` (or "liên kết") shows a 6-character code valid for 15 minutes; `/link CODE` (or
"lien ket CODE") typed on another channel joins the two. Nothing is merged: the side that has
learnt nothing yet (no lesson, answer, work or point) joins the side that has, and its empty
learner record goes. When both sides have progress the link is refused with an explanation.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from bot.i18n import Translator
from bot.services.context import Deps
from bot.services.conversation import Conversation
from bot.services.io import Out
from bot.services.ports import IdentityRecord, LearnerRecord, LearnerStatus, UnitOfWork
from bot.services.units import JOIN_ALPHABET
from lessons.textnorm import fold

CODE_LENGTH = 6
VALID_FOR = timedelta(minutes=15)
MAX_FAILURES = 5  # wrong codes per identity per hour: 31^6 codes cannot be guessed in 5 tries
FAILURE_WINDOW = timedelta(hours=1)

_LINK_TEXT = re.compile(r"(?:lien ket|link)\s*[:\-]?\s*([a-z0-9 -]{0,16})")


def parse_link_text(text: str) -> str | None:
    """'liên kết', 'Lien ket ab12cd', 'liên kết: AB 12 CD' -> the code ('' when none given);
    None when the text is not a link request."""
    match = _LINK_TEXT.fullmatch(fold(text or ""))
    return normalise_code(match.group(1)) if match else None


def normalise_code(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "").upper()


def new_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(CODE_LENGTH))


def channel_names(identities: list[IdentityRecord], tr: Translator) -> str:
    return ", ".join(sorted({tr(f"channel.{i.channel}") for i in identities}))


async def issue(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator) -> list[Out]:
    """A fresh code for this learner; earlier codes stop working."""
    now = deps.now()
    await repo.links.drop_link_codes(learner.id)
    code = new_code()
    while not await repo.links.add_link_code(code, learner.id, now, now + VALID_FOR):
        code = new_code()  # taken by someone else this quarter of an hour
    minutes = int(VALID_FOR.total_seconds() // 60)
    return [Out(title=tr("link.title"), text=tr("link.code", code=code, minutes=minutes))]


def _recent_failures(state: Conversation, now: datetime) -> list[str]:
    return [t for t in state.link_failures if now - datetime.fromisoformat(t) < FAILURE_WINDOW]


async def redeem(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    code: str,
    tr: Translator,
    state: Conversation,
) -> tuple[list[Out], LearnerRecord]:
    """Join this identity's learner and the code's learner; returns the answer and the learner
    that now owns this identity."""
    now = deps.now()
    failures = _recent_failures(state, now)
    if len(failures) >= MAX_FAILURES:
        return [Out(text=tr("link.too_many"))], learner
    owner_id = await repo.links.link_code_owner(code, now)
    owner = await repo.learners.learner(owner_id) if owner_id is not None else None
    if owner is None:
        state.link_failures = [*failures, now.isoformat()]
        return [Out(text=tr("link.bad_code", code=code[:12]))], learner
    if owner.id == learner.id:
        return [Out(text=tr("link.same"))], learner
    owner_progress = await repo.links.learner_has_progress(owner.id)
    my_progress = await repo.links.learner_has_progress(learner.id)
    if owner_progress and my_progress:
        return [Out(text=tr("link.both_have_progress"))], learner
    # The side with progress wins; then the side that finished onboarding; then the code's owner.
    owner_rank = (owner_progress, owner.status != "onboarding")
    my_rank = (my_progress, learner.status != LearnerStatus.ONBOARDING)
    keep, drop = (owner, learner) if owner_rank >= my_rank else (learner, owner)
    await repo.links.move_identities(drop.id, keep.id)
    await repo.links.drop_link_codes(owner.id)  # spent
    await repo.learners.delete_learner(
        drop.id
    )  # nothing learnt, nothing lost; its identities moved
    state.link_failures = []
    channels = channel_names(await repo.learners.identities_of(keep.id), tr)
    return [Out(text=tr("link.done", name=keep.public_name, channels=channels))], keep
