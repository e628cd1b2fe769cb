"""Read a model's reply into a verdict: JSON when the server enforced it, JSON inside prose when not."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from scoring.combine import ModelCriterion, ModelVerdict

_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


class BadReply(ValueError):
    """The model answered, but not with a verdict we can read."""


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
    elif isinstance(value, str) and (match := _NUMBER.search(value)):  # "20", "20/25", "20 điểm"
        number = float(match.group(0).replace(",", "."))
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
        score = _number(item.get("score", item.get("points", item.get("diem"))))
        cid = item.get("id", item.get("criterion"))
        if not isinstance(cid, str) or score is None:
            continue
        out.append(ModelCriterion(
            id=cid.strip(),
            score=score,
            evidence=_text(item, "evidence", "quote", "trich_dan"),
            feedback=_text(item, "feedback", "comment", "nhan_xet"),
        ))
    return out


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "co", "có", "1")
    return bool(value)


def parse_reply(raw: str) -> ModelVerdict:
    """The verdict in a reply; raises BadReply when there is none."""
    for value in _objects(raw or ""):
        if not isinstance(value, dict):
            continue
        criteria = _criteria(value.get("criteria", value.get("tieu_chi")))
        if not criteria:
            continue
        confidence = _number(value.get("confidence"))
        if confidence is not None and confidence > 1:
            confidence = confidence / 100  # "85" meant percent
        return ModelVerdict(
            criteria=tuple(criteria),
            injection=_flag(value.get("injection", False)),
            confidence=None if confidence is None else max(0.0, min(1.0, confidence)),
            summary=_text(value, "summary", "tom_tat"),
        )
    raise BadReply(f"no verdict with criteria in the reply: {raw[:120]!r}")
