"""What instructors do for mentors, in the chat: judge mentors' reviews (a helpful one pays the
mentor once), propose mentors by the level file's rule and confirm them (a role grant, logged),
and see their learners' figures per level. The mentors' menu is bot/services/chat/mentoring.py."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import badges, buttons, invites, scope, tasks
from bot.services.chat.mentoring_peer import MARK, _criteria
from bot.services.chat.turn import Turn
from bot.services.invites import Event
from bot.services.io import Out
from bot.services.permissions import Action, Role
from bot.services.ports import UnitOfWork
from bot.services.ports.mentoring import PeerReviewRecord
from scoring.mentoring import Candidacy, candidacy, levels_finished
from scoring.points import peer_review_award

MAX_CANDIDATES = 10
JUDGE_PAGE = 5


def rule_text(turn: Turn) -> str:
    rule = turn.deps.curriculum.mentor_rule
    key = "mentor.rule_level" if rule.level_done else "mentor.rule"
    return turn.tr(key, average=rule.teach_back_average, count=rule.min_teach_backs)


# ---- instructors: judging reviews, proposing mentors, figures per level ----------------------


async def to_judge(turn: Turn) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    judging = await scope.of(turn.deps, repo, turn.learner.id, Action.REVIEW)
    if not scope.allowed(judging):
        return [Out(text=tr("review.not_allowed"))]
    reviews = await repo.mentoring.reviews_to_judge(judging, JUDGE_PAGE)
    if not reviews:
        return [Out(text=tr("mentor.judge_none"))]
    return [await _judge_item(turn, r) for r in reviews]


async def judge_section(turn: Turn, units: scope.Scope) -> list[Out]:
    """After the review queue: how many mentors' reviews wait for a verdict."""
    count = await turn.repo.mentoring.count_to_judge(units)
    if not count:
        return []
    return [
        Out(
            text=turn.tr("mentor.judge_waiting", count=count),
            options=(buttons.Mentor("judge").as_option(turn.tr("mentor.judge_button")),),
        )
    ]


async def _judge_item(turn: Turn, review: PeerReviewRecord) -> Out:
    tr = turn.tr
    author = await turn.repo.learners.learner(review.learner_id)
    item = await turn.repo.mentoring.peer_item(review.submission_id)
    titles = {
        cid: title for cid, title, _j in (await _criteria(turn, item, author) if item else [])
    }
    lines = [f"{MARK.get(f, '•')} {titles.get(cid, cid)}" for cid, f in review.marks.items()]
    text = tr(
        "mentor.judge_item",
        mentor=review.mentor_name,
        task=tasks.title(turn.deps, review.lesson_id, tr),
        score="-" if review.score is None else review.score,
        marks="\n".join(lines),
        comment=review.comment or "-",
    )
    options = [
        buttons.Mentor("ok", review.id).as_option(tr("mentor.helpful")),
        buttons.Mentor("no", review.id).as_option(tr("mentor.not_helpful")),
    ]
    if review.grade_id is not None:
        options.append(buttons.Review("set", review.grade_id).as_option(tr("mentor.change_score")))
    return Out(title=tr("mentor.judge_title", id=review.id), text=text, options=tuple(options))


async def judge(turn: Turn, review_id: int, helpful: bool) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    review = await repo.mentoring.peer_review(review_id)
    judging = await scope.of(deps, repo, turn.learner.id, Action.REVIEW)
    if (
        review is None
        or not scope.allowed(judging)
        or not await scope.has_learner(repo, judging, review.learner_id)
    ):
        return [Out(text=tr("mentor.review_not_yours"))]
    verdict = "helpful" if helpful else "not_helpful"
    if not await repo.mentoring.judge(review_id, verdict, turn.learner.id, deps.now()):
        return [Out(text=tr("mentor.already_judged"))]
    mentor = await repo.learners.learner(review.mentor_id)
    await repo.roles.log(
        turn.learner.id,
        Event.PEER_REVIEW_VERDICT,
        review.mentor_id,
        mentor.unit_id if mentor else None,
        {"review_id": review_id, "verdict": verdict},
        deps.now(),
    )
    if not helpful:
        return [Out(text=tr("mentor.judged_not_helpful"))]
    award = peer_review_award(review.mentor_id, review_id)
    paid = await repo.ledger.award(review.mentor_id, award, deps.now())
    # Counted once per review for the "helpful mentor" badge and the honours; a badge it earns
    # is announced with the points.
    earned = await badges.mentor_review_helpful(deps, repo, review.mentor_id, f"review:{review_id}")
    if paid and mentor is not None:
        mentor_tr = Translator(mentor.language)
        turn.notices.append(
            (
                mentor.id,
                [
                    Out(
                        text=mentor_tr(
                            "mentor.told_helpful",
                            task=tasks.title(deps, review.lesson_id, mentor_tr),
                            points=award.points,
                        )
                    ),
                    *earned,
                ],
            )
        )
    return [Out(text=tr("mentor.judged_helpful", mentor=review.mentor_name, points=award.points))]


async def _finished(turn: Turn, learner_ids: list[int]) -> dict[int, list[int]]:
    """The levels each learner finished: certificates earned (`scoring.mentoring`)."""
    repo, curriculum = turn.repo, turn.deps.curriculum
    certified = await repo.mentoring.certified_levels(learner_ids)
    done = await repo.mentoring.completed_by(learner_ids)
    return {lid: levels_finished(curriculum, certified[lid], done[lid]) for lid in learner_ids}


