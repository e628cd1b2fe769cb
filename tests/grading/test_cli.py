"""`hocai grade` and `hocai grader eval`, called through their functions and through argparse."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from bot.grading_cli import add_grading_commands, eval_command, grade_command, rules_feedback
from scoring.grading import CriterionGrade
from tests.grading.fake_model import FakeModel, honest
from tests.grading.sample import make_lesson

DATA = Path(__file__).resolve().parents[1] / "data"
SUBMISSION = (
    "Prompt: Bạn là kế toán của hợp tác xã chè La Bằng. Sắp hết tháng, hợp tác xã cần nhắc 15 xã "
    "viên nộp sổ sản lượng. Hãy soạn tin nhắn Zalo dưới 80 chữ, giọng thân mật. Nhận xét: kết "
    "quả dùng được, tôi sửa lại ngày cho đúng."
)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hocai")
    add_grading_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_model")
def test_grade_prints_the_agreed_json_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "bai.txt"
    work.write_text(SUBMISSION, encoding="utf-8")
    assert (
        grade_command(parse(["grade", "l1-01-hoi-ai-dung-cach", "--file", str(work), "--json"]))
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert 0 <= out["score"] <= 100 and out["llm_used"] is False and out["provisional"] is False
    assert out["tokens"] == {"prompt": 0, "completion": 0}
    assert isinstance(out["flags"], list)
    for item in out["criteria"]:
        assert {"id", "score", "max", "evidence", "feedback"} <= set(item)
        assert item["feedback"]  # the rules' sentence when no model wrote one


@pytest.mark.usefixtures("no_model")
def test_grade_reads_stdin_and_rejects_an_unknown_lesson(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert grade_command(parse(["grade", "l1-01-hoi-ai-dung-cach", "--json"])) == 0
    assert json.loads(capsys.readouterr().out)["flags"] == ["empty"]
    assert grade_command(parse(["grade", "no-such-lesson", "--json"])) == 2


def test_grade_uses_the_model_when_the_environment_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "bai.txt"
    work.write_text(SUBMISSION, encoding="utf-8")
    with FakeModel(honest).running() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("LLM_MODEL", "fake-model")
        assert (
            grade_command(parse(["grade", "l1-01-hoi-ai-dung-cach", "--file", str(work), "--json"]))
            == 0
        )
        calls = len(server.requests)  # the verdict, and the injection check when above the rules
    out = json.loads(capsys.readouterr().out)
    assert out["llm_used"] is True
    assert out["tokens"] == {"prompt": 400 * calls, "completion": 120 * calls}
    assert all(item["feedback"] == "Bài làm có ý đúng, cần cụ thể hơn." for item in out["criteria"])


@pytest.mark.parametrize(
    ("finding", "hints", "starts"),
    [
        ("met", (), "Đạt:"),
        ("partly", ("phường",), "Mới đạt một phần:"),
        ("missing", ("bạn là",), "Chưa thấy:"),
    ],
)
def test_rules_feedback_is_a_vietnamese_sentence(
    finding: str, hints: tuple[str, ...], starts: str
) -> None:
    criterion = make_lesson().rubric.criteria[0]
    sentence = rules_feedback(criterion, CriterionGrade("vai_tro", 0, 25, finding, hints=hints))  # type: ignore[arg-type]
    # Hints (keywords) are never shown: a list of them is what the rules would reward.
    assert sentence.startswith(starts) and not any(h in sentence for h in hints)


@pytest.mark.usefixtures("no_model")
def test_eval_on_the_dev_set(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(
        [
            "grader",
            "eval",
            "--dataset",
            str(DATA / "grading_devset.yaml"),
            "--format",
            "devset",
            "--json",
        ]
    )
    assert eval_command(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "rules" and out["n"] >= 80
    assert {"pearson", "mae", "within_10", "flag_recall"} <= set(out)


@pytest.mark.usefixtures("no_model")
@pytest.mark.parametrize(
    ("fmt", "sample", "keys"),
    [
        (
            "mohler",
            "asag_mohler_sample.csv",
            {"pipeline", "tfidf_cosine", "humans", "best_classic"},
        ),
        ("semeval", "asag_semeval_sample.csv", {"by_split"}),
    ],
)
def test_eval_on_public_formats(
    fmt: str, sample: str, keys: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(["grader", "eval", "--dataset", str(DATA / sample), "--format", fmt, "--json"])
    assert eval_command(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert keys <= set(out)
    if fmt == "mohler":
        assert out["items"] == 5 and out["skipped_name_artefacts"] == 1
        assert {"pearson", "rmse", "qwk", "exact", "within_one"} <= set(out["pipeline"])
    else:
        assert set(out["by_split"]) == {
            "beetle/train",
            "beetle/test-unseen-answers",
            "sciEntsBank/train",
            "sciEntsBank/test-unseen-questions",
        }


@pytest.mark.usefixtures("no_model")
def test_eval_refuses_a_missing_dataset_or_an_unconfigured_model(tmp_path: Path) -> None:
    missing = parse(
        ["grader", "eval", "--dataset", str(tmp_path / "none.csv"), "--format", "mohler"]
    )
    assert eval_command(missing) == 2
    llm = parse(
        [
            "grader",
            "eval",
            "--dataset",
            str(DATA / "asag_mohler_sample.csv"),
            "--format",
            "mohler",
            "--llm",
        ]
    )
    assert eval_command(llm) == 2


def test_eval_with_the_model_reports_its_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeModel(honest).running() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("LLM_MODEL", "fake-model")
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        args = parse(
            [
                "grader",
                "eval",
                "--dataset",
                str(DATA / "grading_devset.yaml"),
                "--format",
                "devset",
                "--llm",
                "--limit",
                "6",
                "--json",
            ]
        )
        assert eval_command(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "llm" and out["n"] == 6
    assert out["tokens"]["llm_used"] >= 1 and out["tokens"]["prompt"] >= 400
