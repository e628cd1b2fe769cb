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
below (`Id`, `Index`, `Slug`, `Word`, `Hhmm`, or a `Literal`): a number is ASCII digits with no
sign and no leading zero, checked against its range; text is checked against its pattern. Trailing
fields with a default may be left out of a key ("ob:nogroup"). A new kind of button is a new
subclass with its own prefix; a handler for it goes in `bot/services/chat/routes.py`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self, get_args, get_origin, get_type_hints

from bot.services.io import Option

SEPARATOR = ":"
MAX_KEY_BYTES = 64  # Telegram's callback_data limit


@dataclass(frozen=True)
class Range:
    low: int
    high: int


@dataclass(frozen=True)
class Pattern:
    regex: str


Id = Annotated[int, Range(1, 2**63 - 1)]  # a database row id (BIGINT on PostgreSQL)
Index = Annotated[int, Range(0, 99)]  # a question or option index: small
Slug = Annotated[str, Pattern(r"[a-z0-9][a-z0-9-]{0,39}")]  # a lesson id
Word = Annotated[str, Pattern(r"[a-z_]{1,32}")]  # a command or an occupation
Hhmm = Annotated[str, Pattern(r"[0-9]{4}")]  # a lesson time without its colon: "0630"

_DIGITS = re.compile(r"0|[1-9][0-9]{0,18}")


class BadButton(ValueError):
    """The data is not a key of this kind: unknown prefix, wrong fields, out of range."""


@dataclass(frozen=True)
class _Field:
    name: str
    parse: Any  # (text) -> value, raising BadButton
    show: Any  # (value) -> text
    default: Any


_KINDS: dict[str, type[Button]] = {}


class Button:
    """Base of every button kind; subclasses are frozen dataclasses declared with a prefix."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not re.fullmatch(r"[a-z]{1,8}", prefix):
            raise TypeError(f"{cls.__name__}: a button needs a short lower-case prefix")
        if prefix in _KINDS:
            raise TypeError(f"{cls.__name__}: prefix {prefix!r} is {_KINDS[prefix].__name__}'s")
        cls.prefix = prefix
        _KINDS[prefix] = cls

    @classmethod
    def _layout(cls) -> tuple[_Field, ...]:
        if "_fields" not in cls.__dict__:  # worked out on first use: the dataclass exists by then
            hints = get_type_hints(cls, include_extras=True)
            # Every kind of button is a dataclass; mypy sees only this base class, which is not.
            cls._fields = tuple(_field(f, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        return cls._fields

    def pack(self) -> str:
        fields = self._layout()
        values = [getattr(self, f.name) for f in fields]
        while fields and values and values[-1] == fields[len(values) - 1].default:
            values.pop()  # trailing defaults are left out: "ob:nogroup", not "ob:nogroup:"
        parts = [self.prefix]
        for f, value in zip(fields, values, strict=False):
            text = f.show(value)
            f.parse(text)  # a builder's mistake fails here, not when the user taps
            parts.append(text)
        key = SEPARATOR.join(parts)
        if len(key.encode()) > MAX_KEY_BYTES:
            raise BadButton(f"{key!r} is longer than {MAX_KEY_BYTES} bytes")
        return key

    @classmethod
    def unpack(cls, data: str) -> Self:
        if len(data.encode()) > MAX_KEY_BYTES:
            raise BadButton("too long")
        prefix, _, rest = data.partition(SEPARATOR)
        if prefix != cls.prefix:
            raise BadButton(f"not a {cls.__name__} key")
        fields = cls._layout()
        parts = rest.split(SEPARATOR) if rest else []
        required = sum(f.default is dataclasses.MISSING for f in fields)
        if not required <= len(parts) <= len(fields):
            raise BadButton(f"{cls.__name__} takes {required}-{len(fields)} fields")
        values = {f.name: f.parse(p) for f, p in zip(fields, parts, strict=False)}
        return cls(**values)

    def as_option(self, label: str) -> Option:
        return Option(self.pack(), label)


def kinds() -> tuple[type[Button], ...]:
    """Every kind of button there is."""
    return tuple(_KINDS.values())


def kind_of(data: str) -> type[Button] | None:
    """The kind a key claims to be, by its prefix alone (its fields are not checked)."""
    return _KINDS.get(data.partition(SEPARATOR)[0])


def parse(data: str) -> Button | None:
    """The button a key stands for; None for an unknown, malformed or out-of-range key."""
    kind = kind_of(data)
    if kind is None:
        return None
    try:
        return kind.unpack(data)
    except BadButton:
        return None


def _field(f: dataclasses.Field[Any], hint: Any) -> _Field:
    default = f.default
    if get_origin(hint) is Literal:
        allowed = tuple(str(a) for a in get_args(hint))

        def one_of(text: str) -> str:
            if text not in allowed:
                raise BadButton(f"{f.name}: {text[:20]!r} is none of {allowed}")
            return text

        return _Field(f.name, one_of, str, default)
    if get_origin(hint) is not Annotated:
        raise TypeError(f"button field {f.name}: use Id, Index, Slug, Word, Hhmm or a Literal")
    base, rule = get_args(hint)[:2]
    if base is int and isinstance(rule, Range):

        def number(text: str) -> int:
            if not _DIGITS.fullmatch(text) or not rule.low <= int(text) <= rule.high:
                raise BadButton(f"{f.name}: {text[:24]!r} is not in {rule.low}-{rule.high}")
            return int(text)

        return _Field(f.name, number, str, default)
    if base is str and isinstance(rule, Pattern):
        regex = re.compile(rule.regex)

        def matching(text: str) -> str:
            if not regex.fullmatch(text):
                raise BadButton(f"{f.name}: {text[:20]!r} does not match")
            return text

        return _Field(f.name, matching, str, default)
    raise TypeError(f"button field {f.name}: unsupported {hint!r}")


# ---- the kinds -------------------------------------------------------------------------------


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


# ---- roles (bot/services/chat/roles.py) and group leaders (bot/services/chat/group.py) --------


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


# ---- badges and the streak freeze (bot/services/badges.py) -----------------------------------


@dataclass(frozen=True)
class Freeze(Button, prefix="frz"):
    """Buy a streak freeze: "frz:buy:<n>", n the purchase's number for this learner (it fixes
    the ledger key freeze:<learner>:<n>, so a double tap or a redelivered update pays once)."""

    action: Literal["buy"]
    number: Annotated[int, Range(0, 999_999)]


# ---- core instructors and mentors (bot/services/chat/classes.py, challenges.py, mentoring.py,
# ---- teachback.py) -----------------------------------------------------------------------------


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


# ---- target groups: occupation, an official's agency, ethnicity (bot/services/chat/profile.py) --


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
