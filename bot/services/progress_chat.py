"""/progress as a chat message: the one place that turns a `ProgressReport` into text."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import badges, buttons
from bot.services.io import Out
from bot.services.standings import ProgressReport


def freeze_line(report: ProgressReport, tr: Translator) -> str:
    line = tr("freeze.line", held=report.freezes_held, max=report.freezes_max)
    if report.freezes_used_recently:
        line += " " + tr("freeze.line_used", day=report.freezes_used_recently[-1].strftime("%d/%m"))
    return line


def progress(report: ProgressReport, tr: Translator) -> Out:
    rank = (
        tr("progress.rank", rank=report.rank, total=report.group_size, group=report.group_name)
        if report.rank is not None
        else tr("progress.no_group")
    )
    extra = "\n".join((badges.badge_line(list(report.badges), tr), freeze_line(report, tr)))
    return Out(
        title=tr("progress.title"),
        text=tr(
            "progress.body",
            level=report.level,
            level_title=report.level_title,
            done=report.lessons_done,
            passed=report.lessons_passed,
            total=report.lessons_total,
            points=report.points,
            streak=report.streak,
            best=report.best_streak,
            rank=rank,
        )
        + "\n"
        + extra,
        options=(buttons.Command("freeze").as_option(tr("freeze.button")),),
    )
