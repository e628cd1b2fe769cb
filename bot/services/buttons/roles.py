"""Buttons of roles (bot/services/chat/roles.py), group leaders (bot/services/chat/group.py),
and badges' streak freeze (bot/services/badges.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from bot.services.buttons.codec import BadButton, Button, Id, Range

RoleName = Literal["leader", "instructor", "mentor", "official", "admin"]  # permissions.Role


@dataclass(frozen=True)
class RoleInvite(Button, prefix="rl"):
    """A role invite answered ("rl:yes", "rl:no": the invite waits in the conversation, so the
    key names none), and an official making one: a unit picked ("rl:unit:<unit>"), then a role
    ("rl:make:<unit>:<role>")."""

    action: Literal["yes", "no", "unit", "make"]
    unit: Id = 0  # 0: none (yes, no)
    role: Literal[RoleName, ""] = ""

    def __post_init__(self) -> None:
        wants_unit, wants_role = self.action in ("unit", "make"), self.action == "make"
        if bool(self.unit) != wants_unit or bool(self.role) != wants_role:
            raise BadButton(
                f"rl:{self.action} takes {'a unit' if wants_unit else 'no unit'}"
                f"{' and a role' if wants_role else ''}"
            )


@dataclass(frozen=True)
class Leader(Button, prefix="ld"):
    """The group leader's menu on one unit ("ld:roster:<unit>", ...; "ld:annok:<unit>" sends the
    draft announcement, "ld:annno" drops it), and a learner's own "đừng nhắc tôi" on a nudge
    ("ld:optout") or "nhắc tôi" ("ld:optin")."""

    action: Literal["menu", "roster", "reach", "nudge", "ann", "annok", "annno", "optout", "optin"]
    unit: Id = 0  # 0: none (annno, optout, optin)

    def __post_init__(self) -> None:
        if bool(self.unit) != (self.action not in ("annno", "optout", "optin")):
            raise BadButton(f"ld:{self.action}: a unit where none belongs, or none where one must")


@dataclass(frozen=True)
class Freeze(Button, prefix="frz"):
    """Buy a streak freeze: "frz:buy:<n>", n the purchase's number for this learner (it fixes
    the ledger key freeze:<learner>:<n>, so a double tap or a redelivered update pays once)."""

    action: Literal["buy"]
    number: Annotated[int, Range(0, 999_999)]
