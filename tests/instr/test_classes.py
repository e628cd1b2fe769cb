"""Classes and in-person sessions through the real dialog: an instructor opens a class from the
chat and shares its code, learners join it and keep their own group, the roster shows their
progress and attendance, a session's code and QR picture take check-ins for one hour, and a
closed class's code stops working; on a buttons channel and a numbered-replies channel."""

from __future__ import annotations

import re

from bot.app import App
from bot.channels.telegram.outbound import TelegramOutbound
from bot.channels.telegram.runner import make_bot
from bot.channels.zalo.text import render
from bot.i18n import Translator
from bot.services import throttle
from tests.conftest import Chat, Clock, text_of
from tests.fakes.telegram_api import FakeTelegram
from tests.instr.conftest import instructor, learner, person, rows, unit_id
from tests.keys import says

VI = Translator("vi")
TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"


async def open_class(inst: Chat, name: str = "Lớp AI tối thứ Ba") -> tuple[int, str]:
    out = await inst.send("/class")
    assert "cl:new" in [o.key for o in out[-1].options]
    out = await inst.tap("cl:new")  # one unit covered: straight to the name
    assert says(text_of(out), "class.ask_name")
    out = await inst.send(name)
    code = re.search(r"Mã vào lớp: ([A-Z0-9]{6})", text_of(out))
    assert code is not None
    show = next(o.key for o in out[-1].options if o.key.startswith("cl:show:"))
    return int(show.rsplit(":", 1)[1]), code.group(1)


async def test_open_join_roster_and_close_a_class(any_app: App) -> None:
    app = any_app
    inst = await instructor(app)
    class_id, code = await open_class(inst)
    (row,) = await rows(app, "SELECT kind, parent_id FROM units WHERE id = :i", i=class_id)
    assert row == ("lớp", await unit_id(app, "T05"))

    member = await learner(app, "7101", name="Nguyễn Văn An")
    out = await member.send(f"/start g_{code}")
    assert "Lớp AI tối thứ Ba" in text_of(out) and "vẫn ở nhóm" in text_of(out)
    async with app.store.transaction() as repo:
        me = await repo.learners.learner(await person(app, member))
    assert me is not None and me.unit_id == await unit_id(app, "T05")  # own group kept
    newcomer = Chat(app, "7102", name="Trần Thị Bình")
    out = await newcomer.send(f"/start g_{code}")  # a new person: joins, then onboarding
    assert "Lớp AI tối thứ Ba" in text_of(out)
    assert [o.key for o in out[-1].options] == ["ob:consent:yes", "ob:consent:no"]
    await newcomer.tap("ob:consent:yes")
    await newcomer.send("Trần Thị Bình")

    roster = await inst.tap(f"cl:show:{class_id}")
    assert "Nguyễn Văn An" in roster[0].text and code in roster[0].text
    assert "1990" not in roster[0].text  # display names only, never birth year or contacts
    assert [o.key.split(":")[1] for o in roster[0].options] == ["sess", "new", "close"]

    out = await inst.tap(f"cl:close:{class_id}")
    assert next(o.key for o in out[-1].options) == f"cl:closeok:{class_id}"
    out = await inst.tap(f"cl:closeok:{class_id}")
    assert says(text_of(out), "class.closed")
    late = await learner(app, "7103")
    assert "không đúng" in text_of(await late.send(f"/start g_{code}"))
    assert VI("class.closed_note") in text_of(await inst.tap(f"cl:show:{class_id}"))
    assert "đã đóng" in text_of(await inst.tap(f"cl:closeok:{class_id}"))
    events = [r[0] for r in await rows(app, "SELECT action FROM role_events ORDER BY id")]
    assert "open_class" in events and "close_class" in events


