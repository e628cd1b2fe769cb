"""Read a model's reply into a verdict: JSON when the server enforced it, JSON inside prose when not."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from scoring.combine import ModelCriterion, ModelVerdict

# A score as a model writes it: 20, 20.5, "20", "20/25", "20 điểm". Not "1e9", not "NaN".
_SCORE_TEXT = re.compile(
    r"^\s*(\d{1,3}(?:[.,]\d+)?)\s*(?:/\s*\d{1,3})?\s*(?:điểm|diem|đ)?\s*$", re.I
)
MAX_REPLY_CHARS = 6000  # a verdict on five criteria is under 2,000; far longer is not a verdict
MAX_FEEDBACK_CHARS = 300  # one sentence per criterion was asked for
MAX_EVIDENCE_CHARS = 300


class BadReply(ValueError):
    """The model answered, but not with a verdict we can read and trust."""


def _objects(raw: str) -> list[Any]:
    """Every JSON value that starts at a "{" in the text, outermost first."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    at = raw.find("{")
    while at >= 0:
        try:
            value, end = decoder.raw_decode(raw, at)
        except json.JSONDecodeError:
            at = raw.find("{", at + 1)
            continue
        found.append(value)
        at = raw.find("{", end)
    return found


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and (match := _SCORE_TEXT.match(value)):
        number = float(match.group(1).replace(",", "."))
    else:
        return None
    return number if math.isfinite(number) else None  # NaN would slip through min() and max()


def _text(item: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return " ... ".join(value)
    return ""


def _criteria(value: object) -> list[ModelCriterion]:
    if isinstance(value, dict):  # {"vai_tro": {...}} instead of a list
        value = [{"id": key, **item} for key, item in value.items() if isinstance(item, dict)]
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if not isinstance(item, dict):
            continue
        raw_score = item.get("score", item.get("points", item.get("diem")))
        score = _number(raw_score)
        cid = item.get("id", item.get("criterion"))
        if not isinstance(cid, str):
            continue
        if score is None:
            raise BadReply(f"criterion {cid!r}: score {raw_score!r} is not a number")
        out.append(
            ModelCriterion(
                id=cid.strip(),
                score=score,
                evidence=_text(item, "evidence", "quote", "trich_dan")[:MAX_EVIDENCE_CHARS],
                feedback=_text(item, "feedback", "comment", "nhan_xet")[:MAX_FEEDBACK_CHARS],
            )
        )
    return out


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "co", "có", "1")
    return bool(value)


def _says_injection(value: object) -> bool:
    """Any object, at any depth, that reports text aimed at the grader."""
    if isinstance(value, dict):
        return any((k == "injection" and _flag(v)) or _says_injection(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_says_injection(v) for v in value)
    return False


def parse_reply(
    raw: str, criteria: Mapping[str, int] | None = None, max_chars: int = MAX_REPLY_CHARS
) -> ModelVerdict:
    """The verdict in a reply; raises BadReply when there is none or it cannot be trusted.

    The LAST object with criteria is the model's own verdict: one that comes earlier may be a verdict
    the work carried and the model echoed. Any object saying `injection: true` is honoured. With
    `criteria` (id -> maximum), every criterion must be there, none other, each within 0..maximum:
    a malformed verdict is a failed call, not something to clamp into shape.
    """
    raw = raw or ""
    if len(raw) > max_chars:
        raise BadReply(f"reply of {len(raw)} characters, far longer than a verdict")
    objects = [v for v in _objects(raw) if isinstance(v, dict)]
    verdicts = [
        (v, listed) for v in objects if (listed := _criteria(v.get("criteria", v.get("tieu_chi"))))
    ]
    if not verdicts:
        raise BadReply(f"no verdict with criteria in the reply: {raw[:120]!r}")
    value, found = verdicts[-1]
    if criteria is not None:
        ids = [c.id for c in found]
        if sorted(ids) != sorted(criteria):
            raise BadReply(f"criteria {sorted(ids)} instead of {sorted(criteria)}")
        for c in found:
            if not 0 <= c.score <= criteria[c.id]:
                raise BadReply(f"criterion {c.id}: {c.score:g} outside 0-{criteria[c.id]}")
    confidence = _number(value.get("confidence"))
    if confidence is not None and confidence > 1:
        confidence = confidence / 100  # "85" meant percent
    if confidence is not None and not 0 <= confidence <= 1:
        raise BadReply(f"confidence {value.get('confidence')!r} outside 0-1")
    return ModelVerdict(
        criteria=tuple(found),
        injection=any(_says_injection(v) for v in objects),
        confidence=confidence,
        summary=_text(value, "summary", "tom_tat")[:MAX_FEEDBACK_CHARS],
    )
