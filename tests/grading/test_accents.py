"""Keywords fold accents for work typed without them, but marks that disagree do not match."""

from __future__ import annotations

import pytest

from lessons.textnorm import accent_signature
from scoring.similarity import TokenText


@pytest.mark.parametrize(
    ("text", "keyword", "found"),
    [
        ("Tôi bán chè Tân Cương", "chè", True),
        ("Toi ban che Tan Cuong", "chè", True),  # typed without diacritics: still counts
        ("Cái chê này", "chè", False),  # both marked, and differently
        ("Mình dùng AI mỗi ngày", "đúng", False),
        ("Kết quả đúng ý tôi", "kết quả", True),
        ("họp tổ dân phố", "hợp tác xã", False),
        ("hoà giải ở thôn", "hòa giải", True),  # old and new tone placement are the same word
        ("Uỷ ban phường", "ủy ban", True),
        ("chợ phiên", "cho", True),  # a keyword without marks matches either way
        ("ko biết dùng", "không", True),  # chat abbreviations still expand
        ("Viết prompt cho AI", "prompt", True),
    ],
)
def test_accent_aware_keyword_matching(text: str, keyword: str, found: bool) -> None:
    assert TokenText(text).has(keyword) is found


@pytest.mark.parametrize(
    ("word", "signature"),
    [
        ("hoà", "hoa|\u0300"),
        ("hòa", "hoa|\u0300"),
        ("Đúng", "đung|\u0301"),
        ("cho", None),
        ("thuỷ", "thuy|\u0309"),
        ("thủy", "thuy|\u0309"),
    ],
)
def test_accent_signature(word: str, signature: str | None) -> None:
    assert accent_signature(word) == signature
