"""Level certificates: earned by the rule on confirmed grades only, issued exactly once (across a
restart, a duplicate update and a race), named by the learner, verified, revoked."""

from __future__ import annotations

import asyncio
import io
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import zxingcpp

from bot.app import App, build_app
from bot.config import load_settings
from bot.i18n import Translator
from bot.services import certificates, review
from bot.services.io import Out
from bot.services.ports import GradeStatus, SubmissionStatus
from bot.services.units import import_units
from lessons.model import Curriculum, Lesson
from scoring.certificate_code import new_code, shown
from tests.conftest import UNITS_CSV, Chat, Clock, join_code, sqlite_url, text_of
from tests.grading.fake_model import FakeModel, honest
from tests.keys import says

CAPSTONE_WORK = """1) Loại văn bản: giấy mời họp tổ dân phố số 5 về vệ sinh môi trường cuối năm, gửi trong nhóm Zalo của tổ và dán ở nhà văn hóa.
2) Prompt đầu tiên: Bạn là tổ trưởng tổ dân phố. Tổ sẽ họp vào tối thứ Bảy ngày 13 tháng 12 lúc 19 giờ 30 tại nhà văn hóa để bàn việc tổng vệ sinh đường làng và thu gom rác trước Tết. Hãy viết giấy mời dưới 150 chữ, lời lẽ trang trọng, gần gũi. Chỉ dùng thông tin tôi đưa, chỗ nào thiếu thì để trống. Số điện thoại liên hệ để trống [SỐ ĐIỆN THOẠI].
Hỏi tiếp: Viết ngắn hơn và thêm câu đề nghị mỗi hộ cử một người đi họp.
3) Văn bản cuối:
GIẤY MỜI HỌP TỔ DÂN PHỐ
Kính gửi: các hộ gia đình trong tổ dân phố số 5.
Tổ dân phố trân trọng kính mời đại diện mỗi hộ đến dự cuộc họp bàn việc tổng vệ sinh đường làng và thu gom rác trước Tết, vào lúc 19 giờ 30 tối thứ Bảy ngày 13 tháng 12, tại nhà văn hóa tổ. Đề nghị mỗi hộ cử một người đi họp đúng giờ.
Mọi thắc mắc xin liên hệ tổ trưởng [HỌ TÊN], điện thoại [SỐ ĐIỆN THOẠI].
Trân trọng.
4) Kiểm tra và sửa:
- Tôi đối chiếu ngày 13 tháng 12 với tờ lịch treo tường: đúng là thứ Bảy, khớp.
- AI tự thêm câu "mỗi hộ đóng góp 50 nghìn đồng", tổ chưa bàn việc này nên tôi đã xóa.
- AI ghi họp ở hội trường phường, sai so với ghi chép của tôi, tôi sửa lại thành nhà văn hóa tổ.
5) Dữ liệu cá nhân: tôi không đưa họ tên và số điện thoại thật vào AI, chỉ để chỗ trống rồi tự điền trên máy. AI làm bản nháp, tôi đưa thông tin, kiểm tra, sửa và chịu trách nhiệm khi gửi giấy mời."""


