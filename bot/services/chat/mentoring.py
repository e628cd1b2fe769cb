"""Mentors (Feynman: the best learners teach) and what instructors do for them, in the chat.

A mentor reviews peers' work in their class or group: anonymised, one tap per rubric criterion
and a short comment, which the learner receives as advice (only an instructor's confirmation
changes a score). An instructor marks a review helpful, which pays the mentor once. A mentor's own
invite link credits them with the learners who join through it. The level file's rule proposes
mentors from an instructor's classes and units; the instructor confirms (a role grant, logged).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.i18n import Translator
from bot.services import buttons, invites, permissions, scope, tasks, throttle
from bot.services.chat import onboarding
from bot.services.chat.turn import Turn
from bot.services.conversation import PeerDraft
from bot.services.invites import Event
from bot.services.io import Out
from bot.services.permissions import Action, Role
from bot.services.ports import LearnerRecord, LearnerStatus, UnitOfWork
from bot.services.ports.mentoring import PeerItem, PeerReviewRecord
from bot.services.units import JOIN_ALPHABET
from lessons.textnorm import folded_words
from scoring.mentoring import Candidacy, candidacy, levels_finished
from scoring.points import PEER_REVIEW_POINTS, peer_review_award

STEP = "peer_comment"  # "peer_comment:<submission>": the mentor's comment on that work is next
LINK_PREFIX = onboarding.MENTOR_LINK_PREFIX  # a mentor's invite link: start=m_<code>
LINK_LENGTH = 8
PEER_WINDOW = timedelta(days=14)  # work older than this is not offered for review
EXCERPT = 1200
MAX_COMMENT = 500
MAX_CANDIDATES = 10
JUDGE_PAGE = 5
FINDINGS: tuple[buttons.Finding, ...] = ("met", "partly", "missing")
MARK = {"met": "✅", "partly": "🔸", "missing": "❌"}


# ---- the menu --------------------------------------------------------------------------------

async def command(turn: Turn, _args: str) -> list[Out]:
    if (turn.state.step or "").startswith(STEP):  # a comment left half-typed; joining steps stay
        turn.state.step = None
    return await menu(turn)


async def menu(turn: Turn) -> list[Out]:
    """/mentor: a mentor's tools; an instructor's proposals, reviews to judge and level figures;
    for everyone else, how far they are from being proposed."""
    tr, repo, deps, me = turn.tr, turn.repo, turn.deps, turn.learner
    out: list[Out] = []
    peers = await scope.of(deps, repo, me.id, Action.PEER_REVIEW)
    if scope.allowed(peers):
        written, helpful = await repo.mentoring.mentor_stats(me.id)
        units = peers if peers is not None else {u.id for u in await repo.units.units()}
        waiting = await repo.mentoring.peer_candidates(units, me.id, deps.now() - PEER_WINDOW,
                                                       50)
        out.append(Out(title=tr("mentor.menu_title"),
                       text=tr("mentor.menu", written=written, helpful=helpful,
                               points=PEER_REVIEW_POINTS, waiting=len(waiting)),
                       options=(buttons.Mentor("peer").as_option(tr("mentor.peer_button")),
                                buttons.Mentor("mine").as_option(tr("mentor.mine_button")),
                                buttons.Mentor("link").as_option(tr("mentor.link_button")))))
    proposing = await scope.of(deps, repo, me.id, Action.PROPOSE_MENTOR)
    if scope.allowed(proposing):
        judging = await scope.of(deps, repo, me.id, Action.REVIEW)
        to_judge = await repo.mentoring.count_to_judge(judging) if scope.allowed(judging) else 0
        out.append(Out(title=tr("mentor.instructor_title"),
                       text=tr("mentor.instructor", to_judge=to_judge, rule=rule_text(turn)),
                       options=(buttons.Mentor("propose").as_option(tr("mentor.propose_button")),
                                buttons.Mentor("judge").as_option(tr("mentor.judge_button")),
                                buttons.Mentor("levels").as_option(tr("mentor.levels_button")))))
    if not out:
        mine = await _candidacy(turn, [me.id])
        c = mine[me.id]
        out.append(Out(title=tr("mentor.learner_title"),
                       text=tr("mentor.learner", count=c.teach_backs, average=c.average,
                               rule=rule_text(turn)),
                       options=(buttons.Command("teachback").as_option(
                           tr("mentor.teachback_button")),)))
    return out


def rule_text(turn: Turn) -> str:
    rule = turn.deps.curriculum.mentor_rule
    key = "mentor.rule_level" if rule.level_done else "mentor.rule"
    return turn.tr(key, average=rule.teach_back_average, count=rule.min_teach_backs)


async def on_button(turn: Turn, button: buttons.Mentor) -> list[Out]:
    """A tapped (or numbered) "mt:..." option."""
    action, number = button.action, button.id
    if action == "menu":
        return await menu(turn)
    if action == "peer":
        return await next_peer(turn)
    if action == "mine":
        return await mine(turn)
    if action == "link":
        return await link(turn)
    if action == "propose":
        return await propose(turn)
    if action == "judge":
        return await to_judge(turn)
    if action == "levels":
        return await levels(turn)
    if action == "rev":
        return await start_review(turn, number)
    if action == "mk":
        assert button.finding
        return await mark(turn, number, button.index, button.finding)
    if action == "nocm":
        return await save_review(turn, number, "")
    if action in ("ok", "no"):
        return await judge(turn, number, helpful=action == "ok")
    return await make_mentor(turn, number)  # "make"


# ---- peer review -----------------------------------------------------------------------------

async def next_peer(turn: Turn) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    peers = await scope.of(deps, repo, turn.learner.id, Action.PEER_REVIEW)
    if not scope.allowed(peers):
        return [Out(text=tr("mentor.not_mentor"))]
    units = peers if peers is not None else {u.id for u in await repo.units.units()}
    found = await repo.mentoring.peer_candidates(units, turn.learner.id,
                                                 deps.now() - PEER_WINDOW, 1)
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


async def _criteria(turn: Turn, item: PeerItem, learner: LearnerRecord | None
                    ) -> list[tuple[str, str, str]]:
    lesson = await tasks.graded_as(turn.deps, turn.repo, item.lesson_id,
                                   learner.occupation if learner else None)
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
    head = Out(title=tr("mentor.peer_title"),
               text=tr("mentor.peer_item", task=tasks.title(turn.deps, item.lesson_id, tr),
                       text=text, criteria=len(criteria)))
    return [head, _criterion_question(turn, item.submission_id, criteria, 0)]


def _criterion_question(turn: Turn, submission_id: int, criteria: list[tuple[str, str, str]],
                        index: int) -> Out:
    tr = turn.tr
    _cid, title, judge_text = criteria[index]
    return Out(text=tr("mentor.criterion", n=index + 1, total=len(criteria), title=title,
                       judge=judge_text),
               options=tuple(buttons.Mentor("mk", submission_id, index, f).as_option(
                   f"{MARK[f]} {tr(f'mentor.finding.{f}')}") for f in FINDINGS))


async def mark(turn: Turn, submission_id: int, index: int, finding: buttons.Finding
               ) -> list[Out]:
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
    return [Out(text=tr("mentor.ask_comment", limit=MAX_COMMENT),
                options=(buttons.Mentor("nocm", submission_id).as_option(
                    tr("mentor.no_comment")),))]


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
    if author is None or len(findings) != len(criteria) or any(
            f not in FINDINGS for f in findings):
        return [Out(text=tr("choice.stale"))]
    marks = {cid: f for (cid, _t, _j), f in zip(criteria, findings, strict=True)}
    review_id = await repo.mentoring.add_peer_review(submission_id, turn.learner.id, marks,
                                                     comment, deps.now())
    if review_id is None:
        return [Out(text=tr("mentor.already_reviewed"))]
    await repo.roles.log(turn.learner.id, Event.PEER_REVIEW, author.id, author.unit_id,
                         {"review_id": review_id, "submission_id": submission_id}, deps.now())
    author_tr = Translator(author.language)
    lines = [f"{MARK[f]} {title}" for (_c, title, _j), f in zip(criteria, findings, strict=True)]
    told = author_tr("mentor.told", task=tasks.title(deps, item.lesson_id, author_tr),
                     marks="\n".join(lines))
    if comment:
        told += "\n" + author_tr("mentor.told_comment", comment=comment)
    turn.notices.append((author.id, [Out(title=author_tr("mentor.told_title"),
                                         text=told + "\n\n" + author_tr("mentor.told_advice"))]))
    return [Out(text=tr("mentor.saved", points=PEER_REVIEW_POINTS),
                options=(buttons.Mentor("peer").as_option(tr("mentor.next_peer")),))]


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
    return [Out(text=turn.tr("mentor.judge_waiting", count=count),
                options=(buttons.Mentor("judge").as_option(turn.tr("mentor.judge_button")),))]


async def _judge_item(turn: Turn, review: PeerReviewRecord) -> Out:
    tr = turn.tr
    author = await turn.repo.learners.learner(review.learner_id)
    item = await turn.repo.mentoring.peer_item(review.submission_id)
    titles = {cid: title for cid, title, _j in
              (await _criteria(turn, item, author) if item else [])}
    lines = [f"{MARK.get(f, '•')} {titles.get(cid, cid)}" for cid, f in review.marks.items()]
    text = tr("mentor.judge_item", mentor=review.mentor_name,
              task=tasks.title(turn.deps, review.lesson_id, tr),
              score="-" if review.score is None else review.score, marks="\n".join(lines),
              comment=review.comment or "-")
    options = [buttons.Mentor("ok", review.id).as_option(tr("mentor.helpful")),
               buttons.Mentor("no", review.id).as_option(tr("mentor.not_helpful"))]
    if review.grade_id is not None:
        options.append(buttons.Review("set", review.grade_id).as_option(tr("mentor.change_score")))
    return Out(title=tr("mentor.judge_title", id=review.id), text=text, options=tuple(options))


async def judge(turn: Turn, review_id: int, helpful: bool) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    review = await repo.mentoring.peer_review(review_id)
    judging = await scope.of(deps, repo, turn.learner.id, Action.REVIEW)
    if review is None or not scope.allowed(judging) or not await scope.has_learner(
            repo, judging, review.learner_id):
        return [Out(text=tr("mentor.review_not_yours"))]
    verdict = "helpful" if helpful else "not_helpful"
    if not await repo.mentoring.judge(review_id, verdict, turn.learner.id, deps.now()):
        return [Out(text=tr("mentor.already_judged"))]
    mentor = await repo.learners.learner(review.mentor_id)
    await repo.roles.log(turn.learner.id, Event.PEER_REVIEW_VERDICT, review.mentor_id,
                         mentor.unit_id if mentor else None,
                         {"review_id": review_id, "verdict": verdict}, deps.now())
    if not helpful:
        return [Out(text=tr("mentor.judged_not_helpful"))]
    award = peer_review_award(review.mentor_id, review_id)
    paid = await repo.ledger.award(review.mentor_id, award, deps.now())
    # The ranks work's badges.mentor_review_helpful(...) hook belongs here (not on main yet).
    if paid and mentor is not None:
        mentor_tr = Translator(mentor.language)
        turn.notices.append((mentor.id, [Out(text=mentor_tr(
            "mentor.told_helpful", task=tasks.title(deps, review.lesson_id, mentor_tr),
            points=award.points))]))
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
    people = [p for p in await repo.classes.learners_in(units)
              if p != turn.learner.id and p not in already]
    found = [(lid, c) for lid, c in (await _candidacy(turn, people)).items() if c.proposed]
    if not found:
        return [Out(text=tr("mentor.no_candidates", rule=rule_text(turn)))]
    rows, options = [], []
    for lid, c in found[:MAX_CANDIDATES]:
        learner = await repo.learners.learner(lid)
        name = learner.public_name if learner else "?"
        rows.append(tr("mentor.candidate_row", name=name,
                       levels=", ".join(str(n) for n in c.levels) or "-", count=c.teach_backs,
                       average=c.average))
        options.append(buttons.Mentor("make", lid).as_option(
            tr("mentor.confirm_button", name=name)))
    return [Out(title=tr("mentor.candidates_title"),
                text="\n".join(rows) + "\n\n" + tr("mentor.candidates_note"),
                options=tuple(options))]


async def make_mentor(turn: Turn, learner_id: int) -> list[Out]:
    """The instructor confirms a proposed mentor: a role grant on the learner's class (or group)
    in the instructor's scope, recorded in the role log with the rule's figures."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    where = await scope.of(deps, repo, turn.learner.id, Action.PROPOSE_MENTOR)
    learner = await repo.learners.learner(learner_id)
    if learner is None or learner_id == turn.learner.id or not scope.allowed(where) \
            or not await scope.has_learner(repo, where, learner_id):
        return [Out(text=tr("mentor.not_in_scope"))]
    c = (await _candidacy(turn, [learner_id]))[learner_id]
    if not c.proposed:
        return [Out(text=tr("mentor.not_proposed", name=learner.public_name,
                            rule=rule_text(turn)))]
    places = [cid for cid in await repo.classes.classes_of(learner_id)
              if scope.has_unit(where, cid)]
    if learner.unit_id is not None and scope.has_unit(where, learner.unit_id):
        places.append(learner.unit_id)
    if not places:
        return [Out(text=tr("mentor.not_in_scope"))]
    unit = await repo.units.unit(places[0])
    granted = await invites.grant(repo, learner_id, Role.MENTOR, places[0], turn.learner.id,
                                  deps.now(), via="proposal", levels=list(c.levels),
                                  teach_backs=c.teach_backs, average=c.average)
    if granted is None:
        return [Out(text=tr("mentor.already", name=learner.public_name))]
    learner_tr = Translator(learner.language)
    turn.notices.append((learner_id, [Out(title=learner_tr("mentor.welcome_title"),
                                          text=learner_tr("mentor.welcome",
                                                          unit=unit.name if unit else ""))]))
    return [Out(text=tr("mentor.confirmed", name=learner.public_name,
                        unit=unit.name if unit else ""))]


