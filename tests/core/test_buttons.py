"""The button codec: every kind packs and unpacks, and every malformed key is refused."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.services import buttons as b

GOOD = [
    (b.Onboarding("nogroup"), "ob:nogroup"),
    (b.Onboarding("consent", "yes"), "ob:consent:yes"),
    (b.Onboarding("occ", "farmer"), "ob:occ:farmer"),
    (b.Onboarding("time", "0630"), "ob:time:0630"),
    (b.Settings("time"), "set:time"),
    (b.Settings("time", "2030"), "set:time:2030"),
    (b.Settings("showname"), "set:showname"),
    (b.Command("lesson"), "cmd:lesson"),
    (b.StartQuiz("l1-01-ai-la-gi"), "qs:l1-01-ai-la-gi"),
    (b.QuizAnswer("l1-01-ai-la-gi", 2, 3), "q:l1-01-ai-la-gi:2:3"),
    (b.QuizAnswer("l1-01", 0, 0), "q:l1-01:0:0"),
    (b.Work("submit"), "work:submit"),
    (b.Appeal(1), "ap:1"),
    (b.Appeal(2**63 - 1), "ap:9223372036854775807"),
    (b.Review("bulkok", 1000), "rv:bulkok:1000"),
    (b.Delete("no"), "del:no"),
    (b.Speech("listen"), "sp:listen"),
    (b.TryAI("stop"), "ai:stop"),
    (b.Ack("lesson"), "ack:lesson"),
]


@pytest.mark.parametrize(("button", "key"), GOOD)
def test_a_button_packs_to_its_key_and_back(button: b.Button, key: str) -> None:
    assert button.pack() == key
    assert type(button).unpack(key) == button
    assert b.parse(key) == button
    assert button.as_option("Nhãn").key == key


BAD = [
    "",
    ":",
    "ap",
    "ap:",
    "ap:0",
    "ap:-1",
    "ap:+5",
    "ap: 5",
    "ap:5 ",
    "ap:007",
    "ap:1.0",
    "ap:99999999999999999999999",
    f"ap:{2**63}",
    "ap:١٢",
    "ap:１２",
    "ap:12:13",
    "ap:abc",
    "rv:ok",
    "rv:ok:",
    "rv:delete:5",
    "rv:bulk:-1",
    "rv:bulkok:abc",
    "rv:bulkok:99999999999999999999999",
    "q:l1-01",
    "q:l1-01:1",
    "q:l1-01:100:0",
    "q:l1-01:0:100",
    "q:l1-01:x:0",
    "q:L1-01:0:0",
    "q:l1-01:0:0:0",
    "q::0:0",
    "qs:",
    "qs:../etc",
    "qs:" + "a" * 41,
    "ob:",
    "ob:unknown",
    "ob:consent:YES",
    "ob:nogroup:",
    "ob:occ:" + "a" * 17,
    "set:time:7h",
    "set:time:063",
    "set:color",
    "cmd:",
    "cmd:Lesson",
    "cmd:less on",
    "work:maybe",
    "del:yes:now",
    "sp:play",
    "ai:",
    "ack",
    "ack:window",
    "zz:1",
    "nope",
    "ap:1\x00",
    "ap:" + "9" * 5000,
]


@pytest.mark.parametrize("key", BAD)
def test_a_malformed_or_out_of_range_key_is_refused(key: str) -> None:
    assert b.parse(key) is None
    kind = b.kind_of(key)
    if kind is not None:
        with pytest.raises(b.BadButton):
            kind.unpack(key)


@pytest.mark.parametrize(
    "build",
    [
        lambda: b.Appeal(0),
        lambda: b.Appeal(2**63),
        lambda: b.QuizAnswer("l1", 100, 0),
        lambda: b.StartQuiz("Bài 1"),
        lambda: b.Command("a:b"),
        lambda: b.QuizAnswer("x" * 41, 1, 1),
    ],
)
def test_a_builder_cannot_pack_what_a_parser_would_refuse(build: object) -> None:
    with pytest.raises(b.BadButton):
        build().pack()  # type: ignore[operator]


def test_every_key_fits_telegram_callback_data() -> None:
    longest = b.QuizAnswer("a" * 40, 99, 99).pack()
    assert len(longest.encode()) <= 64
    assert b.parse("q:" + "a" * 40 + ":99:99") is not None


def test_a_prefix_belongs_to_one_kind() -> None:
    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class AnotherAppeal(b.Button, prefix="ap"):
            grade: b.Id
