"""Peer review by mentors, in the chat: anonymised work of their class or group, one tap per
rubric criterion and a short comment the learner receives as advice (only an instructor's
confirmation changes a score). The mentors' menu is bot/services/chat/mentoring.py."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Translator
from bot.services import buttons, scope, tasks
from bot.services.chat.turn import Turn
from bot.services.conversation import PeerDraft
from bot.services.invites import Event
from bot.services.io import Out
from bot.services.permissions import Action
from bot.services.ports import LearnerRecord
from bot.services.ports.mentoring import PeerItem
from lessons.textnorm import folded_words
from scoring.points import PEER_REVIEW_POINTS

STEP = "peer_comment"  # "peer_comment:<submission>": the mentor's comment on that work is next
PEER_WINDOW = timedelta(days=14)  # work older than this is not offered for review
EXCERPT = 1200
MAX_COMMENT = 500
FINDINGS: tuple[buttons.Finding, ...] = ("met", "partly", "missing")
MARK = {"met": "✅", "partly": "🔸", "missing": "❌"}


# ---- peer review -----------------------------------------------------------------------------


async def next_peer(turn: Turn) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    peers = await scope.of(deps, repo, turn.learner.id, Action.PEER_REVIEW)
    if not scope.allowed(peers):
        return [Out(text=tr("mentor.not_mentor"))]
    units = peers if peers is not None else {u.id for u in await repo.units.units()}
    found = await repo.mentoring.peer_candidates(
        units, turn.learner.id, deps.now() - PEER_WINDOW, 1
    )
    if not found:
        return [Out(text=tr("mentor.peer_none"))]
    return await start_review(turn, found[0].submission_id)


async def _peer_in_scope(turn: Turn, submission_id: int) -> PeerItem | None:
    item = await turn.repo.mentoring.peer_item(submission_id)
    if item is None or item.learner_id == turn.learner.id:
        return None
    peers = await scope.of(turn.deps, turn.repo, turn.learner.id, Action.PEER_REVIEW)
    if not scope.allowed(peers) or not await scope.has_learner(turn.repo, peers, item.learner_id):
        return None
    return item


async def _criteria(
    turn: Turn, item: PeerItem, learner: LearnerRecord | None
) -> list[tuple[str, str, str]]:
    lesson = await tasks.graded_as(
        turn.deps, turn.repo, item.lesson_id, learner.occupation if learner else None
    )
    if lesson is None:
        return []
    return [(c.id, c.title, c.judge) for c in lesson.rubric.criteria]


async def start_review(turn: Turn, submission_id: int) -> list[Out]:
    tr = turn.tr
    item = await _peer_in_scope(turn, submission_id)
    if item is None:
        return [Out(text=tr("mentor.not_your_peer"))]
    author = await turn.repo.learners.learner(item.learner_id)
    criteria = await _criteria(turn, item, author)
    if not criteria:
        return [Out(text=tr("mentor.peer_none"))]
    turn.state.peer_draft = PeerDraft(item.submission_id)
    text = item.text if len(item.text) <= EXCERPT else item.text[:EXCERPT] + "…"
    head = Out(
        title=tr("mentor.peer_title"),
        text=tr(
            "mentor.peer_item",
            task=tasks.title(turn.deps, item.lesson_id, tr),
            text=text,
            criteria=len(criteria),
        ),
    )
    return [head, _criterion_question(turn, item.submission_id, criteria, 0)]


def _criterion_question(
    turn: Turn, submission_id: int, criteria: list[tuple[str, str, str]], index: int
) -> Out:
    tr = turn.tr
    _cid, title, judge_text = criteria[index]
    return Out(
        text=tr(
            "mentor.criterion", n=index + 1, total=len(criteria), title=title, judge=judge_text
        ),
        options=tuple(
            buttons.Mentor("mk", submission_id, index, f).as_option(
                f"{MARK[f]} {tr(f'mentor.finding.{f}')}"
            )
            for f in FINDINGS
        ),
    )


async def mark(turn: Turn, submission_id: int, index: int, finding: buttons.Finding) -> list[Out]:
    tr = turn.tr
    draft = turn.state.peer_draft
    if draft is None or draft.submission != submission_id or index != len(draft.marks):
        return [Out(text=tr("choice.stale"))]
    item = await _peer_in_scope(turn, submission_id)
    if item is None:
        turn.state.peer_draft = None
        return [Out(text=tr("mentor.not_your_peer"))]
    criteria = await _criteria(turn, item, await turn.repo.learners.learner(item.learner_id))
    draft.marks = [*draft.marks, finding]
    if len(draft.marks) < len(criteria):
        return [_criterion_question(turn, submission_id, criteria, len(draft.marks))]
    turn.state.step = f"{STEP}:{submission_id}"
    return [
        Out(
            text=tr("mentor.ask_comment", limit=MAX_COMMENT),
            options=(buttons.Mentor("nocm", submission_id).as_option(tr("mentor.no_comment")),),
        )
    ]


async def on_comment(turn: Turn, step: str) -> list[Out]:
    """The comment typed after the last criterion (or "1": the "no comment" offered)."""
    tr = turn.tr
    picked = turn.offered_choice(turn.event.text)
    if picked is not None:
        return await turn.choice(picked)
    raw = step.partition(":")[2]
    submission_id = int(raw) if raw.isdigit() and int(raw) < 2**63 else None
    comment = " ".join(turn.event.text.split())
    if len(comment) > MAX_COMMENT:
        return [Out(text=tr("mentor.comment_too_long", chars=len(comment), limit=MAX_COMMENT))]
    if not folded_words(comment):
        return [Out(text=tr("mentor.comment_words"))]
    if submission_id is None:
        turn.state.step = None
        return [Out(text=tr("choice.stale"))]
    return await save_review(turn, submission_id, comment)


async def save_review(turn: Turn, submission_id: int, comment: str) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    turn.state.step = None
    draft, turn.state.peer_draft = turn.state.peer_draft, None
    if draft is None or draft.submission != submission_id:
        return [Out(text=tr("choice.stale"))]
    item = await _peer_in_scope(turn, submission_id)
    if item is None:
        return [Out(text=tr("mentor.not_your_peer"))]
    author = await repo.learners.learner(item.learner_id)
    criteria = await _criteria(turn, item, author)
    findings = list(draft.marks)
    if author is None or len(findings) != len(criteria) or any(f not in FINDINGS for f in findings):
        return [Out(text=tr("choice.stale"))]
    marks = {cid: f for (cid, _t, _j), f in zip(criteria, findings, strict=True)}
    review_id = await repo.mentoring.add_peer_review(
        submission_id, turn.learner.id, marks, comment, deps.now()
    )
    if review_id is None:
        return [Out(text=tr("mentor.already_reviewed"))]
    await repo.roles.log(
        turn.learner.id,
        Event.PEER_REVIEW,
        author.id,
        author.unit_id,
        {"review_id": review_id, "submission_id": submission_id},
        deps.now(),
    )
    author_tr = Translator(author.language)
    lines = [f"{MARK[f]} {title}" for (_c, title, _j), f in zip(criteria, findings, strict=True)]
    told = author_tr(
        "mentor.told", task=tasks.title(deps, item.lesson_id, author_tr), marks="\n".join(lines)
    )
    if comment:
        told += "\n" + author_tr("mentor.told_comment", comment=comment)
    turn.notices.append(
        (
            author.id,
            [
                Out(
                    title=author_tr("mentor.told_title"),
                    text=told + "\n\n" + author_tr("mentor.told_advice"),
                )
            ],
        )
    )
    return [
        Out(
            text=tr("mentor.saved", points=PEER_REVIEW_POINTS),
            options=(buttons.Mentor("peer").as_option(tr("mentor.next_peer")),),
        )
    ]
