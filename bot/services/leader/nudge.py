"""The one-tap nudge to idle members (once a day each, through the outbox) and a member's
choice to receive reminders or not."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from bot.services import buttons, outbox
from bot.services.context import Deps
from bot.services.invites import Event
from bot.services.io import Out
from bot.services.leader.roster import IDLE_DAYS, roster
from bot.services.ports import LearnerRecord, LearnerStatus, UnitOfWork, UnitRecord


def nudge_key(learner_id: int, day: date) -> str:
    return f"nudge:{learner_id}:{day.isoformat()}"


async def nudge(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, unit: UnitRecord
) -> list[Out]:
    """One tap: remind every active member idle for IDLE_DAYS or more, once a day each, except
    those who said "đừng nhắc tôi" and those no channel can reach (they are listed instead)."""
    r = await roster(deps, repo, unit)
    idle = [
        row
        for row in r.idle()
        if row.status == LearnerStatus.ACTIVE and row.learner_id != learner.id
    ]
    opted = [row for row in idle if row.opted_out]
    unreachable = [row for row in idle if not row.opted_out and row.reach]
    wanted = [row for row in idle if not row.opted_out and not row.reach]
    already = await repo.leader.queued_keys([nudge_key(row.learner_id, r.today) for row in wanted])
    fresh = [row for row in wanted if nudge_key(row.learner_id, r.today) not in already]
    queued = await repo.leader.enqueue(
        [
            outbox.to_learner(
                nudge_key(row.learner_id, r.today),
                "nudge",
                row.learner_id,
                nudge_message(Translator(row.language), row.name, unit.name, row.idle_days),
            )
            for row in fresh
        ],
        deps.now(),
    )
    await repo.roles.log(
        learner.id,
        Event.NUDGE,
        None,
        unit.id,
        {
            "queued": queued,
            "opted_out": len(opted),
            "already_today": len(wanted) - len(fresh),
            "unreachable": len(unreachable),
        },
        deps.now(),
    )
    lines = [
        tr("leader.nudge.done", queued=queued, days=IDLE_DAYS)
        if queued or idle
        else tr("leader.nudge.nobody", days=IDLE_DAYS)
    ]  # everyone studied: say so
    if len(wanted) > len(fresh):
        lines.append(tr("leader.nudge.already", count=len(wanted) - len(fresh)))
    if opted:
        lines.append(tr("leader.nudge.opted_out", count=len(opted)))
    if unreachable:
        lines.append(
            tr(
                "leader.nudge.unreachable",
                count=len(unreachable),
                names=", ".join(row.name for row in unreachable[:10]),
            )
        )
    return [Out(text="\n".join(lines))]


def nudge_message(tr: Translator, name: str, group: str, days: int) -> Out:
    return Out(
        text=tr("leader.nudge.message", name=name, group=group, days=days),
        options=(
            buttons.Command("lesson").as_option(tr("leader.nudge.study_now")),
            buttons.Leader("optout").as_option(tr("leader.nudge.stop_button")),
        ),
    )


async def set_reminders(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, on: bool
) -> list[Out]:
    """ "Đừng nhắc tôi" / "nhắc tôi": the learner's own choice about leaders' nudges."""
    await repo.leader.set_opt_out(learner.id, not on, deps.now())
    return [Out(text=tr("leader.optin_done" if on else "leader.optout_done"))]
