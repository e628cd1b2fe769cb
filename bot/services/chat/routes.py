"""THE routing table of the chat: command names, button kinds and steps -> their handlers.

To add a feature (say /certificate with a "cert:" button):
  1. write its handlers in a new module here, e.g. `bot/services/chat/certificates.py`:
     `async def command(turn: Turn, args: str) -> list[Out]` for a command,
     `async def on_button(turn: Turn, button: buttons.Certificate) -> list[Out]` for a button,
     `async def on_text(turn: Turn, step: str) -> list[Out]` for text typed in a step it set
     (`turn.state.step = "cert_name"`);
  2. declare the button's kind in `bot/services/buttons/` (a frozen dataclass with a prefix and
     typed fields) and build its options with `buttons.Certificate(...).as_option(label)`;
  3. add one line per entry below; a command shown in Telegram's menu gets `menu=True` and a
     "command.desc.<name>" line in both locale files, and free-text keywords for it go into
     `bot.services.parsing.KEYWORDS`.
A handler gets the `Turn` (deps, repo, learner, tr, event, typed state) and returns the messages.
"""

from __future__ import annotations

from typing import Any

from bot.services import buttons, speech, tryai
from bot.services.chat import (
    account,
    agency,
    cert,
    challenges,
    classes,
    group,
    instructor,
    link,
    mentoring,
    mentoring_peer,
    onboarding,
    profile,
    ranks,
    roles,
    settings,
    study,
    teachback,
    web,
)
from bot.services.chat.router import ButtonRoute, CommandRoute, Router, StepRoute
from bot.services.permissions import Action

_REPORTS = frozenset({Action.VIEW_REPORT})
_ROSTER = frozenset({Action.VIEW_ROSTER})
_INVITE = frozenset({Action.INVITE_ROLE})
_REVIEW = frozenset({Action.REVIEW})
_CLASSES = frozenset({Action.OPEN_CLASS})
_SESSIONS = frozenset({Action.CHECK_IN_SESSION})
_MENTORS = frozenset({Action.PEER_REVIEW, Action.PROPOSE_MENTOR})
_WEB = frozenset({Action.VIEW_ROSTER, Action.VIEW_DASHBOARD, Action.REVIEW})

COMMANDS = (
    # In the order of Telegram's menu; `menu=True` ones are listed there.
    CommandRoute("lesson", study.lesson, menu=True),
    CommandRoute("progress", account.progress, menu=True),
    CommandRoute("leaderboard", account.leaderboard, menu=True),
    CommandRoute("settings", settings.command, menu=True),
    CommandRoute("link", link.command, menu=True, anytime=True),  # a new channel links first
    CommandRoute("help", account.help_command, menu=True, anytime=True),
    CommandRoute("stop", account.stop, menu=True),
    CommandRoute("start", onboarding.start, menu=True, anytime=True),
    CommandRoute("mydata", account.mydata, menu=True),
    CommandRoute("deleteme", account.deleteme, menu=True),
    CommandRoute("certificate", cert.command, menu=True),
    CommandRoute("freeze", ranks.freeze, menu=True),  # "bảo vệ chuỗi": a streak freeze
    # Commands of people with roles: in the menu of those whose roles allow them (a learner's
    # menu stays short). Officials and leaders need not be learners: these work any time.
    CommandRoute("honours", ranks.honours, anytime=True, staff=_REPORTS),
    # Roles and group leaders: a leader, an official or an instructor need not be a learner, so
    # these work while joining too (and keep the joining step).
    CommandRoute("group", group.command, anytime=True, staff=_ROSTER),
    CommandRoute("roles", roles.roles_command, menu=True, anytime=True),  # an invite code too
    CommandRoute("invite", roles.invite_command, anytime=True, staff=_INVITE),
    # The web pages' one-time sign-in link ("trang quản lý"), for people with a role.
    CommandRoute("web", web.command, anytime=True, staff=_WEB),
    CommandRoute("demo", roles.demo, anytime=True),  # the console's "/demo role leader"
    CommandRoute("nonudge", group.no_nudges, anytime=True),  # "đừng nhắc tôi"
    CommandRoute("nudgeon", group.nudges_on, anytime=True),  # "nhắc tôi"
    # A role invite: "/start r_<code>" and a code typed come in as this.
    CommandRoute("role", roles.open_invite, anytime=True),
    CommandRoute("appeal", account.appeal),
    CommandRoute("review", instructor.queue, anytime=True, staff=_REVIEW),
    # Core instructors and mentors: their tools work before (or without) onboarding too; a
    # session's check-in and a mentor's link ("/start s_CODE", "/start m_CODE") while joining.
    CommandRoute("class", classes.command, anytime=True, staff=_CLASSES),  # "lớp học"
    # "/session": the class menu, where a class's in-person session is opened (code and QR).
    CommandRoute("session", classes.command, anytime=True, staff=_SESSIONS),
    CommandRoute("challenge", challenges.command, menu=True, anytime=True),  # "thử thách"
    CommandRoute("mentor", mentoring.command, anytime=True, staff=_MENTORS),
    CommandRoute("checkin", classes.checkin_command, menu=True, anytime=True),  # "điểm danh"
    CommandRoute("mentorlink", mentoring.open_link, anytime=True),
    CommandRoute("teachback", teachback.command),  # "dạy lại"
    # The optional ethnicity question (its own consent first), as from /settings: "dân tộc".
    CommandRoute("ethnicity", profile.ethnicity_command),
    # Typed ("làm câu hỏi", "học tiếp", "nộp bài") or tapped more than typed as commands.
    CommandRoute("quiz", study.quiz),
    CommandRoute("next", study.more_today),
    CommandRoute("submit", study.submit),
)

