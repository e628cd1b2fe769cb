"""The learner's own account: help, standings, pausing, appeals, their data and deleting it."""

from __future__ import annotations

import json

from bot.services import badges, buttons, certificates, progress_chat, review, standings
from bot.services.chat.turn import Turn
from bot.services.io import Out, OutFile
from bot.services.ports import LearnerStatus


def help_message(turn: Turn) -> Out:
    return Out(title=turn.tr("help.title"), text=turn.tr("help.body"))


async def help_command(turn: Turn, _args: str) -> list[Out]:
    return [help_message(turn)]


async def progress(turn: Turn, _args: str) -> list[Out]:
    report = await standings.progress_report(turn.deps, turn.repo, turn.learner)
    return [progress_chat.progress(report, turn.tr)]


async def leaderboard(turn: Turn, _args: str) -> list[Out]:
    return await standings.leaderboard(turn.deps, turn.repo, turn.learner, turn.tr)


async def stop(turn: Turn, _args: str) -> list[Out]:
    await turn.repo.learners.update_learner(turn.learner.id, status=LearnerStatus.PAUSED)
    return [Out(text=turn.tr("stop.done"))]


async def appeal(turn: Turn, _args: str) -> list[Out]:
    """ "Khiếu nại" typed: the latest grade goes to an instructor."""
    latest = await turn.repo.grades.latest_grade(turn.learner.id)
    if latest is None:
        return [Out(text=turn.tr("appeal.unknown"))]
    return await review.appeal(turn.deps, turn.repo, turn.learner.id, latest.id, turn.tr)


async def on_appeal(turn: Turn, button: buttons.Appeal) -> list[Out]:
    return await review.appeal(turn.deps, turn.repo, turn.learner.id, button.grade, turn.tr)


async def mydata(turn: Turn, _args: str) -> list[Out]:
    data = await turn.repo.learners.export_learner(turn.learner.id)
    data["certificates"] = certificates.as_rows(
        await turn.repo.certificates.of_learner(turn.learner.id)
    )
    data.update(await badges.export(turn.repo, turn.learner.id))
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    return [
        Out(
            text=turn.tr("mydata.sent"),
            file=OutFile(f"hocai-du-lieu-{turn.learner.id}.json", content),
        )
    ]


async def deleteme(turn: Turn, _args: str) -> list[Out]:
    tr = turn.tr
    return [
        Out(
            text=tr("delete.confirm"),
            options=(
                buttons.Delete("yes").as_option(tr("delete.yes")),
                buttons.Delete("no").as_option(tr("delete.no")),
            ),
        )
    ]


async def on_delete(turn: Turn, button: buttons.Delete) -> list[Out]:
    if button.answer == "yes":
        await turn.repo.learners.delete_learner(turn.learner.id)
        return [Out(text=turn.tr("delete.done"), remember_options=False)]
    return [Out(text=turn.tr("delete.kept"))]


async def on_command_button(turn: Turn, button: buttons.Command) -> list[Out]:
    """A command offered as a button ("Học ngay", "Học tiếp")."""
    return await turn.command(button.name)


async def on_ack(turn: Turn, _button: buttons.Ack) -> list[Out]:
    """The one tap that ends a pushed lesson and keeps a Zalo OA window open."""
    return [Out(text=turn.tr("lesson.ack_done"))]