class Told:
    """The app's notifier: what learners were told outside their own turn."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, Out]] = []

    async def __call__(self, learner_id: int, messages: list[Out]) -> None:
        self.messages += [(learner_id, m) for m in messages]

    def text(self) -> str:
        return text_of([m for _, m in self.messages])


async def open_app(url: str, clock: Clock, curriculum: Curriculum, told: Told, **env: str) -> App:
    settings = load_settings(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN="",
        HOCAI_ADMINS="telegram:9000",
        _env_file=None,
        **{"OPENAI_BASE_URL": "", "LLM_MODEL": "", **env},
    )
    app = await build_app(settings, curriculum=curriculum)
    app.deps.clock = clock
    app.deps.notify = told
    return app


@pytest.fixture
async def held(tmp_path: Path, clock: Clock, curriculum: Curriculum) -> AsyncIterator[App]:
    """The app with no model: a rules-only grade is held until a model or a person confirms it."""
    app = await open_app(sqlite_url(tmp_path), clock, curriculum, Told())
    await import_units(app.store, UNITS_CSV)
    yield app
    await app.close()


def level_one(app: App) -> tuple[list[Lesson], Lesson]:
    items = app.deps.curriculum.of_level(1)
    return [ls for ls in items if not ls.is_capstone], items[-1]


async def learner_id(app: App, user: str) -> int:
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", user)
        assert ident is not None
        return ident.learner_id


async def seed_confirmed(
    app: App, learner: int, lessons: list[Lesson], score: int = 80, grader: str = "fake-model"
) -> None:
    """Lessons done earlier with grades a model confirmed (written as the pipeline writes them)."""
    now, day = app.deps.now(), app.deps.now().date()
    async with app.store.transaction() as repo:
        for lesson in lessons:
            await repo.progress.assign(learner, lesson.id, lesson.level, day)
            submission, _ = await repo.submissions.add_submission(
                learner,
                lesson.id,
                "telegram",
                f"bài làm {lesson.id}",
                None,
                None,
                SubmissionStatus.RECEIVED,
                now,
            )
            await repo.grades.add_grade(
                submission.id, score, {"criteria": []}, GradeStatus.FINAL, grader, 0, 0, now
            )
            await repo.progress.complete(learner, lesson.id, day)


async def ready_for_capstone(app: App, user: str) -> tuple[Chat, int]:
    """A learner who passed the level's 20 lessons and now has its capstone in hand."""
    chat = Chat(app, user)
    await chat.join(await join_code(app, "T05"))
    learner = await learner_id(app, user)
    lessons, capstone = level_one(app)
    await seed_confirmed(app, learner, lessons)
    async with app.store.transaction() as repo:
        await repo.progress.assign(learner, capstone.id, 1, app.deps.now().date())
    return chat, learner


async def certificate_rows(app: App, learner: int) -> list:
    async with app.store.transaction() as repo:
        return await repo.certificates.of_learner(learner)


def grade_id(out: list[Out]) -> int:
    return next(int(o.key[3:]) for m in out for o in m.options if o.key.startswith("ap:"))


def option(out: list[Out], prefix: str) -> str:
    return next(o.key for m in out for o in m.options if o.key.startswith(prefix))


