"""The conversation: one inbound event in, the messages to answer out, for every channel.

Each channel's handlers parse their update into `Inbound`, call `Dialog.handle`, and render the
answer. Onboarding, commands, numbered replies, keywords and practice work are decided here once.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from bot.i18n import Translator
from bot.services import (
    challenges,
    choices,
    classes,
    intent,
    invites,
    learning,
    linking,
    mentoring,
    permissions,
    review,
    role_tools,
    roles_chat,
    scope,
    speech,
    standings,
    submissions,
    teachback,
    teachback_chat,
    throttle,
    tryai,
)
from bot.services.context import Deps
from bot.services.io import Inbound, Option, Out, OutFile
from bot.services.parsing import (
    keyword_command,
    numbered_choice,
    parse_birth_year,
    parse_time,
    split_command,
)
from bot.services.ports import IdentityRecord, LearnerRecord, LearnerStatus, UnitOfWork, UnitRecord
from bot.services.turn import Later
from lessons.textnorm import folded_words, strip_invisible

log = logging.getLogger(__name__)

OCCUPATIONS = ("official", "business", "worker", "farmer", "student", "other")
LESSON_TIMES = ("06:30", "12:00", "19:00", "20:30")
COMMANDS = ("start", "lesson", "progress", "leaderboard", "settings", "help", "stop", "mydata",
            "deleteme", "link", "appeal", "review", "roles", "invite", "demo",
            "class", "challenge", "checkin", "mentor", "teachback")
# Typed or tapped, never slash commands: start the quiz, the next lesson today, "Nộp bài".
ACTIONS = ("quiz", "next", "submit")
SENT_AS_WORK = "submit"  # identity state: the lesson whose work the next message is
HELD_WORK = "held"  # identity state: a short message waiting for "is this your work?"
MAX_NAME = 40
TARGET_AGES = (15, 60)


class Dialog:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def handle(self, event: Inbound) -> list[Out]:
        """Answer one event. Work that must not be lost is committed before this returns."""
        deps = self.deps
        if event.is_group:
            # In a group the bot answers commands only, so it never floods a neighbourhood chat.
            if event.kind == "command":
                return [Out(text=Translator(_lang_hint(event))("group.private_only"))]
            return []
        async with deps.store.transaction() as repo:
            if event.update_key and not await repo.inbox.first_time_seen(
                event.channel, event.update_key, deps.now()
            ):
                return []
            identity = await repo.learners.identity(event.channel, event.external_id)
            if identity is None:
                learner, identity = await repo.learners.create_learner(
                    event.channel, event.external_id, event.chat_id,
                    _nickname(event.external_id), deps.timezone, deps.now(),
                )
            else:
                await repo.learners.touch_identity(identity.id, event.chat_id, deps.now())
                found = await repo.learners.learner(identity.learner_id)
                assert found is not None  # identities cascade with their learner
                learner = found
            tr = Translator(learner.language)
            turn = _Turn(deps, repo, learner, identity, tr, event)
            out = await turn.run()
            await turn.remember(out)
        await _tell_others(deps, turn.notices)  # after the commit, so they see the new state
        if turn.work is None and turn.later is None:
            return out
        # Work is graded, and a model or speech server asked, after the first commit.
        if turn.work is not None:
            more = await submissions.receive(deps, learner, turn.work, tr)
        else:
            assert turn.later is not None
            more = await turn.later()
        async with deps.store.transaction() as repo:
            turn.repo = repo  # the same turn: what it changed in the state is kept
            await turn.remember(more)
        return out + more


async def _tell_others(deps: Deps, notices: list[tuple[int, list[Out]]]) -> None:
    for learner_id, messages in notices:
        if deps.notify is None:
            log.info("no notifier: learner %s not told %d messages", learner_id, len(messages))
            continue
        try:
            await deps.notify(learner_id, messages)
        except Exception as exc:  # telling is best effort; the data is stored
            log.warning("could not notify learner %s: %r", learner_id, exc)


def _nickname(external_id: str) -> str:
    digits = re.sub(r"\D", "", external_id)[-4:] or external_id[-4:]
    return f"Học viên {digits}"


def _lang_hint(event: Inbound) -> str:
    return "en" if event.language.startswith("en") else "vi"


class _Turn:
    """One event for one learner, inside one transaction."""

    def __init__(
        self, deps: Deps, repo: UnitOfWork, learner: LearnerRecord, identity: IdentityRecord,
        tr: Translator, event: Inbound,
    ) -> None:
        self.deps, self.repo, self.learner, self.identity = deps, repo, learner, identity
        self.tr, self.event = tr, event
        self.state: dict[str, Any] = dict(identity.state or {})
        # "Nộp bài" and "is this your work?" hold for the next message only.
        self.sent_as_work: str | None = self.state.pop(SENT_AS_WORK, None)
        self.held: dict[str, Any] | None = self.state.pop(HELD_WORK, None)
        self.work: submissions.Incoming | None = None
        self.later: Later | None = None  # a model or speech call, made after the commit
        self.notices: list[tuple[int, list[Out]]] = []  # messages for other learners

    async def remember(self, out: list[Out]) -> None:
        """Keep the last offered options, so that '2' or 'B' can answer them on any channel."""
        offered = [o for o in out if o.options and o.remember_options]
        if offered:
            choices.remember(self.state, offered[-1])
        await self.repo.learners.save_state(self.identity.id, self.state)

    # ---- routing -------------------------------------------------------------------------

    async def run(self) -> list[Out]:
        ev, tr = self.event, self.tr
        if ev.edited:
            return [Out(text=tr("input.edited"))]
        if ev.kind == "command":
            return await self.command(ev.command, ev.args)
        if ev.kind == "choice":
            return await self.choice(ev.choice)
        if ev.kind == "voice" and self.learner.status != LearnerStatus.ONBOARDING:
            return speech.voice_note(self)
        if ev.kind in ("sticker", "voice", "video", "location", "contact", "document", "other"):
            return [Out(text=tr(f"input.{ev.kind}"))]
        if ev.kind == "unsupported":
            return [Out(text=tr("input.unsupported"))]
        if ev.kind == "text":
            parsed = split_command(ev.text)
            if parsed:
                return await self.command(*parsed)
            link_code = linking.parse_link_text(ev.text)
            if link_code is not None:  # "liên kết" / "lien ket CODE", even while onboarding
                return await self.command("link", link_code)
            invite_code = roles_chat.typed_code(ev.text)
            if invite_code is not None:  # a role invite typed, even while onboarding
                return await self.open_invite(invite_code)
            checkin_code = classes.typed_checkin(ev.text)
            if checkin_code is not None:  # "điểm danh K7M2QX" at an in-person session
                return await self.command("checkin", checkin_code)
        step = self.state.get("step")
        if ev.kind == "text" and self.learner.status != LearnerStatus.ONBOARDING:
            keyword = keyword_command(ev.text)
            if keyword:  # keywords work in every step, so nobody is stuck in one
                return await self.command(keyword, "")
        if ev.kind == "text" and step and step.startswith("review_score:"):
            return await self.step_input(step)
        if self.learner.status == LearnerStatus.ONBOARDING:
            return await self.onboarding_input()
        if ev.kind == "text" and step:
            return await self.step_input(step)
        if ev.kind == "text":
            if classes.bare_code(ev.text):  # a session's code, typed alone
                checked = await classes.checkin(self, ev.text, bare=True)
                if checked is not None:
                    return checked
            picked = self.offered_choice(ev.text)
            if picked is not None:
                return await self.choice(picked)
            if speech.is_listen(ev.text):
                return await speech.listen(self)
            if tryai.is_start(ev.text):
                return await tryai.start(self)
        if ev.forwarded:
            return [Out(text=tr("input.forwarded"))]
        return await self.work_or_hint()

    async def command(self, name: str, args: str) -> list[Out]:
        tr, learner = self.tr, self.learner
        if name == "start":
            return await self.start(args)
        if name == "help":
            return [self.help()]
        if name == "link":  # before onboarding: a new channel links to a learner who studies
            return await self.link(args)
        if name == "review":  # instructors need not be learners themselves
            units = await self.review_scope()
            if not scope.allowed(units):
                return [Out(text=tr("review.not_allowed"))]
            return [*await review.queue(self.deps, self.repo, tr, units),
                    *await mentoring.judge_section(self, units)]
        if name == "roles":
            return [*await roles_chat.my_roles(self.deps, self.repo, learner, tr),
                    *await role_tools.tools(self)]
        if name == "invite":
            return await roles_chat.invite_command(self.deps, self.repo, learner, tr, args)
        if name == "demo":
            out = await roles_chat.demo(self.deps, self.repo, learner, tr, self.event, args)
            return out + await role_tools.tools(self) if args.split() else out
        if name == "class":  # an instructor's classes (a learner's own classes otherwise)
            return await classes.menu(self)
        if name == "challenge":
            return await challenges.menu(self)
        if name == "mentor":
            return await mentoring.menu(self)
        if name == "checkin":
            if not args.strip():
                return [Out(text=tr("class.checkin_usage"))]
            return await self.then_onboarding(await classes.checkin(self, args) or [])
        if name not in COMMANDS + ACTIONS:
            return [Out(text=tr("command.unknown", command=name)), self.help()]
        if learner.status == LearnerStatus.ONBOARDING:
            return [Out(text=tr("onboarding.finish_first")), *await self.ask(self.state.get("step"))]
        self.state.pop("step", None)
        if name == "lesson":
            return await self.lesson()
        if name == "next":
            return await self.more_today()
        if name == "quiz":
            return await self.start_quiz(None)
        if name == "submit":
            return await self.submit()
        if name == "progress":
            return [await standings.progress(self.deps, self.repo, learner, tr)]
        if name == "leaderboard":
            return await standings.leaderboard(self.deps, self.repo, learner, tr)
        if name == "settings":
            return [self.settings_menu()]
        if name == "stop":
            await self.repo.learners.update_learner(learner.id, status=LearnerStatus.PAUSED)
            return [Out(text=tr("stop.done"))]
        if name == "mydata":
            return await self.mydata()
        if name == "teachback":
            return await teachback_chat.command(self)
        if name == "appeal":
            latest = await self.repo.grades.latest_grade(learner.id)
            if latest is None:
                return [Out(text=tr("appeal.unknown"))]
            return await review.appeal(self.deps, self.repo, learner.id, latest.id, tr)

        return [Out(text=tr("delete.confirm"), options=(
            Option("del:yes", tr("delete.yes")), Option("del:no", tr("delete.no"))))]

    async def choice(self, key: str) -> list[Out]:
        tr, learner = self.tr, self.learner
        kind, _, rest = key.partition(":")
        if kind == "rv":
            return await self.review_choice(rest)
        if kind == "ob":
            return await self.onboarding_choice(rest)
        if kind == classes.PREFIX:  # an instructor's classes and sessions
            return await classes.choice(self, rest)
        if kind == challenges.PREFIX:
            return await challenges.choice(self, rest)
        if kind == mentoring.PREFIX:
            return await mentoring.choice(self, rest)
        if kind == roles_chat.PREFIX:  # role invites: before onboarding, too
            out = await roles_chat.choice(self.deps, self.repo, learner, tr, self.state, rest)
            if learner.status == LearnerStatus.ONBOARDING and rest == "yes":
                out += await self.ask(self.state.get("step"))
            return out
        if learner.status == LearnerStatus.ONBOARDING:
            return await self.ask(self.state.get("step"))
        if kind == "q":
            lesson_id, q, opt = [*rest.rsplit(":", 2), "", ""][:3]
            if not (q.isdigit() and opt.isdigit()):
                return [Out(text=tr("quiz.unknown"))]
            return await learning.answer_quiz(
                self.deps, self.repo, learner, lesson_id, int(q), int(opt), tr
            )
        if kind == learning.START_QUIZ:
            return await self.start_quiz(rest)
        if kind == "work":
            return await self.work_choice(rest)
        if kind == "cmd":
            return await self.command(rest, "")
        if kind == "set":
            return await self.settings_choice(rest)
        if kind == "sp":  # "Nghe bài học", and confirming a voice note's transcript
            return await speech.choice(self, rest)
        if kind == "ai":  # "Thử với AI ngay đây"
            return await tryai.choice(self, rest)
        if kind == teachback.PREFIX:  # "Gửi bài dạy lại"
            return await teachback_chat.choice(self, rest)
        if kind == "ack":  # the one tap that ends a pushed lesson and keeps a Zalo OA window open
            return [Out(text=tr("lesson.ack_done"))]
        if kind == "ap" and rest.isdigit():
            return await review.appeal(self.deps, self.repo, learner.id, int(rest), tr)
        if kind == "del":
            if rest == "yes":
                await self.repo.learners.delete_learner(learner.id)
                return [Out(text=tr("delete.done"), remember_options=False)]
            return [Out(text=tr("delete.kept"))]
        return [Out(text=tr("choice.stale"))]

    # ---- onboarding ----------------------------------------------------------------------

    async def start(self, args: str) -> list[Out]:
        tr, learner = self.tr, self.learner
        if args.strip().lower().startswith(invites.DEEP_LINK_PREFIX):  # t.me/...?start=r_CODE
            return await self.open_invite(args.strip())
        if args.strip().lower().startswith(classes.SESSION_PREFIX):  # a session's QR code
            return await self.then_onboarding(await classes.checkin(self, args.strip()) or [])
        if args.strip().lower().startswith(mentoring.LINK_PREFIX):  # a mentor's own link
            return await self.then_onboarding(await mentoring.open_link(self, args.strip()))
        code = _join_code(args)
        unit, blocked = await self.group_by_code(code)
        if blocked:
            return blocked
        if unit is not None and classes.is_class(unit):  # a class: joined, own group kept
            return await self.then_onboarding(await classes.join(self, unit))
        if learner.status == LearnerStatus.ONBOARDING:
            if unit is not None:
                await self.repo.learners.update_learner(learner.id, unit_id=unit.id)
                self.learner.unit_id = unit.id
                self.state["step"] = "consent"
                return [Out(text=tr("onboarding.welcome_group", group=unit.name)),
                        *await self.ask("consent")]
            intro = [Out(text=tr("onboarding.welcome"))]
            if code:
                intro.append(Out(text=tr("onboarding.bad_code", code=code)))
            self.state["step"] = "group"
            return intro + await self.ask("group")
        out: list[Out] = []
        if unit is not None and unit.id != learner.unit_id:
            await self.repo.learners.update_learner(learner.id, unit_id=unit.id)
            out.append(Out(text=tr("group.moved", group=unit.name)))
        elif code and unit is None:
            out.append(Out(text=tr("onboarding.bad_code", code=code)))
        if learner.status == LearnerStatus.PAUSED:
            await self.repo.learners.update_learner(learner.id, status=LearnerStatus.ACTIVE)
            out.append(Out(text=tr("start.resumed", time=learner.lesson_time or "")))
        else:
            out.append(Out(text=tr("start.again", name=learner.public_name)))
        out.append(Out(text=tr("start.menu"), options=(
            Option("cmd:lesson", tr("menu.lesson")), Option("cmd:progress", tr("menu.progress")),
            Option("cmd:leaderboard", tr("menu.leaderboard")),
        )))
        return out

    async def then_onboarding(self, out: list[Out]) -> list[Out]:
        """After a class code, a session's QR or a mentor's link: a new learner goes on with the
        first questions (the group one only when the link gave them no group)."""
        if self.learner.status != LearnerStatus.ONBOARDING:
            return out
        step = "consent" if self.learner.unit_id is not None else "group"
        if self.state.get("step") in (None, "group"):
            self.state["step"] = step
        if self.state["step"] == "group":
            return [Out(text=self.tr("onboarding.welcome")), *out, *await self.ask("group")]
        return [*out, *await self.ask(self.state["step"])]

    async def group_by_code(self, code: str) -> tuple[UnitRecord | None, list[Out]]:
        """The group a join code opens; a wrong code counts against the person and the chat,
        and after too many (throttle.LIMIT in throttle.WINDOW) no code is looked up at all."""
        if not code:
            return None, []
        who = throttle.keys(self.learner.id, self.event.channel, self.event.chat_id)
        if await throttle.blocked(self.repo, who, self.deps.now()):
            minutes = int(throttle.WINDOW.total_seconds() // 60)
            return None, [Out(text=self.tr("roles.throttled", minutes=minutes))]
        unit = await self.repo.units.unit_by_join_code(code)
        if unit is None:
            await throttle.failed(self.repo, who, self.deps.now())
        return unit, []

    async def ask(self, step: str | None) -> list[Out]:
        tr = self.tr
        if step is None or step == "group":
            self.state["step"] = "group"
            return [Out(text=tr("onboarding.ask_group"),
                        options=(Option("ob:nogroup", tr("onboarding.no_group")),))]
        if step == "consent":
            return [Out(title=tr("onboarding.consent_title"), text=tr("onboarding.consent"),
                        options=(Option("ob:consent:yes", tr("onboarding.agree")),
                                 Option("ob:consent:no", tr("onboarding.disagree"))))]
        if step == "name":
            options: tuple[Option, ...] = ()
            shown = _clean_name(self.event.display_name)
            if shown:
                options = (Option("ob:name:platform", tr("onboarding.use_name", name=shown)),)
            return [Out(text=tr("onboarding.ask_name"), options=options)]
        if step == "birth":
            return [Out(text=tr("onboarding.ask_birth"),
                        options=(Option("ob:birth:skip", tr("onboarding.skip")),))]
        if step == "occupation":
            return [Out(text=tr("onboarding.ask_occupation"), options=tuple(
                Option(f"ob:occ:{o}", tr(f"occupation.{o}")) for o in OCCUPATIONS))]
        if step in ("time", "settings_time"):
            prefix = "ob:time:" if step == "time" else "set:time:"
            return [Out(text=tr("onboarding.ask_time"), columns=2, options=tuple(
                Option(prefix + t.replace(":", ""), t) for t in LESSON_TIMES))]
        return []

    async def onboarding_input(self) -> list[Out]:
        ev, tr = self.event, self.tr
        step = self.state.get("step") or "group"
        text = strip_invisible(ev.text).strip()
        if ev.kind == "text" and step != "name":  # a name may be any word ("Dũng", "Học")
            keyword = keyword_command(text)
            if keyword:
                return await self.command(keyword, "")
            picked = self.offered_choice(text)
            if picked is not None:
                return await self.choice(picked)
        elif ev.kind == "text":
            index = numbered_choice(text)
            options = self.state.get("options") or []
            if index is not None and 0 <= index < len(options):
                return await self.choice(options[index])
        if ev.kind != "text" or not text:
            return [Out(text=tr("onboarding.text_please")), *await self.ask(step)]
        if step == "group":
            unit, blocked = await self.group_by_code(_join_code(text))
            if blocked:
                return blocked
            if unit is None:
                return [Out(text=tr("onboarding.bad_code", code=text[:20])), *await self.ask(step)]
            if classes.is_class(unit):
                return await self.then_onboarding(await classes.join(self, unit))
            await self.repo.learners.update_learner(self.learner.id, unit_id=unit.id)
            self.state["step"] = "consent"
            return [Out(text=tr("onboarding.joined", group=unit.name)), *await self.ask("consent")]
        if step == "consent":
            return [Out(text=tr("onboarding.tap_consent")), *await self.ask(step)]
        if step == "name":
            name = _clean_name(text)
            if not name:
                return [Out(text=tr("onboarding.bad_name", limit=MAX_NAME)), *await self.ask(step)]
            return await self.set_name(name)
        if step == "birth":
            year = parse_birth_year(text, self.deps.now().year)
            if year is None:
                return [Out(text=tr("onboarding.bad_birth")), *await self.ask(step)]
            return await self.set_birth(year)
        if step == "occupation":
            return [Out(text=tr("onboarding.tap_occupation")), *await self.ask(step)]
        if step == "time":
            hhmm = parse_time(text)
            if hhmm is None:
                return [Out(text=tr("onboarding.bad_time", text=text[:20])), *await self.ask(step)]
            return await self.set_time(hhmm)
        return await self.ask("group")

    async def onboarding_choice(self, rest: str) -> list[Out]:
        tr, learner = self.tr, self.learner
        if learner.status != LearnerStatus.ONBOARDING:
            return [Out(text=tr("choice.stale"))]
        if rest == "nogroup":
            self.state["step"] = "consent"
            return [Out(text=tr("onboarding.later_group")), *await self.ask("consent")]
        if rest == "consent:yes":
            await self.repo.learners.update_learner(learner.id, consent_at=self.deps.now())
            self.state["step"] = "name"
            return await self.ask("name")
        if rest == "consent:no":
            self.state["step"] = "consent"
            return [Out(text=tr("onboarding.no_consent")), *await self.ask("consent")]
        if rest == "name:platform":
            name = _clean_name(self.event.display_name)
            return await self.set_name(name) if name else await self.ask("name")
        if rest == "birth:skip":
            self.state["step"] = "occupation"
            return await self.ask("occupation")
        if rest.startswith("occ:") and rest[4:] in OCCUPATIONS:
            await self.repo.learners.update_learner(learner.id, occupation=rest[4:])
            self.state["step"] = "time"
            return await self.ask("time")
        if rest.startswith("time:"):
            hhmm = parse_time(_key_time(rest[5:]))
            if hhmm:
                return await self.set_time(hhmm)
        return [Out(text=tr("choice.stale")), *await self.ask(self.state.get("step"))]

    async def set_name(self, name: str) -> list[Out]:
        await self.repo.learners.update_learner(self.learner.id, display_name=name)
        self.state["step"] = "birth"
        return [Out(text=self.tr("onboarding.hello", name=name)), *await self.ask("birth")]

    async def set_birth(self, year: int) -> list[Out]:
        await self.repo.learners.update_learner(self.learner.id, birth_year=year)
        self.state["step"] = "occupation"
        age = self.deps.now().year - year
        out = []
        if not TARGET_AGES[0] <= age <= TARGET_AGES[1]:
            out.append(Out(text=self.tr("onboarding.outside_ages", age=age)))
        return out + await self.ask("occupation")

    async def set_time(self, hhmm: str) -> list[Out]:
        tr = self.tr
        await self.repo.learners.update_learner(self.learner.id, lesson_time=hhmm, status=LearnerStatus.ACTIVE)
        self.learner.status = LearnerStatus.ACTIVE
        self.state.pop("step", None)
        return [Out(title=tr("onboarding.done_title"), text=tr("onboarding.done", time=hhmm)),
                Out(text=tr("onboarding.first_lesson"), options=(
                    Option("cmd:lesson", tr("menu.lesson_now")),))]

    # ---- the day's work ------------------------------------------------------------------

    async def lesson(self) -> list[Out]:
        plan = await learning.todays_plan(self.deps, self.repo, self.learner)
        return self.paused_note() + await self.show_plan(plan)

    async def more_today(self) -> list[Out]:
        """"Học tiếp": today's lesson while it is unfinished, then more up to the daily cap."""
        plan = await learning.more_today(self.deps, self.repo, self.learner)
        if plan is None:
            return [*self.paused_note(), Out(text=self.tr(
                "lesson.cap_reached", cap=self.deps.lessons_per_day))]
        return self.paused_note() + await self.show_plan(plan)

    def paused_note(self) -> list[Out]:
        """Paused learners still study when they ask (only the daily push stops); say so."""
        if self.learner.status != LearnerStatus.PAUSED:
            return []
        return [Out(text=self.tr("lesson.paused_note"))]

    async def show_plan(self, plan: learning.TodayPlan) -> list[Out]:
        tr = self.tr
        if plan.lesson is None:
            return [Out(text=tr("lesson.finished_all"))]
        if plan.status == "done_today":
            out = [Out(text=tr("lesson.done_today_short", title=plan.lesson.title))]
            return [*out, await learning.offer_more(self.deps, self.repo, self.learner, tr)]
        # Opened by the learner: today's push will not send this lesson again (delivery.push_action).
        await self.repo.progress.mark_started(self.learner.id, plan.lesson.id, self.deps.now())
        answered = await self.repo.progress.quiz_answers(self.learner.id, plan.lesson.id)
        return learning.lesson_messages(self.deps, plan.lesson, tr, answered, plan.status,
                                        self.learner.occupation)

    async def start_quiz(self, lesson_id: str | None) -> list[Out]:
        if lesson_id is None:  # typed "làm câu hỏi": the lesson in hand
            current = await self.repo.progress.current_assignment(self.learner.id)
            if current is None:
                return [Out(text=self.tr("practice.no_lesson"))]
            lesson_id = current.lesson_id
        return await learning.start_quiz(self.deps, self.repo, self.learner, lesson_id, self.tr)

    async def submit(self) -> list[Out]:
        """"Nộp bài": the next message is the work, however short."""
        current = await self.repo.progress.current_assignment(self.learner.id)
        if current is None:
            return [Out(text=self.tr("practice.no_lesson"))]
        self.state[SENT_AS_WORK] = current.lesson_id
        self.state.pop("options", None)  # a "1" sent next is work, not an old choice
        return [Out(text=self.tr("work.send_now"))]

    async def work_choice(self, answer: str) -> list[Out]:
        tr, held = self.tr, self.held
        if answer == "submit":
            return await self.submit()
        if held is None:
            return [Out(text=tr("work.nothing_held"))]
        if answer == "yes":
            self.work = submissions.Incoming(str(held.get("text", "")), None, self.event.channel,
                                             held.get("key"))
            return []
        return [Out(text=tr("work.not_graded"))]

    def offered_choice(self, text: str) -> str | None:
        """The offered option a typed reply names: by number or letter, or by its words."""
        index = numbered_choice(text)
        options = self.state.get("options") or []
        if index is not None:
            return options[index] if 0 <= index < len(options) else None
        return choices.pick(text, self.state, self.deps.curriculum)

    async def work_or_hint(self) -> list[Out]:
        """Grade only work sent as work; ask about a short message while the practice is open."""
        ev, tr = self.event, self.tr
        text = ev.text or ""
        n_words = len(folded_words(text))
        if ev.kind == "text" and n_words == 0:
            return [Out(text=tr("input.no_words"))]
        current = await self.repo.progress.current_assignment(self.learner.id)
        lesson = self.deps.curriculum.by_id(current.lesson_id) if current else None
        if current is None or lesson is None:
            return [Out(text=tr("input.short" if n_words < intent.MIN_WORDS
                                else "practice.no_lesson"))]
        key = f"{ev.channel}:{ev.update_key}" if ev.update_key else None
        if ev.kind == "photo":  # a photo is sent as work
            self.work = submissions.Incoming(text, ev.photo_ref, ev.channel, key)
            return []
        verdict = intent.classify(
            text, lesson, sent_as_work=self.sent_as_work == lesson.id, reply_to=ev.reply_to,
            lesson_done=current.completed,
        )
        if verdict == "work":
            self.work = submissions.Incoming(text, None, ev.channel, key)
            return []  # the grade follows at once, from Dialog.handle
        if verdict == "ask":
            self.state[HELD_WORK] = {"text": text, "key": key}
            return [Out(text=tr("work.is_it_work"), options=(
                Option("work:yes", tr("work.yes")), Option("work:no", tr("work.no"))))]
        if numbered_choice(text) is not None:
            return [Out(text=tr("choice.nothing_open"))]
        return [Out(text=tr("input.short"))]

    def help(self) -> Out:
        return Out(title=self.tr("help.title"), text=self.tr("help.body"))

    async def link(self, args: str) -> list[Out]:
        """No code: show one. A code: join this channel to the learner who showed it."""
        code = linking.normalise_code(args)
        if not code:
            return await linking.issue(self.deps, self.repo, self.learner, self.tr)
        out, learner = await linking.redeem(self.deps, self.repo, self.learner, code, self.tr,
                                            self.state)
        if learner.id != self.learner.id:
            self.learner, self.tr = learner, Translator(learner.language)
            self.state.pop("step", None)
            if learner.status == LearnerStatus.ONBOARDING:
                out += await self.ask("group")
        return out

    # ---- instructors ---------------------------------------------------------------------

    async def review_scope(self) -> scope.Scope:
        """The review queue is the reviewer's own: their classes and units (None: everything,
        for HOCAI_ADMINS and roles on every root; empty: not a reviewer)."""
        return await scope.of(self.deps, self.repo, self.learner.id, permissions.Action.REVIEW)

    async def open_invite(self, code: str) -> list[Out]:
        out = await roles_chat.open_code(self.deps, self.repo, self.learner, self.tr, self.state,
                                         self.event, code)
        if self.learner.status == LearnerStatus.ONBOARDING and roles_chat.PENDING not in self.state:
            out += await self.ask(self.state.get("step"))  # a wrong code: onboarding goes on
        return out

    async def review_refused(self, grade_id: int) -> list[Out]:
        """Why this person may not confirm or change this grade; [] when they may."""
        units = await self.review_scope()
        if not scope.allowed(units):
            return [Out(text=self.tr("review.not_allowed"))]
        grade = await self.repo.grades.grade(grade_id)
        if grade is not None and not await scope.has_learner(self.repo, units, grade.learner_id):
            return [Out(text=self.tr("review.not_yours"))]  # another unit's work: not its score
        return []

    async def review_choice(self, rest: str) -> list[Out]:
        tr = self.tr
        units = await self.review_scope()
        if not scope.allowed(units):
            return [Out(text=tr("review.not_allowed"))]
        action, _, raw_id = rest.partition(":")
        if not raw_id.isdigit() or int(raw_id) >= 2**31:  # ids fit the database's integer
            return [Out(text=tr("choice.stale"))]
        if action in ("bulk", "bulkok"):
            return await self.bulk_review(action, int(raw_id), units)
        refused = await self.review_refused(int(raw_id))
        if refused:
            return refused
        if action == "ok":
            return await self.apply_review(int(raw_id), None)
        if action == "set":
            self.state["step"] = f"review_score:{raw_id}"
            return [Out(text=tr("review.ask_score", id=raw_id))]
        return [Out(text=tr("choice.stale"))]

    async def bulk_review(self, action: str, up_to: int, units: scope.Scope) -> list[Out]:
        """Held grades confirmed as they stand, in one go: a preview first, then the confirmation."""
        if action == "bulk":
            return await review.bulk_preview(self.deps, self.repo, up_to, self.tr, units)
        reviewer = f"{self.event.channel}:{self.event.external_id}"
        answer, told = await review.bulk_confirm(self.deps, self.repo, up_to, reviewer, self.tr,
                                                 units)
        self.notices.extend(told)
        return answer

    async def apply_review(self, grade_id: int, score: int | None) -> list[Out]:
        reviewer = f"{self.event.channel}:{self.event.external_id}"
        answer, told = await review.override(self.deps, self.repo, grade_id, score, reviewer,
                                             self.tr)
        if told is not None:
            self.notices.append(told)
        return answer

    # ---- settings and data ---------------------------------------------------------------

    def settings_menu(self) -> Out:
        tr, learner = self.tr, self.learner
        shown = tr("settings.name_shown") if learner.show_name else tr("settings.name_hidden")
        return Out(
            title=tr("settings.title"),
            text=tr("settings.body", time=learner.lesson_time or "-", shown=shown,
                    nickname=learner.nickname, language=learner.language),
            options=(
                Option("set:time", tr("settings.change_time")),
                Option("set:showname", tr("settings.toggle_name")),
                Option("set:lang", tr("settings.toggle_language")),
            ),
        )

    async def settings_choice(self, rest: str) -> list[Out]:
        tr, learner = self.tr, self.learner
        if rest == "time":
            self.state["step"] = "settings_time"
            return await self.ask("settings_time")
        if rest.startswith("time:"):
            hhmm = parse_time(_key_time(rest[5:]))
            if hhmm:
                await self.repo.learners.update_learner(learner.id, lesson_time=hhmm)
                self.state.pop("step", None)
                return [Out(text=tr("settings.time_saved", time=hhmm))]
        if rest == "keep":
            self.state.pop("step", None)
            return [Out(text=tr("settings.time_kept", time=learner.lesson_time or "-"))]
        if rest == "showname":
            await self.repo.learners.update_learner(learner.id, show_name=not learner.show_name)
            learner.show_name = not learner.show_name
            return [self.settings_menu()]
        if rest == "lang":
            language = "en" if learner.language == "vi" else "vi"
            await self.repo.learners.update_learner(learner.id, language=language)
            learner.language = language
            self.tr = Translator(language)
            return [self.settings_menu()]
        return [Out(text=tr("choice.stale"))]

    async def step_input(self, step: str) -> list[Out]:
        tr = self.tr
        if step.startswith("review_score:"):
            text = self.event.text.strip()
            if not text.isdigit() or not 0 <= int(text) <= 100:
                return [Out(text=tr("review.bad_score"))]
            self.state.pop("step", None)
            grade_id = int(step.split(":", 1)[1])
            refused = await self.review_refused(grade_id)
            return refused or await self.apply_review(grade_id, int(text))
        if step.startswith((classes.STEP_NAME, challenges.STEP, mentoring.STEP_COMMENT,
                            teachback_chat.STEP)):
            picked = self.offered_choice(self.event.text)
            if picked is not None and not step.startswith((challenges.STEP + "work:",
                                                           teachback_chat.STEP)):
                return await self.choice(picked)
            if step.startswith(classes.STEP_NAME):
                return await classes.on_name(self, step)
            if step.startswith(challenges.STEP):
                return await challenges.on_text(self, step)
            if step.startswith(mentoring.STEP_COMMENT):
                return await mentoring.on_comment(self, step)
            return await teachback_chat.on_text(self, step)
        if step == "settings_time":
            picked = self.offered_choice(self.event.text)
            if picked is not None:
                return await self.choice(picked)
            hhmm = parse_time(self.event.text)
            if hhmm is None:  # a way out: pick a time, keep the old one, or any command
                return [Out(text=tr("settings.bad_time", text=self.event.text[:20]),
                            columns=2, options=(
                                *(Option("set:time:" + t.replace(":", ""), t)
                                  for t in LESSON_TIMES),
                                Option("set:keep", tr("settings.keep_time"))))]
            await self.repo.learners.update_learner(self.learner.id, lesson_time=hhmm)
            self.state.pop("step", None)
            return [Out(text=tr("settings.time_saved", time=hhmm))]
        if step.startswith("tryai"):
            return await tryai.on_text(self, step)
        self.state.pop("step", None)
        return await self.work_or_hint()

    async def mydata(self) -> list[Out]:
        data = await self.repo.learners.export_learner(self.learner.id)
        content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
        return [Out(text=self.tr("mydata.sent"),
                    file=OutFile(f"hocai-du-lieu-{self.learner.id}.json", content))]


def _join_code(text: str) -> str:
    """'g_AB12CD', 'AB12CD', ' ab12cd ' -> 'AB12CD'; junk -> ''."""
    token = text.strip().split()[0] if text.strip() else ""
    if token.lower().startswith("g_"):
        token = token[2:]
    return token.upper() if re.fullmatch(r"[A-Za-z0-9]{4,16}", token) else ""


def _clean_name(text: str) -> str:
    name = " ".join(strip_invisible(text or "").split())
    if not name or len(name) > MAX_NAME or not folded_words(name):
        return ""
    return re.sub(r"[<>&]", "", name)


def _key_time(compact: str) -> str:
    return f"{compact[:2]}:{compact[2:]}" if len(compact) == 4 and compact.isdigit() else compact
