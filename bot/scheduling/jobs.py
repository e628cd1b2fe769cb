"""The scheduler's jobs: each claims its work under leases, so a hand-over between schedulers
(or the live path grading the same work) never does a piece of work twice."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.services import (
    challenges,
    dashboard,
    delivery,
    digest,
    honours,
    outbox,
    rankings,
    report,
    review,
    submissions,
    throttle,
    web_signin,
)

if TYPE_CHECKING:
    from bot.host import Host

log = logging.getLogger(__name__)

KEEP_LAPSED_LEASES = timedelta(days=1)


async def plan_deliveries(app: Host) -> None:
    """Create the delivery rows of learners whose time has come; the workers send them (a worker
    in this process is woken at each planned chunk)."""
    created = await delivery.schedule_due(app.deps, planned=app.deliveries_planned.set)
    if created:
        log.info("delivery: %d planned", created)


async def challenges_tick(app: Host) -> None:
    """Challenges past their deadline are closed and paid once; announcements and results in the
    outbox (`challenge_sends`) go out through the same sender and limits as lessons."""
    report = await challenges.tick(app.deps, app.sender)
    if report.closed or report.sent or report.skipped or report.failed:
        log.info("challenges: %s", report)


async def regrade_provisional(app: Host) -> None:
    """Grades the model could not give (down, over budget) are asked again once it answers."""
    changed = await review.regrade_provisional(app.deps, app.deps.notify)
    if changed:
        log.info("regrading changed %d grades", changed)


async def grade_waiting(app: Host) -> None:
    """Grade submissions a crash or restart left ungraded, and tell the learners."""
    told = await submissions.grade_waiting(app.deps, {"vi": Translator("vi")})
    for learner_id, messages in told:
        async with app.store.transaction() as repo:
            identities = await repo.learners.identities_of(learner_id)
        target = delivery.pick_identity(identities, app.sender)
        if target is None:
            continue
        for message in messages:
            try:
                await app.sender.send(target.channel, target.chat_id, message, bot_id=target.bot_id)
            except Exception as exc:  # the grade is stored; telling is best effort
                log.warning("could not tell learner %s about a grade: %r", learner_id, exc)
                break


async def drop_lapsed_leases(app: Host) -> None:
    """Leases of finished or abandoned background work, kept a day for the record."""
    async with app.store.transaction() as repo:
        await repo.leases.drop_lapsed_work(app.deps.now() - KEEP_LAPSED_LEASES)
        await web_signin.purge(app.deps, repo)  # the web pages' spent sign-in links, likewise


async def outbox_tick(app: Host) -> None:
    """Queue the weekly digests on Monday morning, and send what leaders queued (nudges,
    announcements, digests) through the same sender and limits as lessons."""
    queued = await digest.queue_weekly(app.deps)
    async with app.store.transaction() as repo:  # wrong codes past the window count for nothing
        await throttle.purge(repo, app.deps.now())
    report = await outbox.drain(app.deps, app.sender)
    if queued or report.sent or report.skipped or report.failed:
        log.info("outbox: %d digests queued, %s", queued, report)


async def refresh_standings(app: Host) -> None:
    """Every unit's recent figures over its subtree, for the boards of a large province (one
    set-based statement that replaces the snapshot whole: run twice, it writes the same)."""
    units = await rankings.refresh(app.deps)
    log.debug("standings refreshed for %d units", units)


async def close_honours(app: Host) -> None:
    """When a quarter or a year has closed, its honours are stored per unit as they stand, so a
    list once announced never changes (a few hundred units a run; idempotent)."""
    await honours.close_periods(app.deps)


async def refresh_dashboard(app: Host) -> None:
    """The officials' figures for every unit (the current quarter so far), for the dashboard of
    a large province: replaced whole in one transaction, so run twice it writes the same."""
    units = await dashboard.refresh(app.deps)
    log.debug("dashboard figures refreshed for %d units", units)


async def close_quarter(app: Host) -> None:
    """Once a quarter has ended, its figures are stored as they are (the previous quarter; a
    quarter already closed is left alone), so its report never changes afterwards."""
    if await report.close_quarter(app.deps):
        log.info("quarter %s closed", report.previous_quarter(app.deps).label)