async def levels(turn: Turn) -> list[Out]:
    """How many learners each class and each mentor has brought through each level."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    where = await scope.of(deps, repo, turn.learner.id, Action.PROPOSE_MENTOR)
    if not scope.allowed(where):
        return [Out(text=tr("mentor.not_instructor"))]
    rows: list[str] = []
    for info in (await repo.classes.classes_in(where))[:20]:
        members = await repo.classes.learners_in([info.unit.id])
        rows.append(tr("mentor.levels_class", name=info.unit.name, members=len(members),
                       levels=await _level_counts(turn, members)))
    mentors = sorted(await _mentors(repo, sorted(where) if where is not None else None))
    brought = await repo.mentoring.referred_by(mentors)
    for mentor_id in mentors[:20]:
        mentor = await repo.learners.learner(mentor_id)
        people = brought.get(mentor_id, [])
        rows.append(tr("mentor.levels_mentor", name=mentor.public_name if mentor else "?",
                       people=len(people), levels=await _level_counts(turn, people)))
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
    per_level = " · ".join(turn.tr("mentor.level_count", level=n, count=k)
                           for n, k in counts.items() if k)
    return turn.tr("mentor.levels_line", started=started,
                   levels=per_level or turn.tr("mentor.no_level_yet"))


# ---- "Người tôi đã hướng dẫn" and the mentor's own link --------------------------------------

async def _is_mentor(turn: Turn) -> bool:
    return scope.allowed(await scope.of(turn.deps, turn.repo, turn.learner.id,
                                        Action.PEER_REVIEW))


async def mine(turn: Turn) -> list[Out]:
    tr = turn.tr
    if not await _is_mentor(turn):
        return [Out(text=tr("mentor.not_mentor"))]
    people = await turn.repo.mentoring.referred(turn.learner.id)
    credited = [p for p in people if p.lessons_done > 0]
    rows = [tr("mentor.mine_row", name=p.name, lessons=p.lessons_done) for p in people[:30]]
    text = tr("mentor.mine", invited=len(people), credited=len(credited))
    return [Out(title=tr("mentor.mine_title"), text=text + ("\n\n" + "\n".join(rows)
                                                           if rows else ""))]


async def link(turn: Turn) -> list[Out]:
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    if not await _is_mentor(turn):
        return [Out(text=tr("mentor.not_mentor"))]
    code = await repo.mentoring.link_code(turn.learner.id)
    while code is None:
        candidate = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(LINK_LENGTH))
        if await repo.mentoring.mentor_of_code(candidate) is None and \
                await repo.mentoring.add_link(candidate, turn.learner.id, deps.now()):
            code = candidate
    target = f"{deps.bot_link}?start={LINK_PREFIX}{code}" if deps.bot_link \
        else f"/start {LINK_PREFIX}{code}"
    return [Out(title=tr("mentor.link_title"), text=tr("mentor.link", link=target))]


async def open_link(turn: Turn, args: str) -> list[Out]:
    """'/start m_CODE' (the hidden command "mentorlink"): a new learner is credited to the mentor
    and joins the mentor's group (when they have none), then goes on joining; someone already
    studying is thanked, and nothing changes."""
    return onboarding.go_on(turn, await _open_link(turn, args))


async def _open_link(turn: Turn, raw: str) -> list[Out]:
    tr, repo, deps, learner = turn.tr, turn.repo, turn.deps, turn.learner
    now = deps.now()
    who = throttle.keys(learner.id, turn.event.channel, turn.event.chat_id)
    if await throttle.blocked(repo, who, now):
        return [Out(text=tr("roles.throttled", minutes=throttle.window_minutes()))]
    code = raw.strip()
    code = (code[len(LINK_PREFIX):] if code.lower().startswith(LINK_PREFIX) else code).upper()
    mentor_id = await repo.mentoring.mentor_of_code(code) if code.isalnum() else None
    mentor = await repo.learners.learner(mentor_id) if mentor_id is not None else None
    if mentor is None or not any(r.role == Role.MENTOR
                                 for r in await permissions.roles_of(repo, mentor.id)):
        await throttle.failed(repo, who, now)
        return [Out(text=tr("mentor.link_unknown"))]
    if mentor.id == learner.id:
        return [Out(text=tr("mentor.own_link"))]
    if learner.status != LearnerStatus.ONBOARDING:
        return [Out(text=tr("mentor.link_existing", mentor=mentor.public_name))]
    await repo.mentoring.add_referral(learner.id, mentor.id, now)
    unit = await repo.units.unit(mentor.unit_id) if mentor.unit_id else None
    if learner.unit_id is None and unit is not None:
        await repo.learners.update_learner(learner.id, unit_id=unit.id)
        learner.unit_id = unit.id
    return [Out(text=tr("mentor.link_welcome", mentor=mentor.public_name,
                        group=unit.name if unit else "-"))]
