"""Badges earned once and announced once, and the streak freeze bought with points.

The rules are in scoring/badges.py and scoring/streaks.py; this module gathers a learner's facts,
stores what the rules decide and says it in the chat.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import buttons
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork
from scoring.badges import (
    FREEZE_COST,
    FREEZE_MAX_HELD,
    WEEK,
    Badge,
    BadgeFacts,
    freeze_offer,
    new_badges,
)
from scoring.streaks import current_streak, freezes_to_use, longest_streak

ICONS = {
    Badge.STREAK_7: "🔥",
    Badge.STREAK_30: "🌟",
    Badge.STREAK_100: "🏆",
    Badge.PERFECT_QUIZ_WEEK: "🎯",
    Badge.FIRST_LEVEL: "🎓",
    Badge.HELPFUL_MENTOR: "🤝",
}


async def streak_today(deps: Deps, repo: UnitOfWork, learner: LearnerRecord) -> int:
    """The current streak. A day missed since the last study day is covered first by a held
    freeze (automatically, one freeze a day), so the streak carries on."""
    today = deps.today_for(learner)
    days = await repo.progress.activity_days(learner.id)
    frozen = await cover_missed_days(repo, learner.id, days, today)
    return current_streak(days, today, frozen)


async def cover_missed_days(
    repo: UnitOfWork, learner_id: int, days: list[date], today: date
) -> list[date]:
    """Spend held freezes on the days missed since the last study day; returns every frozen day."""
    state = await repo.badges.freezes(learner_id)
    frozen = list(state.used_on)
    for day in freezes_to_use(days, frozen, today, state.held):
        if await repo.badges.use_freeze(learner_id, day):
            frozen.append(day)
    return frozen


async def levels_done(repo: UnitOfWork, learner_id: int) -> frozenset[int]:
    """Levels the learner holds a certificate of: issued (named) and not revoked. The one place
    that decides what "finished a level" means for badges; the first-level badge is the first
    certificate (bot/services/certificates/ issues them, and asks for this check then)."""
    return frozenset(
        c.level for c in await repo.certificates.of_learner(learner_id) if c.named and not c.revoked
    )


async def after_activity(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator
) -> list[Out]:
    """Badges the learner has just earned, each stored once and announced once."""
    today = deps.today_for(learner)
    days = await repo.progress.activity_days(learner.id)
    frozen = await cover_missed_days(repo, learner.id, days, today)
    zone = ZoneInfo(learner.timezone)
    answers = await repo.badges.quiz_answers_since(
        learner.id, deps.now() - timedelta(days=WEEK + 1)
    )
    facts = BadgeFacts(
        today=today,
        best_streak=longest_streak(days, frozen),
        quiz_answers=tuple((at.astimezone(zone).date(), right) for at, right in answers),
        levels_done=await levels_done(repo, learner.id),
        helpful_reviews=await repo.badges.helpful_reviews(learner.id),
    )
    have = [b.code for b in await repo.badges.earned(learner.id)]
    return await _grant(deps, repo, learner, new_badges(facts, have), tr)


async def _grant(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, badges: list[Badge], tr: Translator
) -> list[Out]:
    out = []
    for badge in badges:
        if await repo.badges.grant(learner.id, badge.value, deps.today_for(learner), deps.now()):
            out.append(
                Out(
                    text=tr(
                        "badge.announce",
                        icon=ICONS[badge],
                        name=tr(f"badge.name.{badge.value}"),
                        about=tr(f"badge.about.{badge.value}"),
                    )
                )
            )
    return out


async def mentor_review_helpful(
    deps: Deps, repo: UnitOfWork, mentor_id: int, review_key: str
) -> list[Out]:
    """The mentor feature's hook: a learner marked a mentor's review helpful. Counted once per
    review (`review_key`, e.g. "review:<id>"), it earns the mentor the "helpful mentor" badge
    and counts in honours. Returns the mentor's announcement, to send after the commit
    (deps.notify), empty when there is nothing new to say."""
    mentor = await repo.learners.learner(mentor_id)
    if mentor is None or not await repo.badges.add_helpful_review(
        mentor_id, review_key, deps.now()
    ):
        return []
    return await after_activity(deps, repo, mentor, Translator(mentor.language))


async def export(repo: UnitOfWork, learner_id: int) -> dict[str, object]:
    """What /mydata adds: the badges earned, every streak freeze bought (and the day it covered),
    and how many of one's reviews learners marked helpful."""
    return {
        "badges": [
            {"code": b.code, "earned_on": b.earned_on} for b in await repo.badges.earned(learner_id)
        ],
        "streak_freezes": [
            {"number": f.seq, "bought_at": f.bought_at, "used_on": f.used_on}
            for f in await repo.badges.purchases(learner_id)
        ],
        "helpful_reviews": await repo.badges.helpful_reviews(learner_id),
    }


def badge_line(codes: list[str], tr: Translator) -> str:
    known = [Badge(c) for c in codes if c in Badge._value2member_map_]
    if not known:
        return tr("badge.none")
    names = ", ".join(f"{ICONS[b]} {tr(f'badge.name.{b.value}')}" for b in Badge if b in known)
    return tr("badge.list", badges=names)


# ---- the freeze: offered, bought once per tap -----------------------------------------------


async def offer(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator) -> list[Out]:
    """What a freeze is, how many the learner holds, and a button to buy the next one."""
    state = await repo.badges.freezes(learner.id)
    points = await repo.ledger.points(learner.id)
    verdict = freeze_offer(learner.id, state.bought, state.held, points)
    text = tr("freeze.about", cost=FREEZE_COST, held=state.held, max=FREEZE_MAX_HELD, points=points)
    if not verdict.allowed:
        return [
            Out(
                title=tr("freeze.title"),
                text=text
                + "\n\n"
                + tr(
                    f"freeze.cannot.{verdict.reason}",
                    cost=FREEZE_COST,
                    max=FREEZE_MAX_HELD,
                    points=points,
                ),
            )
        ]
    return [
        Out(
            title=tr("freeze.title"),
            text=text,
            options=(
                buttons.Freeze("buy", state.bought).as_option(
                    tr("freeze.buy_button", cost=FREEZE_COST)
                ),
            ),
        )
    ]


async def buy(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, number: int, tr: Translator
) -> list[Out]:
    """ "frz:buy:<n>": buy purchase number n. The number fixes the ledger key, so a double tap,
    a redelivered update or a racing process pays once; an old or forged number buys nothing
    (a key that does not unpack never gets here: the router answers it as stale)."""
    state = await repo.badges.freezes(learner.id)
    if number != state.bought:
        return [Out(text=tr("freeze.already", held=state.held, max=FREEZE_MAX_HELD))]
    points = await repo.ledger.points(learner.id)
    verdict = freeze_offer(learner.id, state.bought, state.held, points)
    if not verdict.allowed or verdict.award is None:
        return [
            Out(
                text=tr(
                    f"freeze.cannot.{verdict.reason}",
                    cost=FREEZE_COST,
                    max=FREEZE_MAX_HELD,
                    points=points,
                )
            )
        ]
    if not await repo.ledger.award(learner.id, verdict.award, deps.now()):
        return [Out(text=tr("freeze.already", held=state.held, max=FREEZE_MAX_HELD))]
    await repo.badges.add_freeze(learner.id, state.bought, deps.now())
    return [
        Out(
            text=tr(
                "freeze.bought",
                held=state.held + 1,
                max=FREEZE_MAX_HELD,
                points=points + verdict.award.points,
            )
        )
    ]
