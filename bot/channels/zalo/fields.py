"""Reading a Zalo webhook's JSON, where any field may be missing or of another type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def obj(body: Mapping[str, Any], key: str) -> dict[str, Any]:
    """`body[key]` when it is a JSON object, else an empty one."""
    value = body.get(key)
    return value if isinstance(value, dict) else {}
