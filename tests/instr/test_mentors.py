"""Mentors through the real dialog: teach-back graded like practice and counted; the level file's
rule proposes mentors and an instructor confirms (a logged role grant); a mentor reviews a peer's
anonymised work, the peer receives it as advice, an instructor marks it helpful and the mentor is
paid once; a mentor's own link credits them with the learners it brings; figures per level."""

from __future__ import annotations

import json
import re

from bot.app import App
from bot.i18n import Translator
from bot.services import certificates, passing
from bot.services.ports import GradeStatus, SubmissionStatus
from lessons import teach_back
from tests.conftest import Chat, text_of
from tests.instr.conftest import (
    WORK,
    instructor,
    learner,
    ledger_lines,
    person,
    rows,
)
from tests.instr.test_classes import open_class
from tests.keys import says
from tests.services.test_review import Told

VI = Translator("vi")


async def finish_level(app: App, learner_id: int, certified: bool = True) -> None:
    """Every level-1 lesson completed, written as the services would; `certified`: with
    confirmed grades that earn the level's certificate (issued as a confirmed grade does)."""
    today = app.deps.now().date()
    lessons = [lesson for lesson in app.deps.curriculum.of_level(1)]
    async with app.store.transaction() as repo:
        for lesson in lessons:
            await repo.progress.assign(learner_id, lesson.id, 1, today)
            await repo.progress.complete(learner_id, lesson.id, today)
            if not certified:
                continue
            sub, _ = await repo.submissions.add_submission(
                learner_id,
                lesson.id,
                "telegram",
                "Bài làm " * 30,
                None,
                None,
                SubmissionStatus.RECEIVED,
                app.deps.now(),
            )
            await repo.grades.add_grade(
                sub.id, 90, {}, GradeStatus.FINAL, "llm", 0, 0, app.deps.now()
            )
        if certified:
            await certificates.after_confirmed(app.deps, repo, learner_id, lessons[-1].id, VI)
            assert [c.level for c in await repo.certificates.of_learner(learner_id)] == [1]


async def finish_level_and_teach_back(
    app: App, chat: Chat, scores: tuple[int, ...], certified: bool = True
) -> int:
    """What the rule reads: level 1's certificate earned and confirmed teach-back grades."""
    learner_id = await person(app, chat)
    await finish_level(app, learner_id, certified)
    taught = [lesson for lesson in app.deps.curriculum.of_level(1) if lesson.teach_back]
    async with app.store.transaction() as repo:
        for lesson, score in zip(taught, scores, strict=False):
            sub, _ = await repo.submissions.add_submission(
                learner_id,
                teach_back.task_id(lesson.id),
                "telegram",
                "Giải thích " * 30,
                None,
                None,
                SubmissionStatus.RECEIVED,
                app.deps.now(),
            )
            await repo.grades.add_grade(
                sub.id, score, {}, GradeStatus.FINAL, "test", 0, 0, app.deps.now()
            )
    return learner_id


async def practice(app: App, chat: Chat, text: str = WORK) -> list:
    await chat.send("/lesson")
    await chat.tap("work:submit")
    return await chat.send(text)


async def test_teach_back_is_offered_graded_paid_and_counted(app: App) -> None:
    chat = await learner(app, "8101")
    lesson = next(lesson for lesson in app.deps.curriculum.lessons if lesson.teach_back)
    learner_id = await person(app, chat)
    async with app.store.transaction() as repo:
        await repo.progress.assign(learner_id, lesson.id, lesson.level, app.deps.now().date())
    await chat.tap("work:submit")
    out = await chat.send(lesson.rubric.exemplary)
    invitation = next(m for m in out if m.title == VI("teachback.title"))
    assert lesson.teach_back in invitation.text
    assert [o.key for o in invitation.options] == [f"tb:{lesson.id}"]
    out = await chat.send("day lai")  # typed, no diacritics: the next message is the work
    assert lesson.teach_back in text_of(out) and not out[-1].options
    out = await chat.tap(f"tb:{lesson.id}")  # or the button under the grade
    assert lesson.teach_back in text_of(out)
    explanation = (
        "Bà ơi, con giải thích thế này nhé. Trước tiên bà đừng chuyển tiền ngay khi "
        "có người gọi xin gấp, vì kẻ gian giả giọng người thân được. Sau đó bà gọi "
        "lại cho con bằng số điện thoại cũ để hỏi cho chắc. Cuối cùng bà hỏi câu bí "
        "mật của cả nhà, ví dụ tên con mèo, để biết đúng là người nhà. Nhờ vậy bà "
        "không bị lừa mất tiền."
    )
    out = await chat.send(explanation)
    graded = next(m for m in out if m.title.startswith("Điểm bài làm"))
    score = int(re.search(r"(\d+)/100", graded.title).group(1))  # type: ignore[union-attr]
    assert "đã dạy lại 1 bài" in text_of(out)
    async with app.store.transaction() as repo:
        paid = await repo.ledger.practice_points_paid(learner_id, teach_back.task_id(lesson.id))
    assert paid == score // 2 and paid > 0  # paid like practice work, through the ledger
    assert VI("teachback.none") in text_of(await chat.send("/teachback"))


