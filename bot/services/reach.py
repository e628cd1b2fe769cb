"""Who can be messaged, and who must be reached in person.

A channel's outbound declares its messaging window (bot/services/policy.py; the Zalo Official
Account's 7 days, error -230 after it). A learner outside that window is not messaged; they
appear on their group leader's list instead, and become reachable again as soon as they write.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.services.context import Deps
from bot.services.io import Unreachable
from bot.services.policy import Policies
from bot.services.ports import IdentityRecord, LearnerRecord, LearnerStatus, Store, UnitRecord

# A lesson is several messages: do not start one that the window would cut off half-way.
WINDOW_MARGIN = timedelta(minutes=30)


class OutsideWindow(Unreachable):
    """Not reachable for now (Zalo OA -230): the learner becomes reachable when they write."""


def window_closes_at(identity: IdentityRecord, policies: Policies) -> datetime | None:
    """When the channel stops accepting messages to this user; None when it never does."""
    policy = policies.policy(identity.channel)
    if not policy.closes or policy.window is None:
        return None
    window = policy.window
    if identity.last_seen_at is None:
        return datetime.min.replace(tzinfo=UTC)  # never wrote here: nothing may be sent
    closed = identity.window_closed_at
    if closed is not None and closed >= identity.last_seen_at:
        return identity.last_seen_at  # the platform said so after their last message
    return identity.last_seen_at + window


def inside_window(identity: IdentityRecord, now: datetime, policies: Policies) -> bool:
    closes = window_closes_at(identity, policies)
    return closes is None or now + WINDOW_MARGIN < closes


def usable(identity: IdentityRecord, now: datetime, policies: Policies) -> bool:
    return identity.reachable and inside_window(identity, now, policies)


def last_used(identity: IdentityRecord) -> datetime | None:
    """The later of the learner's last message here and our last successful push here."""
    stamps = [identity.last_seen_at, identity.last_delivered_at]
    known = [s for s in stamps if s is not None]
    return max(known) if known else None


@dataclass(frozen=True)
class ToReach:
    learner_id: int
    name: str
    group: str
    channels: str
    last_seen: str
    reason: str  # outside_window | unreachable | no_channel


def why_unreachable(
    identities: list[IdentityRecord], now: datetime, policies: Policies
) -> str | None:
    """None when some channel can still carry a message; else the reason a person must call."""
    if any(usable(i, now, policies) for i in identities):
        return None
    if not identities:
        return "no_channel"
    if any(i.reachable and not inside_window(i, now, policies) for i in identities):
        return "outside_window"
    return "unreachable"


def _subtree(units: list[UnitRecord], root: UnitRecord) -> list[UnitRecord]:
    children: dict[int | None, list[UnitRecord]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    found, todo = [], [root]
    while todo:
        unit = todo.pop()
        found.append(unit)
        todo.extend(children.get(unit.id, []))
    return found


async def people_to_reach(
    store: Store, unit_code: str, now: datetime, policies: Policies
) -> list[ToReach] | None:
    """Active learners of a unit (and the units under it) whom no channel can reach today.

    None when the unit does not exist."""
    async with store.transaction() as repo:
        root = await repo.units.unit_by_code(unit_code)
        if root is None:
            return None
        units = _subtree(await repo.units.units(), root)
        names = {u.id: u.name for u in units}
        learners: list[LearnerRecord] = await repo.learners.learners_in_units([u.id for u in units])
        rows: list[ToReach] = []
        for learner in learners:
            if learner.status != LearnerStatus.ACTIVE:
                continue
            identities = await repo.learners.identities_of(learner.id)
            reason = why_unreachable(identities, now, policies)
            if reason is None:
                continue
            seen = [i.last_seen_at for i in identities if i.last_seen_at]
            rows.append(
                ToReach(
                    learner.id,
                    learner.display_name or learner.nickname,
                    names.get(learner.unit_id or -1, ""),
                    " ".join(sorted({i.channel for i in identities})),
                    max(seen).date().isoformat() if seen else "",
                    reason,
                )
            )
    return rows


def reach_csv(rows: list[ToReach]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("learner_id", "name", "group", "channels", "last_seen", "reason"))
    for r in rows:
        writer.writerow((r.learner_id, r.name, r.group, r.channels, r.last_seen, r.reason))
    return out.getvalue()


async def unfollowed(deps: Deps, channel: str, external_id: str) -> bool:
    """The user left the channel (Zalo OA unfollow): stop messaging them there until they return."""
    async with deps.store.transaction() as repo:
        identity = await repo.learners.identity(channel, external_id)
        if identity is None:
            return False
        await repo.learners.set_reachable(identity.learner_id, channel, False)
    return True


async def withdrawn(deps: Deps, channel: str, external_id: str) -> bool:
    """A data-deletion request from the platform (Zalo `user_withdraw`): the learner's data goes.

    Progress, points and work are shared across linked channels and cannot be split by channel,
    so the whole learner is deleted, as /deleteme would."""
    async with deps.store.transaction() as repo:
        identity = await repo.learners.identity(channel, external_id)
        if identity is None:
            return False
        await repo.learners.delete_learner(identity.learner_id)
    return True
