"""What each page shows, and to whom: the review queue kept and changed through the chat's service
(the learner told, points through the ledger), another ward's work out of reach; a roster with
names, progress and reachability and nothing private; challenges; honours for a period; the
navigation only what the roles open; the children table's order; the charts."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.app.web import XLSX, report_maker
from bot.channels.web import charts
from bot.channels.web.overview import sort_rows
from bot.config import SettingsError, load_settings
from bot.services import certificates, web_signin
from bot.services.dashboard import ChildRow
from bot.services.permissions import Role
from scoring.certificate_code import shown
from tests.conftest import Chat, join_code
from tests.services.test_review import Told
from tests.web.site import (
    add_units,
    certificate_in,
    client_for,
    csrf_of,
    person,
    sign_in,
    unit_id,
)


async def appealed_work(app: App, user: str, group: str) -> int:
    """A learner of `group` sends weak work and appeals its grade: it waits in the queue."""
    chat = Chat(app, user, name=f"Học viên {user}")
    await chat.join(await join_code(app, group))
    await chat.send("/lesson")
    lesson = app.deps.curriculum.lessons[0]
    await chat.tap("work:submit")
    out = await chat.send(lesson.rubric.weak + " và tôi đã thử với AI rồi nhé các bạn")
    grade = next(o for o in out if o.title.startswith("Điểm bài làm"))
    await chat.tap(grade.options[0].key)  # "Khiếu nại"
    async with app.store.transaction() as repo:
        (item,) = [
            g
            for g in await repo.grades.review_queue(10)
            if g.appealed
            and (await repo.learners.learner(g.learner_id)).nickname == f"Học viên {user}"
        ]  # type: ignore[union-attr]
    return item.id


async def test_an_instructor_keeps_and_changes_grades_of_their_ward_only(app: App) -> None:
    told = Told()
    app.deps.notify = told
    await add_units(app)
    mine = await appealed_work(app, "4001", "T05")
    theirs = await appealed_work(app, "4002", "T11")
    instructor = await person(app, "4100", Role.INSTRUCTOR, "PDP", name="Giảng viên Minh")
    async with client_for(app) as client:
        await sign_in(client, app, instructor)
        page = await client.get("/web/review")
        body = await page.text()
        assert page.status == 200 and "1 bài đang chờ xem lại" in body
        assert f"Bài chấm #{mine}:" in body and f"Bài chấm #{theirs}:" not in body
        token = csrf_of(body)
        bad = await client.post(
            f"/web/review/{mine}", data={"csrf": token, "action": "set", "score": "150"}
        )
        assert bad.status == 400 and "từ 0 đến 100" in await bad.text()
        other = await client.post(f"/web/review/{theirs}", data={"csrf": token, "action": "ok"})
        assert other.status == 404  # another ward's work: not even that it exists
        done = await client.post(
            f"/web/review/{mine}", data={"csrf": token, "action": "set", "score": "85"}
        )
        text = await done.text()
        assert done.status == 200 and f"bài #{mine} được 85/100" in text
        assert f"Bài chấm #{mine}:" not in text  # off the queue
    async with app.store.transaction() as repo:
        kept = await repo.grades.grade(theirs)
        assert kept is not None and kept.status == "review"  # untouched
        learner = await repo.learners.identity("telegram", "4001")
        assert learner is not None
        latest = await repo.grades.latest_grade(learner.learner_id)
        assert latest is not None and latest.score == 85 and latest.status == "final"
    assert any("85" in m.text for _, m in told.messages)  # the learner was told


async def test_a_roster_shows_progress_and_reach_and_nothing_private(app: App) -> None:
    chat = Chat(app, "4201", name="Phạm Thị Dung")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    leader = await person(app, "4202", Role.LEADER, "T05", name="Tổ trưởng Hải")
    async with client_for(app) as client:
        await sign_in(client, app, leader)
        body = await (await client.get(f"/web/unit/{await unit_id(app, 'T05')}/members")).text()
    assert "Phạm Thị Dung" in body and "nhận được tin" in body
    for private in ("1990", "4201", "telegram"):
        assert private not in body
    # The leader's navigation: the roster and the honours, never the review or the figures.
    assert "Vinh danh" in body and "Chấm lại bài" not in body and "Thử thách" not in body
    assert "Xem số liệu" not in body


async def test_navigation_follows_the_roles(app: App) -> None:
    official = await person(app, "4301", Role.OFFICIAL, "PDP")
    instructor = await person(app, "4302", Role.INSTRUCTOR, "T05")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        body = await (await client.get("/web/certificates")).text()
        assert 'href="/web/certificates"' in body and 'href="/web/review"' not in body
    async with client_for(app) as client:
        await sign_in(client, app, instructor)
        body = await (await client.get("/web/certificates")).text()
        assert 'href="/web/review"' in body and 'href="/web/challenges"' in body
        assert (await client.get(f"/web/unit/{await unit_id(app, 'T05')}")).status == 404


async def test_challenges_show_their_standings(app: App) -> None:
    instructor = await person(app, "4401", Role.INSTRUCTOR, "PDP")
    async with app.store.transaction() as repo:
        unit = await repo.units.unit_by_code("T05")
        assert unit is not None
        await repo.challenges.add_challenge(
            unit.id,
            instructor,
            "Viết lời mời họp tổ bằng AI",
            None,
            ("rõ ràng",),
            20,
            app.deps.now().replace(year=2027),
            app.deps.now(),
        )
    async with client_for(app) as client:
        await sign_in(client, app, instructor)
        body = await (await client.get("/web/challenges")).text()
    assert "Viết lời mời họp tổ bằng AI" in body and "Tổ dân phố số 5" in body
    assert "20 điểm thưởng" in body and "đang mở" in body


async def test_honours_for_a_period_and_a_bad_period(app: App) -> None:
    official = await person(app, "4501", Role.OFFICIAL, "PDP")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        page = await client.get("/web/honours?period=2026q4")
        body = await page.text()
        assert page.status == 200 and "Vinh danh: Phường Phan Đình Phùng" in body
        assert "01/10/2026" in body
        bad = await client.get("/web/honours?period=2026Q9")
        assert bad.status == 400 and "2026Q4" in await bad.text()


async def test_an_official_at_the_top_lands_on_the_overview(app: App) -> None:
    official = await person(app, "4601", Role.OFFICIAL, "TN")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        home = await client.get("/web/", allow_redirects=False)
        assert home.status == 303 and home.headers["Location"] == (
            f"/web/unit/{await unit_id(app, 'TN')}"
        )
        body = await (await client.get(home.headers["Location"])).text()
        assert "Tỉnh Thái Nguyên" in body and "Phường Phan Đình Phùng" in body
        assert "chưa rõ" in body or "Chưa rõ" in body  # no denominators: unknown, never 100%
        assert "100%: " not in body


def row(name: str, learners: int, participation: float | None) -> ChildRow:
    return ChildRow(0, name, name, "group", learners, 0, None, participation, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("key", "descending", "order"),
    [
        ("name", False, ["An", "Bình", "Cúc"]),
        ("name", True, ["Cúc", "Bình", "An"]),
        ("learners", True, ["Bình", "An", "Cúc"]),
        ("learners", False, ["Cúc", "An", "Bình"]),
        ("participation", True, ["An", "Cúc", "Bình"]),  # unknown last either way
        ("participation", False, ["Cúc", "An", "Bình"]),
        ("no-such-column", False, ["An", "Bình", "Cúc"]),
    ],
)
def test_the_children_sort(key: str, descending: bool, order: list[str]) -> None:
    rows = [row("Cúc", 1, 0.1), row("An", 5, 0.5), row("Bình", 9, None)]
    assert [r.name for r in sort_rows(rows, key, descending)] == order


@pytest.mark.parametrize(
    ("rate", "text"),
    [(None, "–"), (0.0, "0%"), (0.5, "50%"), (0.4567, "45,7%"), (1.0, "100%"), (1.234, "123,4%")],
)
def test_percent(rate: float | None, text: str) -> None:
    assert charts.percent(rate) == text


def test_gauges_never_fill_an_unknown_rate() -> None:
    unknown = charts.gauge(None, 0.8, "x")
    assert 'fill="#174e3d"' not in unknown and 'fill="#b8912f"' not in unknown
    full = charts.gauge(1.0, 0.8, "x")
    assert 'width="240.0"' in full and 'fill="#174e3d"' in full
    assert "style=" not in full + unknown  # the CSP allows no inline style


def test_the_trend_escapes_its_labels_and_scales() -> None:
    svg = charts.trend(
        [date(2026, 11, 2), date(2026, 11, 9)], [("<b>x</b>", "#000", [3, 130])], "<script>"
    )
    assert "<script>" not in svg and "&lt;b&gt;" in svg
    assert ">200<" in svg and "02/11" in svg and "09/11" in svg


def test_settings_fail_fast_without_a_cookie_key_in_production() -> None:
    with pytest.raises(SettingsError, match="HOCAI_WEB_SECRET"):
        load_settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN="",
            HOCAI_WEB_PORT="8090",
            HOCAI_PUBLIC_URL="https://hocai.example.vn",
        )
    with pytest.raises(SettingsError, match="32 characters"):
        load_settings(_env_file=None, TELEGRAM_BOT_TOKEN="", HOCAI_WEB_SECRET="short")
    fine = load_settings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN="",
        HOCAI_WEB_PORT="8090",
        HOCAI_PUBLIC_URL="https://hocai.example.vn",
        HOCAI_WEB_SECRET="k" * 40,
    )
    assert fine.web_served("all") and fine.web_address == "https://hocai.example.vn"
    local = load_settings(_env_file=None, TELEGRAM_BOT_TOKEN="")
    assert not local.web_served("all") and local.web_served("web")


async def test_the_report_download_is_scoped_and_checks_its_period(app: App) -> None:
    await add_units(app)
    official = await person(app, "4701", Role.OFFICIAL, "PDP")
    leader = await person(app, "4702", Role.LEADER, "T05")
    ward, sibling = await unit_id(app, "PDP"), await unit_id(app, "TL")
    async with client_for(app, reports=report_maker()) as client:
        await sign_in(client, app, official)
        xlsx = await client.get(f"/web/unit/{ward}/report.xlsx?period=2026-q4")
        assert xlsx.status == 200 and xlsx.content_type == XLSX
        assert 'filename="bao-cao-PDP-2026Q4.xlsx"' in xlsx.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(await xlsx.read()), read_only=True)
        codes = [r[0] for r in book["Hoạt động"].iter_rows(min_row=2, values_only=True)]
        assert codes == ["PDP", "T05", "T07"]
        pdf = await client.get(f"/web/unit/{ward}/report.pdf")
        assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
        for period, words in (("2026Q7", "2026Q4"), ("2026", "2026Q4"), ("2027Q2", "chưa bắt đầu")):
            bad = await client.get(f"/web/unit/{ward}/report.xlsx?period={period}")
            assert bad.status == 400 and words in await bad.text(), period
        other = await client.get(f"/web/unit/{sibling}/report.xlsx")
        assert other.status == 404 and "Tân Lập" not in await other.text()
    async with client_for(app, reports=report_maker()) as client:
        await sign_in(client, app, leader)  # a leader has no figures pages
        assert (await client.get(f"/web/unit/{ward}/report.xlsx")).status == 404
        assert (await client.get(f"/web/unit/{await unit_id(app, 'T05')}")).status == 404


async def test_hocai_admins_sign_in_the_same_way_and_see_everything(app: App) -> None:
    await add_units(app)
    admin = await person(app, "4801", None, None, name="Quản trị Tỉnh")
    app.deps.web_url = "http://hocai.test"
    async with app.store.transaction() as repo:  # not yet an administrator: no link
        assert await web_signin.new_link(app.deps, repo, admin) is None
    app.deps.admins = frozenset({"telegram:4801"})
    async with client_for(app) as client:
        await sign_in(client, app, admin)
        body = await (await client.get("/web/")).text()
        assert "Tỉnh Thái Nguyên" in body and "Phường Tân Lập" in body
        assert (await client.get(f"/web/unit/{await unit_id(app, 'T11')}/members")).status == 200
        assert (await client.get("/web/review")).status == 200


async def test_certificates_counted_and_filtered_on_every_database(any_app: App) -> None:
    app = any_app
    kept = await certificate_in(app, "4901", "T05", "Nguyễn Thị Hoa")
    gone = await certificate_in(app, "4902", "T07", "Trần Văn Bình")
    async with app.store.transaction() as repo:
        outcome, _ = await certificates.revoke(repo, gone, "test", "sao chép", app.deps.now())
        assert outcome == "revoked"
    official = await person(app, "4903", Role.OFFICIAL, "PDP")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        everything = await (await client.get("/web/certificates")).text()
        assert "Đang hiệu lực: 1 · Đã thu hồi: 1 · Bậc 1: 1" in everything
        assert shown(kept) in everything and shown(gone) in everything
        revoked = await (await client.get("/web/certificates?status=revoked")).text()
        assert shown(gone) in revoked and shown(kept) not in revoked and "sao chép" in revoked
        valid = await (await client.get("/web/certificates?status=issued")).text()
        assert shown(kept) in valid and shown(gone) not in valid