async def test_the_rule_proposes_and_the_instructor_confirms_a_mentor(any_app: App) -> None:
    app = any_app
    told = Told()
    app.deps.notify = told
    inst = await instructor(app)
    class_id, code = await open_class(inst)
    star = await learner(app, "8201", name="Hoàng Minh")
    weak = await learner(app, "8202", name="Đỗ Hà")
    done = await learner(app, "8203", name="Lê Văn Tư")
    for chat in (star, weak, done):
        await chat.send(f"/start g_{code}")
    star_id = await finish_level_and_teach_back(app, star, (90, 85, 80))
    await finish_level_and_teach_back(app, weak, (90, 60, 70))  # average 73: not proposed
    # Every lesson of level 1 done, but not passed: no certificate, so not proposed either.
    await finish_level_and_teach_back(app, done, (95, 95, 95), certified=False)

    out = await inst.send("nguoi huong dan")
    out = await inst.tap("mt:propose")
    assert "Hoàng Minh" in text_of(out) and "Đỗ Hà" not in text_of(out)
    assert "Lê Văn Tư" not in text_of(out)
    assert [o.key for o in out[-1].options] == [f"mt:make:{star_id}"]
    out = await inst.tap(f"mt:make:{star_id}")
    assert "Đã xác nhận Hoàng Minh" in text_of(out)
    (grant,) = await rows(app, "SELECT role, unit_id FROM roles WHERE learner_id = :l", l=star_id)
    assert grant == ("mentor", class_id)
    (detail,) = await rows(
        app, "SELECT detail FROM role_events WHERE action = 'grant' AND target_id = :l", l=star_id
    )
    logged = json.loads(detail[0]) if isinstance(detail[0], str) else detail[0]
    assert logged["via"] == "proposal" and logged["average"] == 85
    assert told.messages and told.messages[-1][0] == star_id
    weak_id = await person(app, weak)
    assert says(text_of(await inst.tap(f"mt:make:{weak_id}")), "mentor.not_proposed")
    assert says(
        text_of(await inst.tap(f"mt:make:{await person(app, done)}")), "mentor.not_proposed"
    )
    assert says(text_of(await inst.tap(f"mt:make:{star_id}")), "mentor.already")

    levels = text_of(await inst.tap("mt:levels"))  # a level is finished by its certificate
    assert "Lớp AI tối thứ Ba (3 học viên)" in levels and "xong bậc 1: 2" in levels
    assert "Người hướng dẫn Hoàng Minh" in levels


async def mentor_and_peer(app: App, told: Told) -> tuple[Chat, Chat, Chat, int]:
    """An instructor's class with a confirmed mentor and a peer who sent practice work."""
    app.deps.notify = told
    inst = await instructor(app)
    class_id, code = await open_class(inst)
    mentor = await learner(app, "8301", name="Hoàng Minh")
    peer = await learner(app, "8302", name="Vũ Thị Mai")
    for chat in (mentor, peer):
        await chat.send(f"/start g_{code}")
    mentor_id = await finish_level_and_teach_back(app, mentor, (90, 90, 90))
    await inst.tap(f"mt:make:{mentor_id}")
    await practice(app, peer)
    return inst, mentor, peer, class_id