BUTTONS: tuple[ButtonRoute[Any], ...] = (  # each route typed by its own kind
    ButtonRoute(buttons.Review, instructor.on_button, anytime=True),
    ButtonRoute(buttons.Onboarding, onboarding.on_button, anytime=True),
    ButtonRoute(buttons.RoleInvite, roles.on_button, anytime=True),
    # A forged unit id gets the same refusal as another group's.
    ButtonRoute(buttons.Leader, group.on_button, anytime=True, bad="roles.not_allowed"),
    ButtonRoute(buttons.QuizAnswer, study.on_quiz_answer, bad="quiz.unknown"),
    ButtonRoute(buttons.StartQuiz, study.on_start_quiz, bad="quiz.unknown"),
    ButtonRoute(buttons.Work, study.on_work),
    ButtonRoute(buttons.Command, account.on_command_button),
    ButtonRoute(buttons.Settings, settings.on_button),
    ButtonRoute(buttons.Speech, speech.on_button),
    ButtonRoute(buttons.TryAI, tryai.on_button),
    ButtonRoute(buttons.Ack, account.on_ack),
    ButtonRoute(buttons.Appeal, account.on_appeal),
    ButtonRoute(buttons.Delete, account.on_delete),
    ButtonRoute(buttons.Certificate, cert.on_button),
    ButtonRoute(buttons.Freeze, ranks.on_freeze),
    ButtonRoute(buttons.ClassMenu, classes.on_button, anytime=True),
    ButtonRoute(buttons.Challenge, challenges.on_button, anytime=True),
    ButtonRoute(buttons.Mentor, mentoring.on_button, anytime=True),
    ButtonRoute(buttons.TeachBack, teachback.on_button),
    # Target groups: an official's agency is asked while joining too; occupation and ethnicity
    # are changed from /settings.
    ButtonRoute(buttons.Agency, profile.on_agency, anytime=True),
    ButtonRoute(buttons.Occupation, profile.on_occupation),
    ButtonRoute(buttons.Ethnicity, profile.on_ethnicity),
)

STEPS = (
    StepRoute(instructor.STEP, instructor.on_score_text, anytime=True),
    StepRoute(group.STEP, group.on_announcement_text, anytime=True),
    StepRoute(settings.STEP, settings.on_time_text),
    StepRoute("tryai", tryai.on_text),
    StepRoute("tryai_check", tryai.on_text),
    StepRoute(cert.STEP, cert.on_text),
    StepRoute(cert.FIX_STEP, cert.on_fix_text),
    StepRoute(classes.STEP, classes.on_name_text, anytime=True),
    StepRoute(challenges.STEP, challenges.on_text, anytime=True),
    StepRoute(mentoring_peer.STEP, mentoring_peer.on_comment, anytime=True),
    StepRoute(teachback.STEP, teachback.on_text),
    StepRoute(agency.SETTINGS_STEP, profile.on_agency_text),
    StepRoute(profile.ETHNICITY_STEP, profile.on_ethnicity_text),
)

ROUTER = Router(COMMANDS, BUTTONS, STEPS)
