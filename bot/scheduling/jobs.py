"""Scheduled jobs. They are stored in the database by reference ("module:function") with no
arguments, so they survive restarts; each finds the running app through `bind`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.services import challenges, delivery, digest, outbox, review, submissions, throttle

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
_app: App | None = None


def bind(app: App | None) -> None:
    global _app
    _app = app


async def delivery_tick() -> None:
    """Schedule lessons whose time has come and send them."""
    if _app is None:
        return
    report = await delivery.delivery_round(_app.deps, _app.sender)
    if report.scheduled or report.sent or report.unreachable or report.failed:
        log.info("delivery: %s", report)


async def challenges_tick() -> None:
    """Challenges past their deadline are closed and paid once; announcements and results in the
    outbox go out through the sender."""
    if _app is None:
        return
    report = await challenges.tick(_app.deps, _app.sender)
    if report.closed or report.sent or report.skipped or report.failed:
        log.info("challenges: %s", report)


async def regrade_provisional() -> None:
    """Grades the model could not give (down, over budget) are asked again once it answers."""
    if _app is None:
        return
    changed = await review.regrade_provisional(_app.deps, _app.deps.notify)
    if changed:
        log.info("regrading changed %d grades", changed)


async def grade_waiting() -> None:
    """Grade submissions a crash or restart left ungraded, and tell the learners."""
    if _app is None:
        return
    told = await submissions.grade_waiting(_app.deps, {"vi": Translator("vi")})
    for learner_id, messages in told:
        async with _app.store.transaction() as repo:
            identities = await repo.learners.identities_of(learner_id)
        target = delivery.pick_identity(identities, _app.sender)
        if target is None:
            continue
        for message in messages:
            try:
                await _app.sender.send(target.channel, target.chat_id, message)
            except Exception as exc:  # the grade is stored; telling is best effort
                log.warning("could not tell learner %s about a grade: %r", learner_id, exc)
                break


async def outbox_tick() -> None:
    """Queue the weekly digests on Monday morning, and send what leaders queued (nudges,
    announcements, digests) through the same sender and limits as lessons."""
    if _app is None:
        return
    queued = await digest.queue_weekly(_app.deps)
    async with _app.store.transaction() as repo:  # wrong codes past the window count for nothing
        await throttle.purge(repo, _app.deps.now())
    report = await outbox.drain(_app.deps, _app.sender)
    if queued or report.sent or report.skipped or report.failed:
        log.info("outbox: %d digests queued, %s", queued, report)