async def test_a_mentor_reviews_a_peer_and_is_paid_once_when_it_helps(any_app: App) -> None:
    app = any_app
    told = Told()
    inst, mentor, peer, _ = await mentor_and_peer(app, told)
    peer_id = await person(app, peer)
    before = await rows(app, "SELECT id, score, status FROM grades ORDER BY id")

    menu = await mentor.send("/mentor")
    assert "Bài của bạn học đang chờ xem: 1" in text_of(menu)
    out = await mentor.tap("mt:peer")
    assert "Vũ Thị Mai" not in text_of(out) and WORK[:40] in text_of(out)  # anonymised
    criteria = len(app.deps.curriculum.lessons[0].rubric.criteria)
    for _ in range(criteria):
        question = out[-1]
        assert next(o.label for o in question.options).startswith("✅")
        out = await mentor.tap(question.options[_ % 3].key)
    assert "góp ý ngắn" in text_of(out)
    out = await mentor.send("Bạn nên ghi rõ giờ họp và thêm người liên hệ.")
    assert "Cảm ơn bạn" in text_of(out)
    (note,) = [m for lid, m in told.messages if lid == peer_id]
    assert "Bạn nên ghi rõ giờ họp" in note.text and says(note.text, "mentor.told_advice")
    assert "Hoàng Minh" not in note.text
    assert await rows(app, "SELECT id, score, status FROM grades ORDER BY id") == before
    (export,) = await peer.send("/mydata")  # the review is the peer's data; its author is not
    assert export.file is not None
    data = json.loads(export.file.content)
    assert data["classes"] == ["Lớp AI tối thứ Ba"]
    assert data["peer_reviews_received"][0]["comment"].startswith("Bạn nên ghi rõ giờ họp")
    assert "Hoàng Minh" not in export.file.content.decode("utf-8")

    queue = await inst.send("/review")
    assert VI("mentor.judge_waiting", count=1) in text_of(queue)
    (item,) = await inst.tap("mt:judge")
    assert "Hoàng Minh" in item.text and "Bạn nên ghi rõ giờ họp" in item.text
    assert [o.key.split(":")[1] for o in item.options] == ["ok", "no", "set"]
    out = await inst.tap(item.options[0].key)
    assert "+10" in text_of(out)
    assert says(text_of(await inst.tap(item.options[0].key)), "mentor.already_judged")
    mentor_id = await person(app, mentor)
    assert [(lid, pts) for lid, _k, pts in await ledger_lines(app, "peer")] == [(mentor_id, 10)]
    assert "hữu ích" in text_of([m for lid, m in told.messages if lid == mentor_id])
    # The ranks' hook counted it once, for the "helpful mentor" badge and the honours.
    assert await rows(app, "SELECT mentor_id, key FROM helpful_reviews") == [
        (mentor_id, f"review:{item.options[0].key.rsplit(':', 1)[1]}")
    ]
    assert says(text_of(await mentor.tap("mt:peer")), "mentor.peer_none")  # reviewed once
    logged = [a for (a,) in await rows(app, "SELECT action FROM role_events ORDER BY id")]
    assert "peer_review" in logged and "peer_review_verdict" in logged  # who, what, on whom


async def test_a_mentor_reviews_on_a_numbered_replies_channel(app: App) -> None:
    told = Told()
    app.deps.notify = told
    inst = await instructor(app)
    _class_id, code = await open_class(inst)
    mentor = await learner(app, "zm-8401", channel="zalo_bot", name="Hoàng Minh")
    peer = await learner(app, "8402", name="Vũ Thị Mai")
    for chat in (mentor, peer):
        await chat.send(f"/start g_{code}")
    await inst.tap(f"mt:make:{await finish_level_and_teach_back(app, mentor, (95, 90, 85))}")
    await practice(app, peer)
    await mentor.send("/mentor")
    out = await mentor.send("1")  # Xem bài của bạn học
    while out[-1].options and out[-1].options[0].key.startswith("mt:mk:"):
        out = await mentor.send("2")  # "Một phần" for every criterion
    out = await mentor.send("1")  # Không góp ý thêm
    assert "Cảm ơn bạn" in text_of(out)
    marks = await rows(app, "SELECT marks FROM peer_reviews")
    assert len(marks) == 1 and "partly" in marks[0][0]


