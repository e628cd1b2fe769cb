"""The target groups the plans count, as pure rules: which units are agencies (office teams an
official belongs to), which commune or ward a learner's agencies are looked for in, and the
ethnic groups a learner may give (only with its own consent; bot/services/chat/profile.py asks).

Ethnicity is sensitive personal data (Nghị định 13/2023/NĐ-CP counts ethnic origin among it): it
is stored only with the learner's consent, shown to nobody per person and counted only in
aggregates (`repo.learners.ethnicity_counts`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.ports import UnitRecord
from lessons.textnorm import folded_words

# Unit kinds (as the units file writes them, compared lower-cased) of an office team: a ward's
# people's committee, a school, a health station, a provincial department.
AGENCY_KINDS = frozenset({"agency", "co_quan", "co quan", "coquan", "cơ quan", "cơ_quan"})
# Kinds of a commune-level unit: where an official's agencies are looked for.
COMMUNE_KINDS = frozenset({"ward", "commune", "town", "xa", "phuong", "thi tran", "thi_tran"})

# The groups offered as buttons (Thái Nguyên's main ones), in the order the province lists them
# most often; the button's slug -> the name stored. "other" stores OTHER.
OFFERED_ETHNICITIES: dict[str, str] = {
    "kinh": "Kinh",
    "tay": "Tày",
    "nung": "Nùng",
    "dao": "Dao",
    "san_chay": "Sán Chay",
    "mong": "Mông",
    "san_diu": "Sán Dìu",
    "hoa": "Hoa",
}
OTHER = "Khác"
# Vietnam's 54 ethnic groups (the official list), so that a name typed with or without
# diacritics is stored as one spelling and counts add up; a name typed and not known is asked
# again, never stored as free text (which could hold anything, a name or a phone number).
ETHNIC_GROUPS = (
    "Kinh",
    "Tày",
    "Thái",
    "Hoa",
    "Khmer",
    "Mường",
    "Nùng",
    "Mông",
    "Dao",
    "Gia Rai",
    "Ngái",
    "Ê Đê",
    "Ba Na",
    "Xơ Đăng",
    "Sán Chay",
    "Cơ Ho",
    "Chăm",
    "Sán Dìu",
    "Hrê",
    "Mnông",
    "Ra Glai",
    "Xtiêng",
    "Bru Vân Kiều",
    "Thổ",
    "Giáy",
    "Cơ Tu",
    "Gié Triêng",
    "Mạ",
    "Khơ Mú",
    "Co",
    "Tà Ôi",
    "Chơ Ro",
    "Kháng",
    "Xinh Mun",
    "Hà Nhì",
    "Chu Ru",
    "Lào",
    "La Chí",
    "La Ha",
    "Phù Lá",
    "La Hủ",
    "Lự",
    "Lô Lô",
    "Chứt",
    "Mảng",
    "Pà Thẻn",
    "Cơ Lao",
    "Cống",
    "Bố Y",
    "Si La",
    "Pu Péo",
    "Brâu",
    "Ơ Đu",
    "Rơ Măm",
)
# Other names people write for some of them.
ALIASES: dict[str, str] = {
    "Hmông": "Mông",
    "H'Mông": "Mông",
    "Khơ Me": "Khmer",
    "Khơ-me": "Khmer",
    "Việt": "Kinh",
    "Cao Lan": "Sán Chay",
    "Sán Chỉ": "Sán Chay",
    "Cao Lan Sán Chỉ": "Sán Chay",
    "Vân Kiều": "Bru Vân Kiều",
    "Bru": "Bru Vân Kiều",
    "Ê-đê": "Ê Đê",
    "Gia-rai": "Gia Rai",
    "Ba-na": "Ba Na",
    "Xơ-đăng": "Xơ Đăng",
    "Khơ-mú": "Khơ Mú",
    "Hà-nhì": "Hà Nhì",
    "Dân tộc khác": OTHER,
    "Khác": OTHER,
}
_BY_FOLDED: dict[tuple[str, ...], str] = {
    tuple(folded_words(name)): canonical
    for name, canonical in (*((n, n) for n in ETHNIC_GROUPS), *ALIASES.items())
}
SKIP_WORDS = frozenset(
    {("bo", "qua"), ("bo",), ("skip",), ("khong",), ("thoi",), ("khong", "tra", "loi"), ("no",)}
)


def is_agency(unit: UnitRecord) -> bool:
    return unit.kind.strip().lower() in AGENCY_KINDS


def area(lineage: Sequence[UnitRecord]) -> UnitRecord | None:
    """The commune or ward a learner's agencies are looked for in, from their unit's lineage
    (the unit first, the root last): the nearest unit of a commune kind; else the one just below
    the root (a province's communes and wards, whatever the file calls them); else the root."""
    if not lineage:
        return None
    for unit in lineage:
        if " ".join(folded_words(unit.kind.replace("_", " "))) in COMMUNE_KINDS:
            return unit
    return lineage[-2] if len(lineage) >= 2 else lineage[-1]


def match_units(text: str, units: Sequence[UnitRecord]) -> list[UnitRecord]:
    """The units a typed name means, without regard to diacritics or case: the one whose whole
    name it is; else every unit whose name holds the typed words in a row ("ubnd phuong" in
    "UBND phường Phan Đình Phùng"), when the typed words say enough (two words, or one of 4+
    letters). Empty when nothing matches."""
    typed = folded_words(text)
    if not typed:
        return []
    exact = [u for u in units if folded_words(u.name) == typed]
    if exact:
        return exact
    if len(typed) < 2 and len(typed[0]) < 4:
        return []
    return [u for u in units if _holds(folded_words(u.name), typed)]


def _holds(words: list[str], run: list[str]) -> bool:
    return any(words[i : i + len(run)] == run for i in range(len(words) - len(run) + 1))


def match_ethnicity(text: str) -> str | None:
    """The stored name of the ethnic group typed ("tay", "Tày", "H'Mông", "khmer"); None when
    it is none of Vietnam's 54 (or their usual other names)."""
    return _BY_FOLDED.get(tuple(folded_words(text)))


def is_skip(text: str) -> bool:
    """ "bỏ qua", "bo qua", "không", "skip": the learner would rather not answer."""
    return tuple(folded_words(text)) in SKIP_WORDS