def qr_of_pdf(pdf: bytes) -> list[str]:
    """The QR codes a phone would read off the printed page (rendered at 150 dpi)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=150 / 72).to_pil()
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image)]


async def test_an_instructor_confirmed_capstone_earns_one_certificate(
    held: App,
    clock: Clock,
) -> None:
    told: Told = held.deps.notify  # type: ignore[assignment]
    chat, learner = await ready_for_capstone(held, "8001")
    progress = text_of(await chat.send("chứng nhận"))
    assert says(progress, "cert.none_yet") and "đạt 20/20 bài" in progress
    assert says(progress, "cert.capstone_none")

    await chat.tap("work:submit")
    graded = await chat.send(CAPSTONE_WORK)
    assert "tạm thời" in text_of(graded)  # rules only: held, so it cannot complete the level
    assert await certificate_rows(held, learner) == []
    assert says(text_of(await chat.send("chung nhan")), "cert.capstone_none")

    instructor = Chat(held, "9000")
    held_grade = grade_id(graded)
    await instructor.tap(f"rv:set:{held_grade}")
    await instructor.send("85")  # a person confirms the capstone (and sets its score)
    (record,) = await certificate_rows(held, learner)
    assert record.level == 1 and not record.named and record.capstone_score == 85
    assert record.lessons_passed == 20 and record.average_score == 80
    assert "Chúc mừng" in told.text() and "Bậc 1" in told.text()
    announced = len(told.messages)

    again = await instructor.tap(f"rv:ok:{held_grade}")  # a double tap on a superseded grade
    assert says(text_of(again), "review.gone")
    assert len(await certificate_rows(held, learner)) == 1 and len(told.messages) == announced

    # The name: asked with the display name offered; an emoji-only name gets a kind answer.
    prompt = await chat.send("/certificate")
    assert option(prompt, "cert:use:") == f"cert:use:{record.id}"
    assert "Dùng tên: Nguyễn Thị Hoa" in next(o.label for m in prompt for o in m.options)
    emoji = text_of(await chat.send("😀🎉"))
    assert says(emoji, "cert.bad_name.no_letters")
    assert not (await certificate_rows(held, learner))[0].named
    confirm = await chat.send("nguyễn   thị hoa")
    assert "«Nguyễn Thị Hoa»" in text_of(confirm)
    update = "8001-name-ok"
    issued = await chat.send(kind="choice", choice=f"cert:ok:{record.id}", update_key=update)
    files = [m.file for m in issued if m.file is not None]
    assert len(files) == 1 and files[0].mime == "application/pdf"
    (record,) = await certificate_rows(held, learner)
    assert record.full_name == "Nguyễn Thị Hoa" and record.issued_on == clock.now.date()
    # The same update again (a redelivery) is answered once; a second tap sends the same one.
    assert await chat.send(kind="choice", choice=f"cert:ok:{record.id}", update_key=update) == []
    retap = await chat.tap(f"cert:use:{record.id}")
    assert "đã được cấp cho Nguyễn Thị Hoa" in text_of(retap)
    assert [r.code for r in await certificate_rows(held, learner)] == [record.code]

    # The document: the name with its diacritics, and a QR code a phone reads as the address.
    text = unicodedata.normalize(
        "NFC", pypdf.PdfReader(io.BytesIO(files[0].content)).pages[0].extract_text()
    )
    assert "Nguyễn Thị Hoa" in text and "Làm việc với văn bản cùng AI" in text
    assert shown(record.code) in text and "Tổ dân phố số 5" in text
    url = f"http://localhost:8080/verify/{shown(record.code)}"
    assert qr_of_pdf(files[0].content) == [url]

    listed = await chat.send("chung nhan")  # without diacritics
    assert shown(record.code) in text_of(listed)
    sent_again = await chat.tap(option(listed, "cert:send:"))
    assert [m.file.name for m in sent_again if m.file] == [files[0].name]


async def test_provisional_lesson_grades_do_not_count_until_confirmed(held: App) -> None:
    chat = Chat(held, "8002")
    await chat.join(await join_code(held, "T05"))
    learner = await learner_id(held, "8002")
    lessons, capstone = level_one(held)
    await seed_confirmed(held, learner, lessons[:19])
    await seed_confirmed(held, learner, [capstone], score=90)
    async with held.store.transaction() as repo:  # the 20th lesson in hand, graded by rules only
        await repo.progress.assign(learner, lessons[19].id, 1, held.deps.now().date())
    await chat.tap("work:submit")
    out = await chat.send(
        "Bạn là cán bộ phường. Hãy viết thông báo mời họp tổ dân phố về phòng "
        "cháy chữa cháy, dưới 120 chữ, lời lẽ lịch sự. Nhận xét: AI viết được, "
        "tôi sửa lại giờ họp và địa điểm cho đúng."
    )
    assert "tạm thời" in text_of(out)
    assert await certificate_rows(held, learner) == []
    assert "đạt 19/20 bài" in text_of(await chat.send("/certificate"))
    told: Told = held.deps.notify  # type: ignore[assignment]
    instructor = Chat(held, "9000")
    await instructor.tap(f"rv:set:{grade_id(out)}")
    await instructor.send("75")  # confirmed now: the 20th pass completes the level
    assert len(await certificate_rows(held, learner)) == 1 and "Chúc mừng" in told.text()


async def test_a_capstone_by_the_rules_alone_earns_nothing(held: App) -> None:
    chat = Chat(held, "8003")
    await chat.join(await join_code(held, "T05"))
    learner = await learner_id(held, "8003")
    lessons, capstone = level_one(held)
    await seed_confirmed(held, learner, lessons)
    await seed_confirmed(held, learner, [capstone], score=95, grader="rules")
    async with held.store.transaction() as repo:
        assert (
            await certificates.after_confirmed(held.deps, repo, learner, capstone.id, Translator())
            == []
        )
    assert await certificate_rows(held, learner) == []


async def test_once_across_a_restart_the_model_confirming_it(
    tmp_path: Path,
    clock: Clock,
    curriculum: Curriculum,
) -> None:
    url = sqlite_url(tmp_path)
    told = Told()
    app = await open_app(url, clock, curriculum, told)
    await import_units(app.store, UNITS_CSV)
    chat, learner = await ready_for_capstone(app, "8004")
    await chat.tap("work:submit")
    assert "tạm thời" in text_of(await chat.send(CAPSTONE_WORK))  # no model: held
    await app.close()

    with FakeModel(honest).running() as model:
        model_env = {
            "OPENAI_BASE_URL": model.url,
            "LLM_MODEL": "fake-model",
            "OPENAI_API_KEY": "test-key",
        }
        app = await open_app(url, clock, curriculum, told, **model_env)  # restarted, with a model
        try:
            await review.regrade_provisional(app.deps, told)  # the regrading job
            (record,) = await certificate_rows(app, learner)
            assert record.capstone_score >= 70 and "Chúc mừng" in told.text()
            announced = len(told.messages)
            await review.regrade_provisional(app.deps, told)  # nothing left to confirm
        finally:
            await app.close()
        app = await open_app(url, clock, curriculum, told, **model_env)  # and once more
        try:
            chat = Chat(app, "8004")
            await chat.tap("work:submit")
            retry = text_of(await chat.send(CAPSTONE_WORK.replace("Tết", "Tết Nguyên đán")))
            assert says(retry, "grade.title") and "Chúc mừng" not in retry
            assert len(await certificate_rows(app, learner)) == 1
            assert len(told.messages) == announced
        finally:
            await app.close()


async def test_two_confirmations_at_once_issue_one_certificate(any_app: App) -> None:
    chat = Chat(any_app, "8005")
    await chat.join(await join_code(any_app, "T05"))
    learner = await learner_id(any_app, "8005")
    lessons, capstone = level_one(any_app)
    await seed_confirmed(any_app, learner, [*lessons, capstone])

    async def confirm() -> list[Out]:
        async with any_app.store.transaction() as repo:
            return await certificates.after_confirmed(
                any_app.deps, repo, learner, capstone.id, Translator()
            )

    results = await asyncio.gather(confirm(), confirm(), confirm())
    assert sorted(bool(r) for r in results) == [False, False, True]
    assert len(await certificate_rows(any_app, learner)) == 1


async def issued_certificate(app: App, user: str) -> str:
    chat = Chat(app, user)
    await chat.join(await join_code(app, "T05"))
    learner = await learner_id(app, user)
    lessons, capstone = level_one(app)
    await seed_confirmed(app, learner, [*lessons, capstone])
    async with app.store.transaction() as repo:
        (_earned, prompt) = await certificates.after_confirmed(
            app.deps, repo, learner, capstone.id, Translator()
        )
    await chat.tap(option([prompt], "cert:use:"))
    (record,) = await certificate_rows(app, learner)
    return record.code


async def test_revoked_verifies_as_revoked_and_revoking_twice_changes_nothing(
    any_app: App,
    clock: Clock,
) -> None:
    code = await issued_certificate(any_app, "8006")
    async with any_app.store.transaction() as repo:
        found = await certificates.verify(repo, shown(code).lower())
        assert found.status == "valid" and found.record is not None
        assert found.record.full_name == "Nguyễn Thị Hoa"
        outcome, record = await certificates.revoke(
            repo, shown(code), "cli:canbo", "  bài làm\x00 sao chép ", clock.now
        )
        assert outcome == "revoked" and record is not None
        assert record.revoke_reason == "bài làm sao chép" and record.revoked_by == "cli:canbo"
    clock.advance(hours=2)
    async with any_app.store.transaction() as repo:
        outcome, again = await certificates.revoke(repo, code, "cli:other", "lần hai", clock.now)
        assert outcome == "already" and again == record  # who, why and when are unchanged
        found = await certificates.verify(repo, code)
        assert found.status == "revoked" and found.record == record
        for text, status in (
            ("ZZZZZ-ZZZZZ-ZZZZZ", "malformed"),
            ("x" * 10_000, "malformed"),
            ("", "malformed"),
        ):
            assert (await certificates.verify(repo, text)).status == status
        assert (await certificates.verify(repo, new_code())).status == "unknown"
        assert (await certificates.revoke(repo, "x" * 10_000, "cli:x", "r", clock.now))[0] == (
            "malformed"
        )
        assert (await certificates.revoke(repo, code, "cli:x", "   ", clock.now))[0] == (
            "no_reason"
        )


async def test_mydata_shows_certificates_and_deleteme_removes_them(any_app: App) -> None:
    code = await issued_certificate(any_app, "8007")
    chat = Chat(any_app, "8007")
    (data,) = [m.file for m in await chat.send("/mydata") if m.file]
    assert shown(code) in data.content.decode("utf-8")
    await chat.send("/deleteme")
    await chat.tap("del:yes")
    async with any_app.store.transaction() as repo:
        assert (await certificates.verify(repo, code)).status == "unknown"
