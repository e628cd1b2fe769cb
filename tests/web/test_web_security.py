"""The web pages refuse what they must, over real HTTP on a real database: a reused or expired
link, a forged or tampered cookie, a session signed out of or expired, a POST without its CSRF
token, a leader opening another group, an official opening a sibling ward. Each is refused and
the other unit's name never appears in the answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import App
from bot.channels.web.session import COOKIE, Sealer
from bot.services import invites, web_signin
from bot.services.permissions import Role
from bot.storage.models import WebLink
from scoring.certificate_code import shown
from tests.conftest import Clock
from tests.web.site import (
    SECRET,
    TTL,
    add_units,
    certificate_in,
    client_for,
    csrf_of,
    link_for,
    path_of,
    person,
    sign_in,
    unit_id,
)


async def test_a_link_opens_one_session_once(app: App, clock: Clock) -> None:
    official = await person(app, "501", Role.OFFICIAL, "PDP")
    path = path_of(await link_for(app, official))
    async with client_for(app) as client:
        preview = await client.get(path)  # a chat app's preview: shows a button, uses nothing
        assert preview.status == 200 and "Vào trang quản lý" in await preview.text()
        assert COOKIE not in {c.key for c in client.session.cookie_jar}
        opened = await client.post(path, allow_redirects=False)
        assert opened.status == 303
        cookie = opened.cookies[COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/web"
        assert not cookie["secure"]  # served over http here; see the https case below
        home = await client.get(f"/web/unit/{await unit_id(app, 'T05')}/members")
        assert home.status == 200 and "Tổ dân phố số 5" in await home.text()
    async with client_for(app) as other:  # the same link again, in another browser
        again = await other.get(path)
        assert again.status == 410 and "đã được dùng hoặc đã quá 10 phút" in await again.text()
        used = await other.post(path, allow_redirects=False)
        assert used.status == 410 and COOKIE not in used.cookies
        assert (await other.get("/web/")).status == 401


async def test_an_expired_link_opens_nothing(app: App, clock: Clock) -> None:
    official = await person(app, "502", Role.OFFICIAL, "PDP")
    path = path_of(await link_for(app, official))
    clock.advance(minutes=10, seconds=1)
    async with client_for(app) as client:
        assert (await client.get(path)).status == 410
        response = await client.post(path, allow_redirects=False)
        assert response.status == 410 and COOKIE not in response.cookies
        assert (await client.get("/web/")).status == 401


@pytest.mark.parametrize("token", ["short", "A" * 43, "x" * 2000, "%3Cscript%3E"])
async def test_made_up_links_open_nothing(app: App, token: str) -> None:
    async with client_for(app) as client:
        response = await client.post(f"/web/login/{token}", allow_redirects=False)
        assert response.status in (404, 410) and COOKIE not in response.cookies
        assert "<script>" not in await response.text()


async def test_a_forged_or_tampered_cookie_sees_nothing(app: App) -> None:
    official = await person(app, "503", Role.OFFICIAL, "PDP")
    group = await unit_id(app, "T05")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        real = next(c.value for c in client.session.cookie_jar if c.key == COOKIE)
    forged = [
        "",
        "gAAAAA" + "B" * 120,  # looks like a sealed value, is not
        real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB"),  # tampered
        Sealer.for_secret("another secret of forty characters....").seal(1)[0],  # wrong key
    ]
    for value in forged:
        async with client_for(app) as client:
            client.session.cookie_jar.update_cookies({COOKIE: value})
            response = await client.get(f"/web/unit/{group}/members")
            body = await response.text()
            assert response.status == 401, value
            assert "Tổ dân phố số 5" not in body and "Bạn chưa đăng nhập" in body
            assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


async def test_signing_out_ends_the_session_even_for_a_copied_cookie(
    app: App,
    clock: Clock,
) -> None:
    official = await person(app, "504", Role.OFFICIAL, "PDP")
    group = await unit_id(app, "T05")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        copied = next(c.value for c in client.session.cookie_jar if c.key == COOKIE)
        page = await (await client.get(f"/web/unit/{group}/members")).text()
        out = await client.post("/web/logout", data={"csrf": csrf_of(page)}, allow_redirects=False)
        assert out.status == 303 and out.headers["Location"] == "/web/signed-out"
        assert (await client.get(f"/web/unit/{group}/members")).status == 401
    async with client_for(app) as thief:
        thief.session.cookie_jar.update_cookies({COOKIE: copied})
        assert (await thief.get(f"/web/unit/{group}/members")).status == 401


async def test_a_session_ends_after_its_hours(app: App, clock: Clock) -> None:
    official = await person(app, "505", Role.OFFICIAL, "PDP")
    group = await unit_id(app, "T05")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        assert (await client.get(f"/web/unit/{group}/members")).status == 200
        clock.advance(hours=8, minutes=1)
        assert (await client.get(f"/web/unit/{group}/members")).status == 401


async def test_a_revoked_role_closes_the_pages_at_once(app: App) -> None:
    leader = await person(app, "506", Role.LEADER, "T05")
    group = await unit_id(app, "T05")
    async with client_for(app) as client:
        await sign_in(client, app, leader)
        assert (await client.get(f"/web/unit/{group}/members")).status == 200
        async with app.store.transaction() as repo:
            (held,) = await repo.roles.active_roles(leader)
            await invites.revoke(repo, held.id, None, app.deps.now(), via="test")
        response = await client.get(f"/web/unit/{group}/members")
        assert response.status == 401 and "Tổ dân phố số 5" not in await response.text()


async def test_a_learner_without_a_role_gets_no_link(app: App) -> None:
    learner = await person(app, "507", None, None, name="Học viên Hà")
    async with app.store.transaction() as repo:
        assert await web_signin.new_link(app.deps, repo, learner) is None


async def test_a_leader_never_sees_another_group(app: App) -> None:
    leader = await person(app, "508", Role.LEADER, "T05")
    mine, theirs = await unit_id(app, "T05"), await unit_id(app, "T07")
    ward = await unit_id(app, "PDP")
    async with client_for(app) as client:
        await sign_in(client, app, leader)
        assert (await client.get(f"/web/unit/{mine}/members")).status == 200
        for path in (
            f"/web/unit/{theirs}/members",
            f"/web/unit/{ward}/members",
            f"/web/honours?unit={theirs}",
            f"/web/honours?unit={ward}",
            "/web/unit/999999/members",
        ):
            response = await client.get(path)
            body = await response.text()
            assert response.status == 404, path
            assert "Tổ dân phố số 7" not in body and "Phường Phan Đình Phùng" not in body
        # Pages the role does not open at all are as missing as another group.
        for path in ("/web/review", "/web/challenges"):
            assert (await client.get(path)).status == 404


async def test_an_official_never_sees_a_sibling_ward(app: App) -> None:
    await add_units(app)
    theirs_code = await certificate_in(app, "8301", "T11", "Lò Văn Tân")
    mine_code = await certificate_in(app, "8302", "T05", "Nguyễn Thị Hoa")
    official = await person(app, "509", Role.OFFICIAL, "PDP")
    sibling, sibling_group = await unit_id(app, "TL"), await unit_id(app, "T11")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        for path in (
            f"/web/unit/{sibling_group}/members",
            f"/web/unit/{sibling}/members",
            f"/web/honours?unit={sibling}",
            f"/web/honours?unit={sibling_group}",
        ):
            response = await client.get(path)
            body = await response.text()
            assert response.status == 404, path
            assert "Tân Lập" not in body and "Lò Văn Tân" not in body
        listing = await (await client.get("/web/certificates")).text()
        assert shown(mine_code) in listing and "Nguyễn Thị Hoa" in listing
        assert shown(theirs_code) not in listing and "Lò Văn Tân" not in listing
        # Revoking the sibling ward's certificate by typing its code: refused, unchanged.
        revoke = await client.post(
            "/web/certificates/revoke",
            data={"csrf": csrf_of(listing), "code": shown(theirs_code), "reason": "thử"},
        )
        assert revoke.status == 404 and "Lò Văn Tân" not in await revoke.text()
    async with app.store.transaction() as repo:
        record = await repo.certificates.by_code(theirs_code)
        assert record is not None and not record.revoked


async def test_a_post_without_its_csrf_token_changes_nothing(app: App) -> None:
    code = await certificate_in(app, "8303", "T05", "Nguyễn Thị Hoa")
    official = await person(app, "510", Role.OFFICIAL, "PDP")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        page = await (await client.get("/web/certificates")).text()
        token = csrf_of(page)
        for data in (
            {"code": shown(code), "reason": "sao chép"},
            {"csrf": "", "code": shown(code), "reason": "sao chép"},
            {"csrf": token[:-2] + "xx", "code": shown(code), "reason": "sao chép"},
        ):
            response = await client.post("/web/certificates/revoke", data=data)
            assert response.status == 403 and "Chưa lưu được" in await response.text()
        # The right token from another site's page (a cross-site form): refused by its Origin.
        crossed = await client.post(
            "/web/certificates/revoke",
            headers={"Origin": "https://evil.example"},
            data={"csrf": token, "code": shown(code), "reason": "sao chép"},
        )
        assert crossed.status == 403
        logout = await client.post("/web/logout", data={})
        assert logout.status == 403
        assert (await client.get("/web/certificates")).status == 200  # still signed in
    async with app.store.transaction() as repo:
        record = await repo.certificates.by_code(code)
        assert record is not None and not record.revoked


async def test_an_official_revokes_with_a_reason(app: App) -> None:
    code = await certificate_in(app, "8304", "T05", "Nguyễn Thị Hoa")
    official = await person(app, "511", Role.OFFICIAL, "PDP")
    async with client_for(app) as client:
        await sign_in(client, app, official)
        token = csrf_of(await (await client.get("/web/certificates")).text())
        blank = await client.post(
            "/web/certificates/revoke", data={"csrf": token, "code": shown(code), "reason": "   "}
        )
        assert blank.status == 400 and "cần ghi rõ lý do" in await blank.text()
        done = await client.post(
            "/web/certificates/revoke",
            data={"csrf": token, "code": shown(code), "reason": "Bài cuối bậc sao chép"},
        )
        page = await done.text()
        assert done.status == 200 and "Đã thu hồi chứng nhận" in page
        assert "Bài cuối bậc sao chép" in page
    async with app.store.transaction() as repo:
        record = await repo.certificates.by_code(code)
        assert record is not None and record.revoked
        assert record.revoke_reason == "Bài cuối bậc sao chép"
        assert record.revoked_by == f"web:{official}"


async def test_a_leader_may_not_revoke(app: App) -> None:
    code = await certificate_in(app, "8305", "T05", "Nguyễn Thị Hoa")
    leader = await person(app, "512", Role.LEADER, "T05")
    async with client_for(app) as client:
        await sign_in(client, app, leader)
        page = await (await client.get("/web/certificates")).text()
        assert shown(code) in page and "Thu hồi chứng nhận" not in page  # no form offered
        response = await client.post(
            "/web/certificates/revoke",
            data={"csrf": csrf_of(page), "code": shown(code), "reason": "sao chép"},
        )
        assert response.status == 404
    async with app.store.transaction() as repo:
        record = await repo.certificates.by_code(code)
        assert record is not None and not record.revoked


async def test_pages_carry_the_security_headers(app: App) -> None:
    official = await person(app, "513", Role.OFFICIAL, "PDP")
    async with client_for(app) as client:
        for response in (await client.get("/web/"), await client.get("/web/nope")):
            assert "script-src" not in response.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"
            assert response.headers["Cache-Control"] == "no-store"
        await sign_in(client, app, official)
        page = await client.get("/web/certificates")
        assert page.headers["X-Frame-Options"] == "DENY" and "<script" not in await page.text()


async def test_the_cookie_is_secure_on_https(app: App) -> None:
    from aiohttp.test_utils import TestServer

    from bot.channels.web.dashboard import dashboard_app

    official = await person(app, "514", Role.OFFICIAL, "PDP")
    app.deps.web_url = "https://hocai.example.vn"
    web_app = dashboard_app(
        app.deps, Sealer.for_secret(SECRET), secure=True, session_ttl=timedelta(hours=1)
    )
    async with TestClient(TestServer(web_app)) as client:
        opened = await client.post(path_of(await link_for(app, official)), allow_redirects=False)
        assert opened.status == 303 and opened.cookies[COOKIE]["secure"]


async def test_another_sites_form_cannot_sign_a_browser_in(app: App) -> None:
    official = await person(app, "515", Role.OFFICIAL, "PDP")
    path = path_of(await link_for(app, official))
    async with client_for(app) as client:
        crossed = await client.post(
            path, headers={"Origin": "https://evil.example"}, allow_redirects=False
        )
        assert crossed.status == 403 and COOKIE not in crossed.cookies
        # Nothing was used up: the person's own press still works.
        assert (await client.post(path, allow_redirects=False)).status == 303


async def test_links_and_sessions_on_every_database(any_app: App, clock: Clock) -> None:
    """The used-once update and the session's end, on SQLite and on PostgreSQL."""
    app = any_app
    official = await person(app, "516", Role.OFFICIAL, "PDP")
    token = path_of(await link_for(app, official)).rsplit("/", 1)[1]
    late = path_of(await link_for(app, official)).rsplit("/", 1)[1]
    async with app.store.transaction() as repo:
        first = await web_signin.open_link(app.deps, repo, token, TTL)
        assert first is not None and first.learner_id == official
        assert await web_signin.open_link(app.deps, repo, token, TTL) is None  # used
        assert await web_signin.live_session(app.deps, repo, first.id) is not None
    clock.advance(minutes=11)
    async with app.store.transaction() as repo:
        assert await web_signin.open_link(app.deps, repo, late, TTL) is None  # expired
        await repo.web.sign_out(first.id, app.deps.now())
    async with app.store.transaction() as repo:
        assert await web_signin.live_session(app.deps, repo, first.id) is None
        # Only the token's hash is stored.
        assert (
            await repo.s.scalar(
                select(func.count()).select_from(WebLink).where(WebLink.token_hash == token)
            )
            == 0
        )
        assert (
            await repo.s.scalar(
                select(func.count())
                .select_from(WebLink)
                .where(WebLink.token_hash == web_signin.token_hash(token))
            )
            == 1
        )


async def test_spent_links_are_purged_by_the_housekeeping_job(app: App, clock: Clock) -> None:
    from bot.scheduling.jobs import drop_lapsed_leases

    official = await person(app, "517", Role.OFFICIAL, "PDP")
    opened = path_of(await link_for(app, official)).rsplit("/", 1)[1]
    await link_for(app, official)  # never opened
    async with app.store.transaction() as repo:
        session = await web_signin.open_link(app.deps, repo, opened, TTL)
    assert session is not None
    clock.advance(days=1, hours=9)  # its 8 hours ended 25 hours ago; the other link long expired
    fresh = await link_for(app, official)
    await drop_lapsed_leases(app)
    async with app.store.transaction() as repo:
        assert await repo.s.scalar(select(func.count()).select_from(WebLink)) == 1
        assert await web_signin.link_usable(app.deps, repo, path_of(fresh).rsplit("/", 1)[1])