async def _candidacy(turn: Turn, learner_ids: list[int]) -> dict[int, Candidacy]:
    finished = await _finished(turn, learner_ids)
    scores = await turn.repo.mentoring.teach_back_scores(learner_ids)
    rule = turn.deps.curriculum.mentor_rule
    return {lid: candidacy(rule, finished[lid], scores[lid]) for lid in learner_ids}


async def _mentors(repo: UnitOfWork, units: list[int] | None) -> set[int]:
    return {g.learner_id for g in await repo.roles.grants_in(units) if g.role == Role.MENTOR}


async def propose(turn: Turn) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    where = await scope.of(deps, repo, turn.learner.id, Action.PROPOSE_MENTOR)
    if not scope.allowed(where):
        return [Out(text=tr("mentor.not_instructor"))]
    units = sorted(where) if where is not None else [u.id for u in await repo.units.units()]
    already = await _mentors(repo, None)
    people = [
        p
        for p in await repo.classes.learners_in(units)
        if p != turn.learner.id and p not in already
    ]
    found = [(lid, c) for lid, c in (await _candidacy(turn, people)).items() if c.proposed]
    if not found:
        return [Out(text=tr("mentor.no_candidates", rule=rule_text(turn)))]
    rows, options = [], []
    for lid, c in found[:MAX_CANDIDATES]:
        learner = await repo.learners.learner(lid)
        name = learner.public_name if learner else "?"
        rows.append(
            tr(
                "mentor.candidate_row",
                name=name,
                levels=", ".join(str(n) for n in c.levels) or "-",
                count=c.teach_backs,
                average=c.average,
            )
        )
        options.append(
            buttons.Mentor("make", lid).as_option(tr("mentor.confirm_button", name=name))
        )
    return [
        Out(
            title=tr("mentor.candidates_title"),
            text="\n".join(rows) + "\n\n" + tr("mentor.candidates_note"),
            options=tuple(options),
        )
    ]


async def make_mentor(turn: Turn, learner_id: int) -> list[Out]:
    """The instructor confirms a proposed mentor: a role grant on the learner's class (or group)
    in the instructor's scope, recorded in the role log with the rule's figures."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    where = await scope.of(deps, repo, turn.learner.id, Action.PROPOSE_MENTOR)
    learner = await repo.learners.learner(learner_id)
    if (
        learner is None
        or learner_id == turn.learner.id
        or not scope.allowed(where)
        or not await scope.has_learner(repo, where, learner_id)
    ):
        return [Out(text=tr("mentor.not_in_scope"))]
    c = (await _candidacy(turn, [learner_id]))[learner_id]
    if not c.proposed:
        return [Out(text=tr("mentor.not_proposed", name=learner.public_name, rule=rule_text(turn)))]
    places = [
        cid for cid in await repo.classes.classes_of(learner_id) if scope.has_unit(where, cid)
    ]
    if learner.unit_id is not None and scope.has_unit(where, learner.unit_id):
        places.append(learner.unit_id)
    if not places:
        return [Out(text=tr("mentor.not_in_scope"))]
    unit = await repo.units.unit(places[0])
    granted = await invites.grant(
        repo,
        learner_id,
        Role.MENTOR,
        places[0],
        turn.learner.id,
        deps.now(),
        via="proposal",
        levels=list(c.levels),
        teach_backs=c.teach_backs,
        average=c.average,
    )
    if granted is None:
        return [Out(text=tr("mentor.already", name=learner.public_name))]
    learner_tr = Translator(learner.language)
    turn.notices.append(
        (
            learner_id,
            [
                Out(
                    title=learner_tr("mentor.welcome_title"),
                    text=learner_tr("mentor.welcome", unit=unit.name if unit else ""),
                )
            ],
        )
    )
    return [
        Out(text=tr("mentor.confirmed", name=learner.public_name, unit=unit.name if unit else ""))
    ]


async def levels(turn: Turn) -> list[Out]:
    """How many learners each class and each mentor has brought through each level."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    where = await scope.of(deps, repo, turn.learner.id, Action.PROPOSE_MENTOR)
    if not scope.allowed(where):
        return [Out(text=tr("mentor.not_instructor"))]
    rows: list[str] = []
    for info in (await repo.classes.classes_in(where))[:20]:
        members = await repo.classes.learners_in([info.unit.id])
        rows.append(
            tr(
                "mentor.levels_class",
                name=info.unit.name,
                members=len(members),
                levels=await _level_counts(turn, members),
            )
        )
    mentors = sorted(await _mentors(repo, sorted(where) if where is not None else None))
    brought = await repo.mentoring.referred_by(mentors)
    for mentor_id in mentors[:20]:
        mentor = await repo.learners.learner(mentor_id)
        people = brought.get(mentor_id, [])
        rows.append(
            tr(
                "mentor.levels_mentor",
                name=mentor.public_name if mentor else "?",
                people=len(people),
                levels=await _level_counts(turn, people),
            )
        )
    return [Out(title=tr("mentor.levels_title"), text="\n".join(rows) or tr("mentor.levels_none"))]


async def _level_counts(turn: Turn, learner_ids: list[int]) -> str:
    curriculum = turn.deps.curriculum
    done = await turn.repo.mentoring.completed_by(learner_ids)
    finished = await _finished(turn, learner_ids)
    started = sum(1 for lid in learner_ids if done[lid])
    counts = {level.number: 0 for level in curriculum.levels}
    for lid in learner_ids:
        for number in finished[lid]:
            counts[number] += 1
    per_level = " · ".join(
        turn.tr("mentor.level_count", level=n, count=k) for n, k in counts.items() if k
    )
    return turn.tr(
        "mentor.levels_line", started=started, levels=per_level or turn.tr("mentor.no_level_yet")
    )
