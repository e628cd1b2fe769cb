"""The target groups' pure rules: agencies, the commune they are looked for in, ethnic groups,
and the button keys that carry them."""

from __future__ import annotations

import pytest

from bot.services import buttons as b
from bot.services import target_groups as tg
from bot.services.ports import UnitRecord
from lessons.textnorm import folded_words


def unit(id_: int, kind: str, name: str = "", parent: int | None = None) -> UnitRecord:
    return UnitRecord(id_, f"U{id_}", name or f"Unit {id_}", kind, parent)


PROVINCE, WARD, GROUP = unit(1, "province"), unit(2, "ward", parent=1), unit(3, "group", parent=2)


@pytest.mark.parametrize(
    ("lineage", "expected"),
    [
        ([GROUP, WARD, PROVINCE], 2),  # a neighbourhood group: its ward
        ([WARD, PROVINCE], 2),  # the ward itself
        ([unit(4, "agency", parent=2), WARD, PROVINCE], 2),  # an office team: its ward
        ([unit(5, "xã", parent=1), PROVINCE], 5),  # "xã" written in Vietnamese
        ([unit(6, "Phường", parent=1), PROVINCE], 6),
        (
            [unit(7, "tổ", parent=8), unit(8, "cụm", parent=1), PROVINCE],
            8,
        ),  # unknown kinds: below the root
        ([PROVINCE], 1),  # joined the province: the whole province
        ([], None),
    ],
)
def test_the_area_agencies_are_looked_for_in(
    lineage: list[UnitRecord], expected: int | None
) -> None:
    found = tg.area(lineage)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize(
    ("kind", "agency"),
    [
        ("agency", True),
        ("Agency", True),
        ("co_quan", True),
        ("cơ quan", True),
        (" agency ", True),
        ("group", False),
        ("ward", False),
        ("lớp", False),
        ("agencies", False),
    ],
)
def test_which_kinds_are_agencies(kind: str, agency: bool) -> None:
    assert tg.is_agency(unit(9, kind)) is agency


AGENCIES = [
    unit(10, "agency", "UBND phường Phan Đình Phùng"),
    unit(11, "agency", "Công an phường Phan Đình Phùng"),
    unit(12, "agency", "Trường THCS Nha Trang"),
    unit(13, "agency", "Sở Khoa học và Công nghệ"),
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("UBND phường Phan Đình Phùng", [10]),
        ("ubnd phuong phan dinh phung", [10]),  # no diacritics, lower case
        ("  UBND   Phường ", [10]),  # the first words
        ("truong thcs", [12]),
        ("khoa hoc va cong nghe", [13]),  # words in the middle
        ("phan dinh phung", [10, 11]),  # two agencies: both offered
        ("nha", []),  # too little to go on
        ("uy ban", []),
        ("", []),
        ("🙂", []),
    ],
)
def test_a_typed_agency_name_is_matched(typed: str, expected: list[int]) -> None:
    assert [u.id for u in tg.match_units(typed, AGENCIES)] == expected


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Tày", "Tày"),
        ("tay", "Tày"),
        ("TÀY", "Tày"),
        ("Thai", "Thái"),
        ("Nung", "Nùng"),
        ("san chay", "Sán Chay"),
        ("Cao Lan", "Sán Chay"),
        ("H'Mông", "Mông"),
        ("hmong", "Mông"),
        ("mong", "Mông"),
        ("san diu", "Sán Dìu"),
        ("ê đê", "Ê Đê"),
        ("Ede", None),
        ("e de", "Ê Đê"),
        ("khmer", "Khmer"),
        ("Kinh", "Kinh"),
        ("dân tộc khác", tg.OTHER),
        ("Nguyễn Văn A", None),
        ("0912345678", None),
        ("", None),
        ("tay nung", None),
    ],
)
def test_a_typed_ethnic_group_is_one_of_the_54(typed: str, stored: str | None) -> None:
    assert tg.match_ethnicity(typed) == stored


def test_the_54_groups_are_told_apart_without_diacritics() -> None:
    assert len(tg.ETHNIC_GROUPS) == 54 == len(set(tg.ETHNIC_GROUPS))
    folded = [tuple(folded_words(name)) for name in tg.ETHNIC_GROUPS]
    assert len(set(folded)) == 54
    assert set(tg.OFFERED_ETHNICITIES.values()) <= set(tg.ETHNIC_GROUPS)
    assert set(tg.ALIASES.values()) <= {*tg.ETHNIC_GROUPS, tg.OTHER}


@pytest.mark.parametrize(
    ("typed", "skip"),
    [
        ("bỏ qua", True),
        ("Bo qua", True),
        ("không", True),
        ("skip", True),
        ("Tày", False),
        ("bỏ qua đi mà", False),
    ],
)
def test_skip_words(typed: str, skip: bool) -> None:
    assert tg.is_skip(typed) is skip


@pytest.mark.parametrize(
    ("button", "key"),
    [
        (b.Agency("pick", 42), "ag:pick:42"),
        (b.Agency("skip"), "ag:skip"),
        (b.Agency("ask"), "ag:ask"),
        (b.Occupation(), "occ"),
        (b.Occupation("official"), "occ:official"),
        (b.Ethnicity("ask"), "eth:ask"),
        (b.Ethnicity("pick", "san_chay"), "eth:pick:san_chay"),
        (b.Ethnicity("withdraw"), "eth:withdraw"),
    ],
)
def test_the_new_buttons_pack_and_parse(button: b.Button, key: str) -> None:
    assert button.pack() == key and b.parse(key) == button


@pytest.mark.parametrize(
    "key",
    [
        "ag:pick",
        "ag:pick:0",
        "ag:skip:3",
        "ag:pick:-1",
        "ag:pick:99999999999999999999",
        "occ:boss",
        "eth:pick",
        "eth:pick:klingon",
        "eth:yes:tay",
        "eth:drop",
    ],
)
def test_forged_target_group_keys_are_refused(key: str) -> None:
    assert b.parse(key) is None