async def test_a_mentor_cannot_reach_another_class_s_work(app: App) -> None:
    told = Told()
    _inst, mentor, _peer, _ = await mentor_and_peer(app, told)
    stranger = await learner(app, "8501", unit="T07", name="Người Nhóm Bảy")
    await practice(app, stranger, WORK + " Bí mật của nhóm bảy.")
    (sid,) = await rows(
        app,
        "SELECT s.id FROM submissions s JOIN identities i ON "
        "i.learner_id = s.learner_id WHERE i.external_id = '8501'",
    )
    for key in (f"mt:rev:{sid[0]}", f"mt:mk:{sid[0]}:0:met", f"mt:nocm:{sid[0]}"):
        out = text_of(await mentor.tap(key))
        assert "Bí mật của nhóm bảy" not in out and "Người Nhóm Bảy" not in out
    assert says(text_of(await mentor.tap(f"mt:rev:{sid[0]}")), "mentor.not_your_peer")
    assert await rows(app, "SELECT count(*) FROM peer_reviews") == [(0,)]


async def test_a_mentor_s_link_credits_the_learners_it_brings(app: App) -> None:
    told = Told()
    _inst, mentor, peer, _ = await mentor_and_peer(app, told)
    out = await mentor.tap("mt:link")
    link = re.search(r"/start (m_[A-Z0-9]+)", text_of(out)).group(1)  # type: ignore[union-attr]
    assert link in text_of(await mentor.tap("mt:link"))  # the same link every time

    newcomer = Chat(app, "8601", name="Bùi Văn Tâm")
    out = await newcomer.send(f"/start {link}")
    assert "Hoàng Minh" in text_of(out) and "Tổ dân phố số 5" in text_of(out)
    assert [o.key for o in out[-1].options] == ["ob:consent:yes", "ob:consent:no"]
    await newcomer.tap("ob:consent:yes")
    await newcomer.send("Bùi Văn Tâm")
    await newcomer.send("1995")
    await newcomer.tap("ob:occ:worker")
    await newcomer.send("19:00")
    mine = text_of(await mentor.tap("mt:mine"))
    assert "Bạn đã mời 1 người; 0 người" in mine
    newcomer_id = await person(app, newcomer)
    async with app.store.transaction() as repo:
        first = app.deps.curriculum.lessons[0]
        await repo.progress.assign(newcomer_id, first.id, 1, app.deps.now().date())
        await repo.progress.complete(newcomer_id, first.id, app.deps.now().date())
    mine = text_of(await mentor.tap("mt:mine"))
    assert "1 người đã học xong" in mine and "Bùi Văn Tâm: 1 bài" in mine

    assert says(text_of(await peer.send(f"/start {link}")), "mentor.link_existing")  # no credit
    assert "không đúng" in text_of(await Chat(app, "8602").send("/start m_ZZZZZZZZ"))
    assert await rows(app, "SELECT count(*) FROM referrals") == [(1,)]


async def test_plain_learners_see_how_to_become_a_mentor(app: App) -> None:
    chat = await learner(app, "8701")
    out = await chat.send("/mentor")
    assert out[0].title == VI("mentor.learner_title") and "80" in out[0].text
    for key in ("mt:peer", "mt:mine", "mt:link"):
        assert VI("mentor.not_mentor") in text_of(await chat.tap(key))
    for key in ("mt:propose", "mt:levels"):
        assert VI("mentor.not_instructor") in text_of(await chat.tap(key))


async def test_teach_back_and_challenge_grades_never_pass_a_lesson(any_app: App) -> None:
    """Work stored under "tb~<lesson>" or "ch~<id>" is its own task: a confirmed 95 on it passes
    no lesson, counts towards no certificate, and pays no lesson's practice points."""
    app = any_app
    chat = await learner(app, "8601")
    learner_id = await person(app, chat)
    lessons = app.deps.curriculum.of_level(1)
    async with app.store.transaction() as repo:
        for n, lesson in enumerate(lessons, start=1):
            for task in (teach_back.task_id(lesson.id), f"ch~{n}"):
                sub, _ = await repo.submissions.add_submission(
                    learner_id,
                    task,
                    "telegram",
                    "Giải thích " * 30,
                    None,
                    None,
                    SubmissionStatus.RECEIVED,
                    app.deps.now(),
                )
                await repo.grades.add_grade(
                    sub.id, 95, {}, GradeStatus.FINAL, "llm", 0, 0, app.deps.now()
                )
        assert await passing.passed_lessons(app.deps, repo, learner_id) == set()
        found = await certificates.standing(app.deps, repo, learner_id, 1)
        assert found is not None and found.passed == 0 and not found.earned
        assert (
            await certificates.after_confirmed(app.deps, repo, learner_id, lessons[0].id, VI) == []
        )
        assert await repo.ledger.practice_points_paid(learner_id, lessons[0].id) == 0
