"""Bad inputs to the instructors' and mentors' tools: each gets a clear answer in Vietnamese and
changes nothing; work stored but never graded (a crash) is graded after a restart."""

from __future__ import annotations

from bot.app import App
from bot.i18n import Translator
from bot.services import submissions
from bot.services.ports import SubmissionStatus
from lessons import teach_back
from tests.conftest import Chat, text_of
from tests.instr.conftest import TASK, instructor, learner, person, recording, rows, unit_id
from tests.instr.test_classes import open_class
from tests.keys import says

VI = Translator("vi")


async def nothing_created(app: App) -> None:
    assert await rows(app, "SELECT count(*) FROM challenges") == [(0,)]
    assert await rows(app, "SELECT count(*) FROM challenge_sends") == [(0,)]


async def up_to_text(inst: Chat, app: App) -> None:
    await learner(app, "7101")
    await inst.tap("cg:new")
    await inst.tap(f"cg:aud:{await unit_id(app, 'T05')}")


async def test_a_deadline_in_the_past_is_refused(app: App) -> None:
    inst = await instructor(app)
    await up_to_text(inst, app)
    await inst.send(TASK)
    await inst.tap("cg:rub_lesson")
    assert "không tìm thấy bài" in text_of(await inst.send("9.9"))
    await inst.send("1.1")
    assert "số từ 1 đến 500" in text_of(await inst.send("nhiều lắm"))
    assert "số từ 1 đến 500" in text_of(await inst.send("9000"))
    await inst.send("50 điểm")
    out = await inst.send("22/11 20:00")  # yesterday evening in Hà Nội
    assert says(text_of(out), "challenge.deadline_past") and says(
        text_of(out), "challenge.deadline_past"
    )
    assert says(
        text_of(await inst.send("23/11 8h15")), "challenge.deadline_soon"
    )  # in a quarter of an hour
    assert says(text_of(await inst.send("23/11/2027 20:00")), "challenge.deadline_far")
    assert says(text_of(await inst.send("thứ hai tuần sau")), "challenge.bad_deadline")
    await nothing_created(app)
    # A draft whose deadline passed while it waited is checked again at "Tạo và gửi".
    out = await inst.send("23/11 21:00")
    assert out[-1].title == VI("challenge.preview_title")
    app.deps.clock.advance(hours=14)  # type: ignore[attr-defined]
    out = await inst.tap("cg:send")
    assert says(text_of(out), "challenge.deadline_past")
    await nothing_created(app)


async def test_no_audience_is_refused(app: App) -> None:
    inst = await instructor(app, unit="T07")  # alone in Tổ 7: nobody to challenge
    out = await inst.tap("cg:new")
    assert "Tổ dân phố số 7" in [o.label for o in out[-1].options]
    out = await inst.send("xin chao")  # typed instead of picking who gets it
    assert VI("challenge.pick_audience") in text_of(out)
    out = await inst.tap(f"cg:aud:{await unit_id(app, 'T07')}")
    assert says(text_of(out), "challenge.no_audience") and says(
        text_of(out), "challenge.no_audience"
    )
    assert says(text_of(await inst.tap("cg:send")), "choice.stale")  # no draft to send
    class_id, _code = await open_class(inst)  # an empty class: no audience either
    assert says(text_of(await inst.tap(f"cg:new:{class_id}")), "challenge.no_audience")
    await nothing_created(app)


async def test_ten_thousand_characters_or_emoji_only_are_refused(app: App) -> None:
    inst = await instructor(app)
    await up_to_text(inst, app)
    out = await inst.send("Viết bài cho hay." * 588 + "abcd")  # 10,000 characters
    assert "10000 ký tự" in text_of(out) and says(text_of(out), "challenge.text_too_long")
    assert "ít nhất 20 ký tự" in text_of(
        await inst.send("🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉")
    )
    await inst.send(TASK)
    await inst.tap("cg:rub_own")
    out = await inst.send("Tốt\nHay")  # two criteria, too short
    assert "Cần từ 3 đến 5 tiêu chí" in text_of(out)
    await nothing_created(app)


async def test_forged_and_stale_taps_change_nothing(app: App) -> None:
    await instructor(app)
    plain = await learner(app, "7101")
    for key in (
        "cg:send",
        "cg:pts:50",
        "cg:dl:1900000000",
        "cg:aud:999999",
        "cg:do:999999",
        "cg:board:abc",
        "cl:show:99999999999",
        "mt:mk:1:0:met",
        "mt:ok:77",
        "tb:nope",
    ):
        said = text_of(await plain.tap(key))
        assert said and "Traceback" not in said
    assert VI("challenge.not_allowed") in text_of(await plain.tap("cg:new"))
    assert "dành cho giảng viên" in text_of(await plain.send("/review"))
    await nothing_created(app)


async def test_work_stored_before_a_crash_is_graded_after_a_restart(app: App) -> None:
    chat = await learner(app, "7201")
    learner_id = await person(app, chat)
    lesson = next(lesson for lesson in app.deps.curriculum.lessons if lesson.teach_back)
    inst = await instructor(app)
    recording(app, "telegram")
    await inst.tap("cg:new")
    await inst.tap(f"cg:aud:{await unit_id(app, 'T05')}")
    await inst.send(TASK)
    await inst.tap("cg:rub_lesson")
    await inst.send("1.1")
    await inst.tap("cg:pts:20")
    await inst.send("25/11 20:00")
    await inst.tap("cg:send")
    async with app.store.transaction() as repo:
        for task in (teach_back.task_id(lesson.id), "ch~1"):
            await repo.submissions.add_submission(
                learner_id,
                task,
                "telegram",
                "Tôi giải thích rằng " * 20,
                None,
                None,
                SubmissionStatus.RECEIVED,
                app.deps.now(),
            )
    app.deps.clock.advance(minutes=5)  # type: ignore[attr-defined]
    told = await submissions.grade_waiting(app.deps, {"vi": VI})
    assert len(told) == 2 and all(m[0].title.startswith("Điểm bài làm") for _l, m in told)
    assert await rows(app, "SELECT count(*) FROM submissions WHERE status = 'received'") == [(0,)]


async def test_deleting_a_mentor_or_a_challenger_keeps_everyone_else(app: App) -> None:
    inst = await instructor(app)
    class_id, code = await open_class(inst)
    member = await learner(app, "7301")
    await member.send(f"/start g_{code}")
    await inst.tap(f"cl:sess:{class_id}")
    await member.send("/deleteme")
    await member.tap("del:yes")
    assert await rows(app, "SELECT count(*) FROM class_members") == [(0,)]
    await inst.send("/deleteme")
    await inst.tap("del:yes")
    assert await rows(app, "SELECT opened_by FROM classes") == [(None,)]
