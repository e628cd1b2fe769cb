"""Practice fitted to the learner: a farmer and an official meet the same lesson, each with their
own worked example, practice and rubric (a temp lessons folder adds the variants)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.cli import main
from bot.storage.models import GradeRecord
from lessons.loader import BUILTIN_DIR, load_lesson_file
from lessons.model import Curriculum
from tests.conftest import Chat, join_code, text_of
from tests.curric.conftest import MakeApp

LESSON = "l1-01-hoi-ai-dung-cach"


def variant(
    task: str,
    prompt: str,
    ids: tuple[str, str, str],
    titles: tuple[str, str, str],
    keywords: tuple[list[str], list[str], list[str]],
) -> dict[str, Any]:
    return {
        "example": {"prompt": prompt, "answer": "Một câu trả lời mẫu đủ dài cho ví dụ này."},
        "practice": {"task": task, "submit": "Gửi lại prompt và một câu nhận xét.", "minutes": 7},
        "rubric": {
            "min_words": 10,
            "max_words": 300,
            "criteria": [
                {
                    "id": ids[i],
                    "title": titles[i],
                    "weight": w,
                    "keywords": keywords[i],
                    "judge": "Có đúng ý của tiêu chí này không.",
                }
                for i, w in enumerate((40, 30, 30))
            ],
            "exemplary": "Bài tốt có đủ vai trò, việc cụ thể và định dạng rõ ràng.",
            "weak": "Chỉ một câu chung chung.",
        },
    }


FARMER_TASK = "Nhờ AI viết tin nhắn chào bán chè Tân Cương cho khách quen, có giá và cách đặt hàng."
OFFICIAL_TASK = "Nhờ AI soạn thông báo lịch tiếp công dân tháng này của Ủy ban nhân dân phường."


def variants() -> dict[str, Any]:
    return {
        "farmer": variant(
            FARMER_TASK,
            "Bạn là người bán chè lâu năm ở Tân Cương, hãy viết tin nhắn chào bán chè mới.",
            ("vai_tro_nong", "san_pham", "dat_hang"),
            ("Giao vai người bán chè", "Nói rõ loại chè và giá", "Cách đặt hàng"),
            (["bạn là"], ["chè", "giá"], ["đặt", "gọi", "nhắn"]),
        ),
        "official": variant(
            OFFICIAL_TASK,
            "Bạn là cán bộ văn phòng Ủy ban phường, hãy soạn thông báo lịch tiếp công dân.",
            ("vai_tro_cb", "lich", "noi_tiep"),
            ("Giao vai cán bộ", "Có ngày giờ tiếp dân", "Có nơi tiếp dân"),
            (["bạn là"], ["giờ", "ngày"], ["phòng", "trụ sở"]),
        ),
    }


@pytest.fixture
def lessons_dir(tmp_path: Path) -> Path:
    """An instructor's folder whose copy of the first lesson adds the two variants."""
    source = next(BUILTIN_DIR.rglob("01-hoi-ai-dung-cach.yaml"))
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["variants"] = variants()
    data["review"] = {"status": "draft"}  # whatever the built-in file says by now
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01-variant.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    return folder


@pytest.fixture
def fitted_curriculum(curriculum: Curriculum, lessons_dir: Path) -> Curriculum:
    """The built-in curriculum with that file loaded over it, as HOCAI_LESSONS_DIR does."""
    lesson, problems = load_lesson_file(lessons_dir / "01-variant.yaml")
    assert lesson is not None and not problems
    assert set(lesson.variants) == {"farmer", "official"}
    return Curriculum(
        levels=curriculum.levels,
        lessons=tuple(lesson if ls.id == LESSON else ls for ls in curriculum.lessons),
    )


async def join_as(chat: Chat, code: str, occupation: str) -> None:
    await chat.send(f"/start g_{code}")
    await chat.tap("ob:consent:yes")
    await chat.send(chat.name)
    await chat.send("1975")
    await chat.tap(f"ob:occ:{occupation}")
    await chat.send("19:00")


