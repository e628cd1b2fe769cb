"""The learner's buttons: joining, settings, commands, quizzes, work and appeals, review,
deleting, speech, trying the AI, certificates, acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from bot.services.buttons.codec import Button, Hhmm, Id, Index, Pattern, Slug, Word


@dataclass(frozen=True)
class Onboarding(Button, prefix="ob"):
    """A step's answer while joining: "ob:consent:yes", "ob:occ:farmer", "ob:time:0630"."""

    step: Literal["nogroup", "consent", "name", "birth", "occ", "time"]
    value: Annotated[str, Pattern(r"[a-z0-9_]{1,16}")] = ""


@dataclass(frozen=True)
class Settings(Button, prefix="set"):
    """ "set:time" (ask), "set:time:0630" (pick), "set:keep", "set:showname", "set:lang"."""

    action: Literal["time", "keep", "showname", "lang"]
    time: Hhmm = ""


@dataclass(frozen=True)
class Command(Button, prefix="cmd"):
    """A command offered as a button: "cmd:lesson", "cmd:next"."""

    name: Word


@dataclass(frozen=True)
class StartQuiz(Button, prefix="qs"):
    """Start (or resume) a lesson's quiz."""

    lesson: Slug


@dataclass(frozen=True)
class QuizAnswer(Button, prefix="q"):
    """One option of one quiz question: "q:<lesson>:<question>:<option>"."""

    lesson: Slug
    question: Index
    option: Index


@dataclass(frozen=True)
class Work(Button, prefix="work"):
    """ "Nộp bài" ("work:submit"), and "is this your work?" answered ("work:yes", "work:no")."""

    answer: Literal["submit", "yes", "no"]


@dataclass(frozen=True)
class Appeal(Button, prefix="ap"):
    """Appeal one grade."""

    grade: Id


@dataclass(frozen=True)
class Review(Button, prefix="rv"):
    """An instructor's decision: keep ("ok") or change ("set") a grade; confirm held grades up
    to one id in bulk ("bulk" previews, "bulkok" confirms)."""

    action: Literal["ok", "set", "bulk", "bulkok"]
    grade: Id


@dataclass(frozen=True)
class Delete(Button, prefix="del"):
    """/deleteme confirmed or not."""

    answer: Literal["yes", "no"]


@dataclass(frozen=True)
class Speech(Button, prefix="sp"):
    """ "Nghe bài học", and a voice note's transcript sent or said again."""

    action: Literal["listen", "send", "again"]


@dataclass(frozen=True)
class TryAI(Button, prefix="ai"):
    """ "Thử với AI ngay đây": start, write up the work, stop."""

    action: Literal["start", "done", "stop"]


@dataclass(frozen=True)
class Certificate(Button, prefix="cert"):
    """A level certificate: print the display name ("use"), type another ("type"), confirm the
    name typed ("ok"), send the issued certificate again ("send"), correct a misspelt printed
    name ("fix", then "fixok" to confirm the corrected one)."""

    action: Literal["use", "type", "ok", "send", "fix", "fixok"]
    certificate: Id


@dataclass(frozen=True)
class Ack(Button, prefix="ack"):
    """The one tap that ends a pushed lesson and keeps a Zalo OA window open."""

    what: Literal["lesson"]
