"""Standings that roll up the unit tree, on a real SQLite file and the machine's PostgreSQL."""

from __future__ import annotations

from bot.app import App
from bot.services import rankings
from bot.services.units import import_units
from tests.conftest import Chat, Clock, join_code, text_of

# The demo tree plus a commune with a group and a team under that group, and denominators:
# PDP 40 working-age people, T05 10, T07 unknown; XQ 20, Q1 5, Q1A unknown.
TREE = """code,name,kind,parent_code,population,working_age,officials,business_owners
TN,Tỉnh Thái Nguyên,province,,1300000,,,
PDP,Phường Phan Đình Phùng,ward,TN,90000,40,4,
T05,Tổ dân phố số 5,group,PDP,420,10,2,
T07,Tổ dân phố số 7,group,PDP,380,,,
XQ,Xã Quyết Thắng,commune,TN,20000,20,,
Q1,Xóm 1,group,XQ,100,5,,
Q1A,Đội thanh niên xóm 1,team,Q1,50,,,
"""


async def learner(app: App, user: str, unit: str, study: bool = True, name: str = "") -> Chat:
    chat = Chat(app, user, name=name or f"Người {user}")
    await chat.join(await join_code(app, unit))
    if study:
        lesson = app.deps.curriculum.lessons[0]
        await chat.send("/lesson")
        await chat.tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")
    return chat


async def unit_id(app: App, code: str) -> int:
    async with app.store.transaction() as repo:
        unit = await repo.units.unit_by_code(code)
    assert unit is not None
    return unit.id


async def populate(app: App) -> None:
    report = await import_units(app.store, TREE)
    assert not report.errors
    await learner(app, "1", "T05")
    await learner(app, "2", "T05", study=False)
    await learner(app, "3", "T07")
    await learner(app, "4", "Q1")
    await learner(app, "5", "Q1A")


def by_name(board: rankings.UnitBoard) -> dict[str, tuple[int | None, int, int, float | None]]:
    return {
        r.figures.name: (r.rank, r.figures.members, r.figures.active, r.figures.participation)
        for r in board.rows
    }


async def test_units_are_counted_over_their_whole_subtree(any_app: App) -> None:
    await populate(any_app)
    pdp, xq = await unit_id(any_app, "PDP"), await unit_id(any_app, "XQ")
    async with any_app.store.transaction() as repo:
        province = await rankings.province_board(any_app.deps, repo, pdp, live=True)
        groups = await rankings.commune_board(any_app.deps, repo, xq, live=True)
    assert province is not None and groups is not None
    # Communes are ranked across the province, each over every learner below it.
    assert by_name(province) == {
        "Xã Quyết Thắng": (1, 2, 2, 2 / 20),
        "Phường Phan Đình Phùng": (2, 3, 2, 2 / 40),
    }
    assert province.mine is not None and province.mine.figures.unit_id == pdp
    # A group counts the team under it too.
    assert by_name(groups) == {"Xóm 1": (1, 2, 2, 2 / 5)}


async def test_the_snapshot_gives_the_same_boards_as_counting_live(any_app: App) -> None:
    await populate(any_app)
    pdp = await unit_id(any_app, "PDP")
    assert await rankings.refresh(any_app.deps) == 7  # every unit has a row
    async with any_app.store.transaction() as repo:
        for live in (True, False):
            board = await rankings.province_board(any_app.deps, repo, pdp, live=live)
            groups = await rankings.commune_board(any_app.deps, repo, pdp, live=live)
            assert board is not None and groups is not None
            assert by_name(board)["Phường Phan Đình Phùng"] == (2, 3, 2, 2 / 40)
            assert by_name(groups) == {
                "Tổ dân phố số 5": (1, 2, 1, 1 / 10),
                "Tổ dân phố số 7": (None, 1, 1, None),
            }
            assert (board.computed_at is None) is live


async def test_an_unknown_population_is_unknown_never_full(app: App) -> None:
    """1 of 1 learners who studied, in a group with no working-age figure: not 100%."""
    await import_units(app.store, TREE)
    chat = await learner(app, "7", "T07")
    out = await chat.send("/leaderboard")
    commune = out[1].text
    assert "100%" not in commune
    row = next(line for line in commune.splitlines() if "Tổ dân phố số 7" in line)
    assert "chưa rõ" in row and not row.startswith("1.")
    # Its own officials and business owners are unknown too, and said so.
    assert "Tổ dân phố số 5" in commune


