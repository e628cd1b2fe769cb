"""Button data: one small typed class per kind of button, packed to and parsed from its key.

A button's key travels through the platform and comes back as text the user may have forged
(Telegram callback data, a Zalo OA payload, a typed number mapped to a remembered key). Every
builder packs, and every parser unpacks, through the classes here (the shape of aiogram's
`CallbackData` factories):

    key = Appeal(grade=12).pack()          # "ap:12"
    Appeal.unpack("ap:12")                 # Appeal(grade=12)
    parse("ap:99999999999999999999999")    # None: out of range, never a database error
    Appeal(grade=12).as_option("Khiếu nại")   # an Option for an `Out`

A key is the class's prefix and its fields, joined by ":". Fields are typed with the annotations
in codec.py (`Id`, `Index`, `Slug`, `Word`, `Hhmm`, or a `Literal`): a number is ASCII digits with no
sign and no leading zero, checked against its range; text is checked against its pattern. Trailing
fields with a default may be left out of a key ("ob:nogroup"). A new kind of button is a new
subclass with its own prefix, in its area's module (learning, roles, classes, profile), which
this package imports so that every kind is registered; a handler for it goes in `bot/services/chat/routes.py`."""

from __future__ import annotations

from bot.services.buttons.classes import Challenge, ClassMenu, Finding, Mentor, TeachBack
from bot.services.buttons.codec import (
    MAX_KEY_BYTES,
    SEPARATOR,
    BadButton,
    Button,
    Hhmm,
    Id,
    Index,
    Pattern,
    Range,
    Slug,
    Word,
    kind_of,
    kinds,
    parse,
)
from bot.services.buttons.learning import (
    Ack,
    Appeal,
    Certificate,
    Command,
    Delete,
    Onboarding,
    QuizAnswer,
    Review,
    Settings,
    Speech,
    StartQuiz,
    TryAI,
    Work,
)
from bot.services.buttons.profile import Agency, EthnicGroup, Ethnicity, Occupation, OccupationName
from bot.services.buttons.roles import Freeze, Leader, RoleInvite, RoleName

__all__ = [
    "MAX_KEY_BYTES",
    "SEPARATOR",
    "Ack",
    "Agency",
    "Appeal",
    "BadButton",
    "Button",
    "Certificate",
    "Challenge",
    "ClassMenu",
    "Command",
    "Delete",
    "EthnicGroup",
    "Ethnicity",
    "Finding",
    "Freeze",
    "Hhmm",
    "Id",
    "Index",
    "Leader",
    "Mentor",
    "Occupation",
    "OccupationName",
    "Onboarding",
    "Pattern",
    "QuizAnswer",
    "Range",
    "Review",
    "RoleInvite",
    "RoleName",
    "Settings",
    "Slug",
    "Speech",
    "StartQuiz",
    "TeachBack",
    "TryAI",
    "Word",
    "Work",
    "kind_of",
    "kinds",
    "parse",
]
