"""The group leader through the real dialog: the menu and roster, people to reach, a one-tap
nudge (opt-outs, once a day), announcements (preview, bad input, the daily cap, a restart half-way
through sending), a leader trying another group, and the console's numbered replies."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from bot.app import App
from bot.i18n import Translator
from bot.services import leader, outbox
from bot.services.io import Out
from bot.services.permissions import Role
from bot.services.policy import OPEN
from bot.services.sender import Limits
from tests.conftest import Chat, Clock, join_code, make_app, sqlite_url, text_of
from tests.roles.conftest import give, person, unit_id

VI = Translator("vi")
FAST = Limits(per_second=1000, per_chat_interval=0)
LEADER = "8000"


class Recording:
    """A Telegram that records what it would send; it can hang (a process dying mid-send)."""

    channel = "telegram"
    policy = OPEN

    def __init__(self, hang_after: int | None = None) -> None:
        self.sent: list[tuple[str, Out]] = []
        self.hang_after = hang_after

    async def send(self, chat_id: str, message: Out) -> None:
        if self.hang_after is not None and len(self.sent) >= self.hang_after:
            await asyncio.Event().wait()
        self.sent.append((chat_id, message))

    def to(self, chat_id: str) -> list[Out]:
        return [m for c, m in self.sent if c == chat_id]


async def study(app: App, chat: Chat) -> None:
    lesson = app.deps.curriculum.lessons[0]
    await chat.send("/lesson")
    await chat.tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")


async def group_of(app: App, clock: Clock) -> dict[str, Chat]:
    """T05 with a leader and four members; T07 with one. Three days later only Lan studies."""
    t05, t07 = await join_code(app, "T05"), await join_code(app, "T07")
    chats = {
        "lan": Chat(app, "8001", name="Lan"),
        "minh": Chat(app, "8002", name="Minh"),
        "tu": Chat(app, "8003", name="Tú"),
        "hoa": Chat(app, "8004", name="Hoa Ẩn"),
        "other": Chat(app, "8009", name="Người Tổ Bảy"),
    }
    for key, chat in chats.items():
        await chat.join(t07 if key == "other" else t05)
    await chats["hoa"].tap("set:showname")  # Hoa hides her name: the leader sees her nickname
    clock.advance(days=3)
    await study(app, chats["lan"])
    chats["leader"] = Chat(app, LEADER, name="Trưởng Tổ")
    await give(app, chats["leader"], Role.LEADER, "T05")
    return chats


def keys(out: list[Out]) -> dict[str, str]:
    return {o.label: o.key for m in out for o in m.options}


async def test_the_menu_and_roster_show_display_names_only(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    menu = await chats["leader"].send("quản lý nhóm")
    assert menu[0].title == VI("leader.menu.title", group="Tổ dân phố số 5")
    assert VI("leader.menu.members", members=4, today=1, rate=25) in menu[0].text
    assert "1/2" in menu[0].text  # T05 and T07 under the ward: 1 of 4 beats 0 of 1
    buttons = keys(menu)
    assert set(buttons) >= {
        VI("leader.btn.roster"),
        VI("leader.btn.reach"),
        VI("leader.btn.nudge"),
        VI("leader.btn.announce"),
    }
    roster = text_of(await chats["leader"].tap(buttons[VI("leader.btn.roster")]))
    assert "✅ Lan" in roster and "Minh" in roster and "Tú" in roster
    assert "Hoa Ẩn" not in roster and "Học viên 8004" in roster  # her chosen nickname
    assert "1990" not in roster and "8002" not in roster  # no birth year, no contact
    assert "Người Tổ Bảy" not in roster  # another group's member
    assert f"Minh · {VI('leader.roster.never')}" in roster  # joined 3 days ago, no lesson yet
    assert VI("leader.roster.behind", behind=4) in roster  # one a day from the day of joining


async def test_a_leader_cannot_open_another_groups_roster(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    boss = chats["leader"]
    t07 = await unit_id(app, "T07")
    for attempt in (
        boss.send("/group T07"),
        boss.send("/group NOPE"),
        boss.tap(f"ld:roster:{t07}"),
        boss.tap(f"ld:reach:{t07}"),
        boss.tap(f"ld:nudge:{t07}"),
        boss.tap(f"ld:ann:{t07}"),
        boss.tap(f"ld:annok:{t07}"),
        boss.tap("ld:roster:99999999999999999999"),
        boss.tap("ld:roster:-1"),
    ):
        out = text_of(await attempt)
        assert VI("roles.not_allowed") in out and "Người Tổ Bảy" not in out
    # A plain member and a mentor have no menu at all.
    assert VI("leader.not_leader") in text_of(await chats["minh"].send("/group"))
    await give(app, chats["tu"], Role.MENTOR, "T05")
    assert VI("leader.not_leader") in text_of(await chats["tu"].send("/group"))
    t05 = await unit_id(app, "T05")
    assert VI("roles.not_allowed") in text_of(await chats["tu"].tap(f"ld:roster:{t05}"))


async def test_one_tap_nudges_the_idle_once_a_day_respecting_opt_outs(
    app: App, clock: Clock
) -> None:
    chats = await group_of(app, clock)
    wire = Recording()
    app.sender.add(wire, FAST)
    # Tú says "don't remind me" (typed without diacritics).
    assert VI("leader.optout_done") in text_of(await chats["tu"].send("dung nhac toi"))
    t05 = await unit_id(app, "T05")
    done = text_of(await chats["leader"].tap(f"ld:nudge:{t05}"))
    assert VI("leader.nudge.done", queued=2, days=2) in done  # Minh and Hoa; not Lan, not Tú
    assert VI("leader.nudge.opted_out", count=1) in done
    report = await outbox.drain(app.deps, app.sender)
    assert report.sent == 2
    assert {c for c, _ in wire.sent} == {"8002", "8004"}
    nudge = wire.to("8002")[0]
    assert "Minh" in nudge.text and [o.key for o in nudge.options] == ["cmd:lesson", "ld:optout"]
    # The same day, again: nobody is reminded twice.
    again = text_of(await chats["leader"].tap(f"ld:nudge:{t05}"))
    assert VI("leader.nudge.done", queued=0, days=2) in again
    assert VI("leader.nudge.already", count=2) in again
    await outbox.drain(app.deps, app.sender)
    assert len(wire.sent) == 2
    # Minh taps "Đừng nhắc tôi nữa" on the nudge; the next day only Hoa is reminded.
    assert VI("leader.optout_done") in text_of(await chats["minh"].tap("ld:optout"))
    clock.advance(days=1)
    assert VI("leader.nudge.done", queued=1, days=2) in text_of(
        await chats["leader"].tap(f"ld:nudge:{t05}")
    )
    await chats["tu"].send("nhắc tôi")  # Tú turns reminders back on
    clock.advance(days=1)
    assert VI("leader.nudge.done", queued=3, days=2) in text_of(
        await chats["leader"].tap(f"ld:nudge:{t05}")
    )


async def test_an_announcement_is_previewed_checked_and_sent_once(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    wire = Recording()
    app.sender.add(wire, FAST)
    boss, t05 = chats["leader"], await unit_id(app, "T05")
    assert VI("leader.announce.ask", group="Tổ dân phố số 5", limit=1000) in text_of(
        await boss.tap(f"ld:ann:{t05}")
    )
    assert VI("leader.announce.no_words") in text_of(await boss.send("🎉🎉👏 !!!"))
    long = "Họp tổ. " * 200
    assert VI("leader.announce.too_long", limit=1000, length=len(long.strip())) in text_of(
        await boss.send(long)
    )
    preview = await boss.send("Tối thứ Bảy 19:30 họp tổ ở nhà văn hoá, mang điện thoại nhé.")
    assert preview[0].title == VI("leader.announce.preview_title")
    assert "nhà văn hoá" in preview[0].text
    assert VI("leader.announce.confirm", count=4, group="Tổ dân phố số 5") in preview[1].text
    assert wire.sent == [] and (await outbox.drain(app.deps, app.sender)).sent == 0
    assert VI("leader.announce.queued", count=4, group="Tổ dân phố số 5") in text_of(
        await boss.tap(f"ld:annok:{t05}")
    )
    assert VI("leader.announce.nothing") in text_of(await boss.tap(f"ld:annok:{t05}"))
    await outbox.drain(app.deps, app.sender)
    got = Counter(c for c, _ in wire.sent)
    assert got == Counter({"8001": 1, "8002": 1, "8003": 1, "8004": 1})
    assert wire.to("8001")[0].title == VI(
        "leader.announce.from", group="Tổ dân phố số 5", name="Học viên 8000"
    )  # never onboarded


async def test_cancel_and_the_daily_cap(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    boss, t05 = chats["leader"], await unit_id(app, "T05")
    await boss.tap(f"ld:ann:{t05}")
    assert VI("leader.announce.cancelled") in text_of(await boss.send("huỷ"))
    for i in range(leader.ANNOUNCE_PER_DAY):
        await boss.tap(f"ld:ann:{t05}")
        await boss.send(f"Thông báo số {i + 1} của tổ")
        await boss.tap(f"ld:annok:{t05}")
    cap = VI("leader.announce.too_many", limit=leader.ANNOUNCE_PER_DAY)
    assert cap in text_of(await boss.tap(f"ld:ann:{t05}"))
    clock.advance(days=1, minutes=1)
    assert cap not in text_of(await boss.tap(f"ld:ann:{t05}"))


async def test_a_restart_mid_announcement_sends_nothing_twice_and_loses_nobody(
    tmp_path,
    clock: Clock,
    curriculum,  # type: ignore[no-untyped-def]
) -> None:
    url = sqlite_url(tmp_path)
    app = await make_app(url, clock, curriculum)
    chats = await group_of(app, clock)
    t05 = await unit_id(app, "T05")
    await chats["leader"].tap(f"ld:ann:{t05}")
    await chats["leader"].send("Chủ nhật này tổng vệ sinh khu phố, 7 giờ sáng.")
    await chats["leader"].tap(f"ld:annok:{t05}")
    dying = Recording(hang_after=2)
    app.sender.add(dying, FAST)
    task = asyncio.create_task(outbox.drain(app.deps, app.sender))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(dying.sent) == 2:
            break
    await asyncio.sleep(0.05)
    task.cancel()  # the process dies with one message in flight and one not yet started
    await asyncio.gather(task, return_exceptions=True)
    await app.close()

    clock.advance(minutes=11)  # the dead process's lease runs out
    again = await make_app(url, clock, curriculum)
    fresh = Recording()
    again.sender.add(fresh, FAST)
    report = await outbox.drain(again.deps, again.sender)
    await again.close()
    total = Counter(c for c, _ in dying.sent + fresh.sent)
    assert total == Counter({"8001": 1, "8002": 1, "8003": 1, "8004": 1})
    assert report.sent == 2


async def test_the_console_leader_with_numbered_replies(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    console = Chat(app, "demo", channel="console", name="Bạn Demo")
    await console.join(await join_code(app, "T05"))
    assert "trưởng nhóm" in text_of(await console.send("/demo role leader"))
    menu = await console.send("quan ly nhom")
    labels = [o.label for o in menu[0].options]
    assert labels[:4] == [
        VI("leader.btn.roster"),
        VI("leader.btn.reach"),
        VI("leader.btn.nudge"),
        VI("leader.btn.announce"),
    ]
    assert "Lan" in text_of(await console.send("1"))
    await console.send("quản lý nhóm")
    assert VI("leader.announce.ask", group="Tổ dân phố số 5", limit=1000) in text_of(
        await console.send("4")
    )
    preview = await console.send("Mai 8 giờ sáng họp tổ.")
    assert [o.label for o in preview[-1].options] == [
        VI("leader.announce.send"),
        VI("leader.announce.cancel"),
    ]
    assert VI("leader.announce.queued", count=4, group="Tổ dân phố số 5") in text_of(
        await console.send("1")
    )
    # Back to a plain learner: the menu is gone.
    await console.send("/demo role learner")
    assert VI("leader.not_leader") in text_of(await console.send("/group"))
    assert chats  # the group is there


async def test_an_official_sees_the_ward_and_its_groups(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    official = Chat(app, "8100", name="Cán Bộ")
    await give(app, official, Role.OFFICIAL, "PDP")
    menu = await official.send("/group")
    buttons = keys(menu)
    assert "Tổ dân phố số 5" in buttons and "Tổ dân phố số 7" in buttons
    assert VI("leader.btn.nudge") not in buttons  # officials read and announce
    group = await official.tap(buttons["Tổ dân phố số 5"])
    assert "Lan" in text_of(await official.tap(keys(group)[VI("leader.btn.roster")]))
    assert chats


async def test_every_leader_action_is_in_the_audit_log(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    boss, t05 = chats["leader"], await unit_id(app, "T05")
    await boss.tap(f"ld:roster:{t05}")
    await boss.tap(f"ld:nudge:{t05}")
    await boss.tap(f"ld:ann:{t05}")
    await boss.send("Họp tổ tối nay.")
    await boss.tap(f"ld:annok:{t05}")
    me = await person(app, boss)
    async with app.store.transaction() as repo:
        events = [e for e in await repo.roles.events([t05], 20) if e.actor_id == me]
    assert [e.action for e in reversed(events)] == ["view_roster", "nudge", "announce"]


async def test_reasons_to_reach_in_person(app: App, clock: Clock) -> None:
    chats = await group_of(app, clock)
    t05 = await unit_id(app, "T05")
    async with app.store.transaction() as repo:
        await repo.learners.set_reachable(await person(app, chats["minh"]), "telegram", False)
    out = text_of(await chats["leader"].tap(f"ld:reach:{t05}"))
    assert "Minh" in out and VI("leader.reason.unreachable") in out and "Lan" not in out
    assert datetime.now(UTC)  # the clock is the test's