async def test_a_session_code_and_qr_take_check_ins_for_one_hour(
    any_app: App, clock: Clock
) -> None:
    app = any_app
    inst = await instructor(app)
    class_id, code = await open_class(inst)
    member = await learner(app, "7101", name="Nguyễn Văn An")
    await member.send(f"/start g_{code}")
    (session,) = await inst.tap(f"cl:sess:{class_id}")
    assert session.file is not None and session.file.mime == "image/png"
    assert session.file.content.startswith(b"\x89PNG\r\n\x1a\n")
    typed = re.search(r"Mã điểm danh: ([A-Z0-9]{6})", session.text)
    assert typed is not None
    wall = typed.group(1)

    assert says(text_of(await member.send(f"diem danh {wall.lower()}")), "class.checked_in")
    assert says(text_of(await member.send(f"điểm danh {wall}")), "class.checkin_again")
    walk_in = await learner(app, "7102", name="Phạm Thu")  # not in the class yet: joins
    out = await walk_in.send(wall)  # the code alone, as read off the wall
    assert "vào lớp" in text_of(out) and says(text_of(out), "class.checked_in")
    roster = text_of(await inst.tap(f"cl:show:{class_id}"))
    assert "dự 1/1 buổi" in roster and "Phạm Thu" in roster

    clock.advance(minutes=61)
    late = await learner(app, "7103")
    out = await late.send(f"/checkin {wall}")
    assert says(text_of(out), "class.checkin_expired")
    assert await rows(app, "SELECT count(*) FROM session_checkins") == [(2,)]


async def test_a_qr_opened_by_a_new_person_checks_them_in_and_onboarding_goes_on(app: App) -> None:
    inst = await instructor(app)
    class_id, _code = await open_class(inst)
    (session,) = await inst.tap(f"cl:sess:{class_id}")
    wall = re.search(r"Mã điểm danh: ([A-Z0-9]{6})", session.text).group(1)  # type: ignore[union-attr]
    stranger = Chat(app, "7901")
    out = await stranger.send(f"/start s_{wall}")
    assert says(text_of(out), "class.checked_in")
    assert [o.key for o in out[-1].options] == ["ob:consent:yes", "ob:consent:no"]


async def test_forged_session_codes_are_refused_and_throttled(app: App) -> None:
    inst = await instructor(app)
    await open_class(inst)
    guesser = await learner(app, "7801")
    for n in range(throttle.LIMIT):
        out = await guesser.send(f"/checkin ZZZ{n}99")
        assert "không đúng" in text_of(out)
    assert "thử lại sau" in text_of(await guesser.send("/checkin ABC123"))
    assert await rows(app, "SELECT count(*) FROM session_checkins") == [(0,)]


async def test_class_tools_on_a_numbered_replies_channel(app: App) -> None:
    inst = await instructor(app, "z-7001", channel="zalo_bot")
    out = await inst.send("lop hoc")  # typed without diacritics
    labels = [o.label for o in out[-1].options]
    out = await inst.send(str(labels.index(VI("class.new_button")) + 1))
    assert says(text_of(out), "class.ask_name")
    out = await inst.send("Lớp AI cho hộ kinh doanh")
    assert "Mã vào lớp" in text_of(out)
    out = await inst.send("1")  # Xem lớp
    assert "Lớp AI cho hộ kinh doanh" in out[0].title
    out = await inst.send("1")  # Mở buổi điểm danh
    (session,) = out
    pieces = render(session, VI).pieces  # the Bot Platform sends no picture: the code in words
    assert any("Mã điểm danh" in p for p in pieces) and not any("PNG" in p for p in pieces)


async def test_a_session_picture_goes_to_telegram_as_a_photo(app: App) -> None:
    inst = await instructor(app)
    class_id, _ = await open_class(inst)
    (session,) = await inst.tap(f"cl:sess:{class_id}")
    telegram = FakeTelegram()
    await telegram.start()
    bot = make_bot(TOKEN, telegram.base)
    try:
        await TelegramOutbound(bot).send("7001", session)
        method, params = telegram.uploads[-1]
        assert method == "sendPhoto"
        assert params["photo"]["content"].startswith(b"\x89PNG")
    finally:
        await bot.session.close()
        await telegram.stop()


async def test_only_instructors_open_classes(app: App) -> None:
    plain = await learner(app, "7701")
    out = await plain.send("/class")
    assert VI("class.learner_none") in text_of(out)
    assert VI("class.not_allowed") in text_of(await plain.tap("cl:new"))
    t05 = await unit_id(app, "T05")
    assert VI("class.not_allowed") in text_of(await plain.tap(f"cl:par:{t05}"))
    assert await rows(app, "SELECT count(*) FROM classes") == [(0,)]
