"""The officials' figures (bot/services/dashboard.py) on a real SQLite file and PostgreSQL: a
small world whose every figure is worked out by hand below, counted live and from the snapshot."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import update

from bot.app import App
from bot.services import dashboard
from bot.services.permissions import Role
from bot.services.ports import GradeStatus
from bot.services.units import import_units
from bot.storage.models import Learner
from tests.conftest import Chat, join_code
from tests.roles.conftest import give
from tests.services.test_honours import NOV, done_with_grade
from tests.services.test_rankings import TREE


@dataclass(frozen=True)
class World:
    ids: dict[str, int]  # learner ids by letter
    units: dict[str, int]  # unit ids by code


async def unit_ids(app: App) -> dict[str, int]:
    async with app.store.transaction() as repo:
        return {u.code: u.id for u in await repo.units.units()}


async def person(app: App, user: str, unit: str, occupation: str, born: int) -> int:
    chat = Chat(app, user, name=f"Người {user}")
    await chat.join(await join_code(app, unit))
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", user)
        assert ident is not None
        await repo.learners.update_learner(ident.learner_id, occupation=occupation, birth_year=born)
        return ident.learner_id


async def populate(app: App) -> World:
    """TREE: TN > PDP (40 working-age, 4 officials) > T05 (10, 2), T07 (unknown);
    TN > XQ (20) > Q1 (5) > Q1A. The clock is Monday 2026-11-23, in Q4."""
    assert not (await import_units(app.store, TREE)).errors
    ids = {
        "a": await person(app, "11", "T05", "farmer", 1990),
        "b": await person(app, "12", "T05", "official", 1985),
        "c": await person(app, "13", "T07", "business", 1950),  # 76: not of working age
        "d": await person(app, "14", "Q1", "student", 2008),
        "e": await person(app, "15", "Q1A", "worker", 2000),
    }
    units = await unit_ids(app)
    lessons = app.deps.curriculum.lessons
    now = app.deps.now()
    async with app.store.transaction() as repo:
        # a: two lessons passed; b: one done with 0 (done, not passed); c, e: one passed each.
        for lesson in lessons[:2]:
            await done_with_grade(app, repo, ids["a"], lesson, 80)
        await done_with_grade(app, repo, ids["b"], lessons[0], 0)
        await done_with_grade(app, repo, ids["c"], lessons[0], 90)
        await done_with_grade(app, repo, ids["e"], lessons[0], 70)
        # A provisional grade passes nothing: d's lesson is done but not passed.
        await done_with_grade(app, repo, ids["d"], lessons[0], 95, GradeStatus.PROVISIONAL)
        for lid in (ids["a"], ids["b"]):
            await repo.progress.add_activity_day(lid, NOV)
        await repo.progress.add_activity_day(ids["a"], date(2026, 11, 22))
        await repo.progress.add_activity_day(ids["e"], date(2026, 11, 20))
        # Certificates: a holds level 1; e's was revoked.
        for letter, code in (("a", "AAAA1111"), ("e", "EEEE2222")):
            learner = await repo.learners.learner(ids[letter])
            assert learner is not None
            await repo.certificates.add(
                ids[letter], 1, "Cơ bản", code, learner.unit_id, "", 1, 80, 80, now
            )
        await repo.certificates.revoke("EEEE2222", "cán bộ", "chép bài", now)
        # b is an official of the office team T07 (an agency); c and d told their ethnicity,
        # only c consented to its being counted.
        await repo.s.execute(
            update(Learner).where(Learner.id == ids["b"]).values(agency_id=units["T07"])
        )
        await repo.s.execute(
            update(Learner)
            .where(Learner.id == ids["c"])
            .values(ethnicity="Tày", ethnicity_consent_at=now)
        )
        await repo.s.execute(update(Learner).where(Learner.id == ids["d"]).values(ethnicity="Tày"))
        # A class under T05 with one in-person session that a and b checked in to.
        klass = await repo.classes.add_class(
            units["T05"], "T05-L1", "Lớp AI tối thứ Ba", "LOPT05A", ids["a"], now
        )
        session = await repo.classes.open_session(
            klass.id, "S1", ids["a"], now, now + timedelta(hours=1)
        )
        assert session is not None
        for letter in ("a", "b"):
            assert await repo.classes.check_in(session.id, ids[letter], now)
        units["T05-L1"] = klass.id
    # a instructs T05 and PDP: one person, counted once above both.
    chat = Chat(app, "11")
    await give(app, chat, Role.INSTRUCTOR, "T05")
    await give(app, chat, Role.INSTRUCTOR, "PDP")
    return World(ids, units)


def gauge(view: dashboard.UnitOverview, key: str) -> tuple[int, int | None, float | None]:
    found = next(g for g in view.gauges if g.key == key)
    return found.numerator, found.denominator, found.rate


async def test_overview_counts_the_whole_subtree(any_app: App) -> None:
    world = await populate(any_app)
    async with any_app.store.transaction() as repo:
        pdp = await dashboard.overview(any_app.deps, repo, world.units["PDP"], live=True)
        t07 = await dashboard.overview(any_app.deps, repo, world.units["T07"], live=True)
        tn = await dashboard.overview(any_app.deps, repo, world.units["TN"], live=True)
        xq = await dashboard.overview(any_app.deps, repo, world.units["XQ"], live=True)
        assert await dashboard.overview(any_app.deps, repo, 999_999, live=True) is None
    assert pdp is not None and t07 is not None and tn is not None and xq is not None
    assert (pdp.code, pdp.kind, pdp.parent_id) == ("PDP", "ward", world.units["TN"])
    assert (pdp.learners, pdp.started, pdp.lessons_done, pdp.lessons_passed) == (3, 3, 4, 3)
    assert pdp.active_week == 1  # a on Sunday; b studied on 2 November only
    assert pdp.active_period == 2
    assert (pdp.certificates, pdp.revoked) == ({1: 1}, 0)
    assert (pdp.instructors, pdp.classes, pdp.sessions, pdp.attendance) == (1, 1, 1, 2)
    # Gauges: c (76) is not of working age; b is counted at the agency T07, inside PDP.
    assert gauge(pdp, "course") == (2, 40, 2 / 40)
    assert gauge(pdp, "skills") == (1, 40, 1 / 40)
    assert gauge(pdp, "officials") == (1, 4, 1 / 4)
    assert gauge(pdp, "business") == (1, None, None)  # unknown, never 100%
    assert pdp.by_group["farmer"] == dashboard.TargetGroupFigures(1, 1, 1, 1)
    assert pdp.by_group["official"] == dashboard.TargetGroupFigures(1, 1, 1, 0)
    assert pdp.by_group["student"] == dashboard.TargetGroupFigures()
    assert set(pdp.by_group) == set(dashboard.GROUPS)
    # T07's denominators are unknown: every gauge reads unknown, even with learners.
    assert all(g.rate is None and g.met is None for g in t07.gauges)
    assert gauge(t07, "officials") == (1, None, None)
    # The province: everyone; e's revoked certificate apart; d's provisional grade passes none.
    assert (tn.learners, tn.lessons_done, tn.lessons_passed) == (5, 6, 4)
    assert (tn.certificates, tn.revoked, tn.instructors) == ({1: 1}, 1, 1)
    assert (xq.learners, xq.lessons_passed, xq.certificates, xq.revoked) == (2, 1, {}, 1)
    assert xq.active_week == 1  # e on 20 November
    # The weekly trend: twelve weeks ending with this one, oldest first.
    assert len(pdp.trend) == dashboard.TREND_WEEKS
    assert pdp.trend[-1].week_start == date(2026, 11, 23)
    weeks = {p.week_start: (p.active, p.lessons_done, p.passed) for p in pdp.trend}
    assert weeks[date(2026, 11, 2)] == (2, 4, 3)
    assert weeks[date(2026, 11, 16)] == (1, 0, 0)
    assert sum(p.active for p in pdp.trend) == 3


async def test_children_rows(any_app: App) -> None:
    world = await populate(any_app)
    async with any_app.store.transaction() as repo:
        rows = await dashboard.children(any_app.deps, repo, world.units["PDP"], live=True)
        under_t05 = await dashboard.children(any_app.deps, repo, world.units["T05"], live=True)
        top = await dashboard.children(any_app.deps, repo, world.units["TN"], live=True)
    by_code = {r.code: r for r in rows}
    assert set(by_code) == {"T05", "T07"}
    t05, t07 = by_code["T05"], by_code["T07"]
    assert (t05.learners, t05.active_week, t05.passed, t05.certificates) == (2, 1, 2, 1)
    assert (t05.working_age, t05.participation) == (10, 2 / 10)
    assert (t05.instructors, t05.classes, t05.attendance) == (1, 1, 2)
    assert (t07.learners, t07.working_age, t07.participation) == (1, None, None)
    assert [r.code for r in under_t05] == ["T05-L1"]
    assert {r.code for r in top} == {"PDP", "XQ"}  # never a grandchild


async def test_the_snapshot_reads_the_same_as_counting_live(any_app: App) -> None:
    world = await populate(any_app)
    assert await dashboard.refresh(any_app.deps) == len(world.units)
    async with any_app.store.transaction() as repo:
        for code in ("TN", "PDP", "T05", "T07", "Q1A"):
            live = await dashboard.overview(any_app.deps, repo, world.units[code], live=True)
            stored = await dashboard.overview(any_app.deps, repo, world.units[code], live=False)
            assert live is not None and stored is not None
            assert replace(stored, computed_at=live.computed_at) == live
            assert await dashboard.children(
                any_app.deps, repo, world.units[code], live=True
            ) == await dashboard.children(any_app.deps, repo, world.units[code], live=False)


async def test_an_empty_tree_reads_zero_and_unknown(any_app: App) -> None:
    units = await unit_ids(any_app)
    async with any_app.store.transaction() as repo:
        view = await dashboard.overview(any_app.deps, repo, units["TN"], live=True)
    assert view is not None
    assert (view.learners, view.lessons_done, view.certificates, view.attendance) == (0, 0, {}, 0)
    # The demo tree has no working-age figures: unknown, not 0% and never 100%.
    assert [g.rate for g in view.gauges] == [None, None, None, None]


async def test_a_unit_added_after_the_snapshot_is_listed(any_app: App) -> None:
    world = await populate(any_app)
    assert await dashboard.refresh(any_app.deps) == len(world.units)
    added = TREE + "T09,Tổ dân phố số 9,group,PDP,200,30,,\n"
    assert not (await import_units(any_app.store, added)).errors
    async with any_app.store.transaction() as repo:
        rows = await dashboard.children(any_app.deps, repo, world.units["PDP"], live=False)
        units = await unit_ids(any_app)
        new = await dashboard.overview(any_app.deps, repo, units["T09"], live=False)
    by_code = {r.code: r for r in rows}
    assert set(by_code) == {"T05", "T07", "T09"}
    assert (by_code["T09"].learners, by_code["T09"].participation) == (0, 0.0)
    assert by_code["T05"].learners == 2  # the others as the snapshot has them
    assert new is not None and new.learners == 0 and new.working_age == 30  # counted live