async def test_equal_rates_share_a_rank(app: App) -> None:
    await import_units(app.store, TREE + "T09,Tổ dân phố số 9,group,PDP,300,10,,\n")
    await learner(app, "1", "T05")
    await learner(app, "9", "T09")
    async with app.store.transaction() as repo:
        board = await rankings.commune_board(app.deps, repo, await unit_id(app, "PDP"))
    assert board is not None
    ranks = {r.figures.name: r.rank for r in board.rows}
    # Same rate (1 of 10), no scores yet: both first; the unknown one is not ranked.
    assert ranks == {"Tổ dân phố số 5": 1, "Tổ dân phố số 9": 1, "Tổ dân phố số 7": None}


async def test_leaderboard_dialog_shows_the_province_communes(app: App) -> None:
    await populate(app)
    out = await Chat(app, "1").send("/leaderboard")
    group, commune, province = out
    assert "Tổ dân phố số 5" in group.title and "Người 1 ⭐" in group.text
    assert commune.text.splitlines()[0].startswith("1. Tổ dân phố số 5 ⭐: 10% tham gia (1/10")
    lines = province.text.splitlines()
    assert "Tỉnh Thái Nguyên" in province.title
    assert lines[0].startswith("1. Xã Quyết Thắng: 10% tham gia (2/20")
    assert lines[1].startswith("2. Phường Phan Đình Phùng ⭐: 5% tham gia (2/40")
    # The ward's officials: 0 of 4 studied; its business owners are unknown.
    assert "cán bộ tham gia 0% (0/4)" in province.text and "hộ kinh doanh tham gia chưa rõ" in (
        province.text
    )


async def test_a_board_from_the_snapshot_says_when_it_was_counted(app: App, clock: Clock) -> None:
    await populate(app)
    await rankings.refresh(app.deps)
    async with app.store.transaction() as repo:
        me = await repo.learners.identity("telegram", "1")
        assert me is not None
        learner_record = await repo.learners.learner(me.learner_id)
        assert learner_record is not None
        result = await rankings.standings_for(app.deps, repo, learner_record, live=False)
    from bot.i18n import Translator
    from bot.services.rankings_chat import standings

    text = text_of(standings(result, Translator("vi"), app.deps.timezone))
    assert "Số liệu cập nhật lúc 08:00 23/11" in text  # 01:00 UTC is 08:00 in Hà Nội


async def test_import_keeps_denominators_a_file_does_not_have(app: App) -> None:
    await import_units(app.store, TREE)
    # An older file without the new columns leaves them; an empty cell makes one unknown.
    await import_units(
        app.store, "code,name,kind,parent_code,population\nT05,Tổ dân phố số 5,group,PDP,420\n"
    )
    await import_units(
        app.store, "code,name,kind,parent_code,population,working_age\nQ1,Xóm 1,group,XQ,100,\n"
    )
    report = await import_units(
        app.store,
        "code,name,kind,parent_code,population,officials\n"
        "PDP,Phường Phan Đình Phùng,ward,TN,90000,nhiều\n",
    )
    assert report.errors == ["line 2: officials 'nhiều' is not a number"]
    await learner(app, "1", "T05")
    await learner(app, "4", "Q1")
    async with app.store.transaction() as repo:
        pdp = await rankings.commune_board(app.deps, repo, await unit_id(app, "PDP"))
        xq = await rankings.commune_board(app.deps, repo, await unit_id(app, "XQ"))
    assert pdp is not None and xq is not None
    assert by_name(pdp)["Tổ dân phố số 5"][3] == 1 / 10
    assert by_name(xq)["Xóm 1"][3] is None


async def test_moving_a_group_moves_its_learners_between_communes(app: App) -> None:
    await populate(app)
    await import_units(
        app.store, "code,name,kind,parent_code,population\nT07,Tổ dân phố số 7,group,XQ,380\n"
    )
    async with app.store.transaction() as repo:
        board = await rankings.province_board(app.deps, repo, await unit_id(app, "XQ"))
    assert board is not None
    assert by_name(board)["Xã Quyết Thắng"][1:3] == (3, 3)
    assert by_name(board)["Phường Phan Đình Phùng"][1:3] == (2, 1)
