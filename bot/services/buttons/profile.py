"""Buttons of the target groups: occupation, an official's agency, ethnicity
(bot/services/chat/profile.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.services.buttons.codec import BadButton, Button, Id

OccupationName = Literal["official", "business", "worker", "farmer", "student", "other"]


@dataclass(frozen=True)
class Occupation(Button, prefix="occ"):
    """/settings: "occ" asks the occupation again, "occ:<occupation>" saves one."""

    value: Literal[OccupationName, ""] = ""


@dataclass(frozen=True)
class Agency(Button, prefix="ag"):
    """An official's agency (an office-team unit near them): "ag:ask" (from /settings),
    "ag:pick:<unit>", "ag:skip"; asked while joining too."""

    action: Literal["ask", "pick", "skip"]
    unit: Id = 0  # 0: none (ask, skip)

    def __post_init__(self) -> None:
        if bool(self.unit) != (self.action == "pick"):
            raise BadButton(f"ag:{self.action}: a unit where none belongs, or none where one must")


EthnicGroup = Literal["kinh", "tay", "nung", "dao", "san_chay", "mong", "san_diu", "hoa", "other"]


@dataclass(frozen=True)
class Ethnicity(Button, prefix="eth"):
    """The optional ethnicity question, asked only from /settings and only after its own
    consent: "eth:ask" (the consent question, or what is stored and how to withdraw it),
    "eth:yes" (consent: the list), "eth:no" (declined: nothing stored), "eth:pick:<group>",
    "eth:withdraw" (value and consent cleared), "eth:keep"."""

    action: Literal["ask", "yes", "no", "pick", "withdraw", "keep"]
    group: Literal[EthnicGroup, ""] = ""

    def __post_init__(self) -> None:
        if bool(self.group) != (self.action == "pick"):
            raise BadButton(
                f"eth:{self.action}: a group where none belongs, or none where one must"
            )
