"""User-facing text, Vietnamese first, English second, from the YAML catalogs in bot/locales/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LOCALES = Path(__file__).parent / "locales"
DEFAULT = "vi"
LANGUAGES = ("vi", "en")


@cache
def catalog(language: str) -> dict[str, str]:
    path = LOCALES / f"{language}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): str(v).rstrip("\n") for k, v in data.items()}


class Translator:
    """`t("key", name=...)`: the language's text, falling back to Vietnamese."""

    def __init__(self, language: str = DEFAULT) -> None:
        self.language = language if language in LANGUAGES else DEFAULT

    def __call__(self, key: str, **params: object) -> str:
        text = catalog(self.language).get(key)
        if text is None:
            text = catalog(DEFAULT)[key]  # a missing Vietnamese key is a bug: let it raise
        return text.format(**params) if params else text
