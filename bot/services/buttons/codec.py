"""The button codec: the `Button` base class (pack, unpack, range and pattern checks), the
field types, and `parse` for any key. The kinds are in the sibling modules, one per area."""

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
