"""The review queue as chat messages: the one place that turns a `ReviewQueue` into text and
buttons (keep / change a grade, confirm held grades in bulk)."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import buttons, tasks
from bot.services.context import Deps
from bot.services.flag_names import flag_names
from bot.services.io import Out
from bot.services.ports import HeldSummary
from bot.services.review import BULK_LIMIT, ReviewItem, ReviewQueue

EXCERPT = 600  # characters of the work shown in chat; the whole is in storage


def scores(held: HeldSummary, tr: Translator) -> str:
    if held.low == held.high:
        return tr("review.scores_one", score=held.low)
    return tr("review.scores_range", low=held.low, high=held.high)


def item(deps: Deps, it: ReviewItem, tr: Translator) -> Out:
    return Out(
        title=tr("review.item_title", id=it.grade_id, score=it.score),
        text=tr(
            "review.item",
            lesson=tasks.title(deps, it.lesson_id, tr),
            flags=flag_names(it.flags, tr),
            appealed=tr("review.appealed") if it.appealed else "",
            text=(it.text or tr("review.photo_only"))[:EXCERPT],
            photo=it.photo_ref or "-",
        ),
        options=(
            buttons.Review("ok", it.grade_id).as_option(tr("review.confirm")),
            buttons.Review("set", it.grade_id).as_option(tr("review.change")),
        ),
    )


def queue(deps: Deps, q: ReviewQueue, tr: Translator) -> list[Out]:
    bulk = (
        [
            Out(
                text=tr("review.held", count=q.held.count, scores=scores(q.held, tr)),
                options=(buttons.Review("bulk", q.held.last_id).as_option(tr("review.bulk")),),
            )
        ]
        if q.held
        else []
    )
    if not q.items:
        return [Out(text=tr("review.empty")), *bulk]
    return [
        Out(text=tr("review.header", count=q.total)),
        *bulk,
        *(item(deps, it, tr) for it in q.items),
    ]


def bulk_preview(held: HeldSummary | None, tr: Translator) -> list[Out]:
    if held is None:
        return [Out(text=tr("review.bulk_none"))]
    return [
        Out(
            text=tr(
                "review.bulk_preview", count=min(held.count, BULK_LIMIT), scores=scores(held, tr)
            ),
            options=(buttons.Review("bulkok", held.last_id).as_option(tr("review.bulk_yes")),),
        )
    ]
