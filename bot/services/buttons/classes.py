"""Buttons of core instructors and mentors (bot/services/chat/classes.py, challenges.py,
mentoring.py, teachback.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.services.buttons.codec import BadButton, Button, Id, Index, Slug


@dataclass(frozen=True)
class ClassMenu(Button, prefix="cl"):
    """An instructor's classes: "cl:new" (open one), then the unit it goes under
    ("cl:par:<unit>"); a class's page ("cl:show:<class>"), closing it ("cl:close:<class>", then
    "cl:closeok:<class>") and an in-person session ("cl:sess:<class>")."""

    action: Literal["new", "par", "show", "close", "closeok", "sess"]
    unit: Id = 0  # 0: none ("new")

    def __post_init__(self) -> None:
        if bool(self.unit) != (self.action != "new"):
            raise BadButton(f"cl:{self.action}: a unit where none belongs, or none where one must")


@dataclass(frozen=True)
class Challenge(Button, prefix="cg"):
    """Challenges: the menu, a new one (for a class: "cg:new:<class>"), the draft's audience
    ("cg:aud:<unit>"), rubric ("cg:rub_lesson", "cg:rub_own"), points ("cg:pts:<n>") and deadline
    ("cg:dl:<unix time>"), then "cg:send" or "cg:cancel"; a learner's "cg:do:<id>" and the board
    ("cg:board:<id>")."""

    action: Literal[
        "menu", "new", "cancel", "rub_lesson", "rub_own", "send", "aud", "pts", "dl", "do", "board"
    ]
    number: Id = 0  # a unit, a challenge, points or a deadline, by the action; 0: none

    def __post_init__(self) -> None:
        takes = self.action in ("aud", "pts", "dl", "do", "board")
        if (takes and not self.number) or (not takes and self.number and self.action != "new"):
            raise BadButton(
                f"cg:{self.action}: a number where none belongs, or none where one must"
            )


Finding = Literal["met", "partly", "missing"]  # a mentor's verdict on one rubric criterion


@dataclass(frozen=True)
class Mentor(Button, prefix="mt"):
    """Mentors' and instructors' tools: "mt:menu", "mt:peer", "mt:mine", "mt:link",
    "mt:propose", "mt:judge", "mt:levels"; a peer's work opened ("mt:rev:<submission>"), one
    criterion marked ("mt:mk:<submission>:<criterion index>:<finding>"), no comment
    ("mt:nocm:<submission>"); a review judged ("mt:ok:<review>", "mt:no:<review>"); a proposed
    mentor confirmed ("mt:make:<learner>")."""

    action: Literal[
        "menu",
        "peer",
        "mine",
        "link",
        "propose",
        "judge",
        "levels",
        "rev",
        "mk",
        "nocm",
        "ok",
        "no",
        "make",
    ]
    id: Id = 0  # a submission, a review or a learner; 0: none (the menus)
    index: Index = 0  # "mk": the criterion
    finding: Literal[Finding, ""] = ""  # "mk": the verdict

    def __post_init__(self) -> None:
        takes = self.action in ("rev", "mk", "nocm", "ok", "no", "make")
        marks = self.action == "mk"
        if bool(self.id) != takes or bool(self.finding) != marks or (self.index and not marks):
            raise BadButton(f"mt:{self.action}: fields where none belong, or missing ones")


@dataclass(frozen=True)
class TeachBack(Button, prefix="tb"):
    """ "Gửi bài dạy lại": the next message explains this lesson in one's own words."""

    lesson: Slug