async def criteria_graded(app, user: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", user)
        grade = await repo.grades.latest_grade(ident.learner_id)
        rows = await repo.s.scalars(select(GradeRecord.detail).where(GradeRecord.id == grade.id))
        return [c["id"] for c in rows.one()["criteria"]]


async def through_the_quiz(chat: Chat) -> list:
    """The lesson, then its quiz (the practice comes after the last answer): all that was shown."""
    shown = await chat.send("/lesson")
    shown += await chat.tap(f"qs:{LESSON}")
    for question in range(3):
        shown += await chat.tap(f"q:{LESSON}:{question}:0")
    return shown


async def test_a_farmer_and_an_official_each_see_and_are_graded_by_their_own_practice(
    make: MakeApp,
    fitted_curriculum: Curriculum,
) -> None:
    app = await make(lessons=fitted_curriculum)
    code = await join_code(app, "T05")
    farmer, official = Chat(app, user="501", name="Lò Văn Chè"), Chat(app, user="502")
    await join_as(farmer, code, "farmer")
    await join_as(official, code, "official")
    main_task = fitted_curriculum.by_id(LESSON).practice.task.split("\n")[0]  # type: ignore[union-attr]

    seen_by_farmer = text_of(await through_the_quiz(farmer))
    seen_by_official = text_of(await through_the_quiz(official))
    assert FARMER_TASK in seen_by_farmer and OFFICIAL_TASK not in seen_by_farmer
    assert OFFICIAL_TASK in seen_by_official and FARMER_TASK not in seen_by_official
    assert "người bán chè lâu năm" in seen_by_farmer  # their own worked example
    assert "cán bộ văn phòng Ủy ban phường" in seen_by_official
    assert main_task not in seen_by_farmer and main_task not in seen_by_official
    # The shared part of the lesson is the same for both.
    assert fitted_curriculum.by_id(LESSON).content[0][:60] in seen_by_farmer  # type: ignore[union-attr]

    work = (
        "Bạn là người bán chè Tân Cương. Hãy viết tin nhắn chào bán chè mới cho khách quen, "
        "giá 300 nghìn một cân, khách nhắn tin hoặc gọi để đặt hàng. AI viết dùng được."
    )
    await farmer.tap("work:submit")  # "Nộp bài": the next message is the work
    await official.tap("work:submit")
    farmer_grade = text_of(await farmer.send(work))
    official_grade = text_of(await official.send(work))
    assert "Nói rõ loại chè và giá" in farmer_grade and "Có ngày giờ tiếp dân" not in farmer_grade
    assert "Có ngày giờ tiếp dân" in official_grade and "Nói rõ loại chè" not in official_grade
    assert await criteria_graded(app, "501") == ["vai_tro_nong", "san_pham", "dat_hang"]
    assert await criteria_graded(app, "502") == ["vai_tro_cb", "lich", "noi_tiep"]


async def test_a_learner_with_no_variant_meets_the_main_practice(
    make: MakeApp,
    fitted_curriculum: Curriculum,
) -> None:
    app = await make(lessons=fitted_curriculum)
    student = Chat(app, user="503")
    await join_as(student, await join_code(app, "T05"), "student")
    seen = text_of(await through_the_quiz(student))
    assert FARMER_TASK not in seen and OFFICIAL_TASK not in seen
    main_ids = [c.id for c in fitted_curriculum.by_id(LESSON).rubric.criteria]  # type: ignore[union-attr]
    await student.tap("work:submit")
    await student.send(fitted_curriculum.by_id(LESSON).rubric.exemplary)  # type: ignore[union-attr]
    assert await criteria_graded(app, "503") == main_ids


def test_hocai_grade_uses_the_occupations_rubric(
    lessons_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("LLM_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOCAI_LESSONS_DIR", str(lessons_dir))
    work = tmp_path / "work.txt"
    work.write_text(
        "Bạn là người bán chè. Viết tin nhắn chào bán chè, giá 300 nghìn, gọi để đặt hàng.",
        encoding="utf-8",
    )
    found = {}
    for occupation in ("farmer", "official"):
        argv = ["grade", LESSON, "--file", str(work), "--json"]
        argv += ["--occupation", occupation] if occupation else []
        assert main(argv) == 0
        out = json.loads(capsys.readouterr().out)
        found[occupation] = [c["id"] for c in out["criteria"]]
        assert out["occupation"] == occupation
    assert found["farmer"] == ["vai_tro_nong", "san_pham", "dat_hang"]
    assert found["official"] == ["vai_tro_cb", "lich", "noi_tiep"]
    with pytest.raises(SystemExit):
        main(["grade", LESSON, "--occupation", "astronaut"])
