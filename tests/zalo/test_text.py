"""Rendering for Zalo: 2,000-character pieces that never cut a word or a formatting mark,
numbered choices, buttons where the OA has them. Table tests on plain functions."""

from __future__ import annotations

import unicodedata

import pytest

from bot.channels.zalo.bot_updates import parse_update, unwrap
from bot.channels.zalo.oa_events import parse_event, signature_ok
from bot.channels.zalo.text import render, split_text, units
from bot.i18n import Translator
from bot.services.io import Option, Out

tr = Translator("vi")
WORDS = "Học AI mỗi ngày mười lăm phút giúp công việc nhẹ nhàng hơn"


@pytest.mark.parametrize(
    ("text", "limit", "pieces"),
    [
        ("ngắn", 2000, 1),
        ((WORDS + " ") * 60, 2000, 2),  # ~3,700 characters
        ((WORDS + ". ") * 200, 2000, 7),
        ("\n\n".join([WORDS * 10] * 8), 2000, 3),
        ("😀" * 1500, 2000, 2),  # an emoji is two UTF-16 units: 3,000 units
    ],
)
def test_pieces_fit_and_nothing_is_lost(text: str, limit: int, pieces: int) -> None:
    parts = split_text(text, limit)
    assert len(parts) == pieces
    assert all(0 < units(p) <= limit for p in parts)
    assert "".join("".join(p.split()) for p in parts) == "".join(text.split())


def test_no_word_is_cut() -> None:
    words = [f"từ{i}" for i in range(2000)]
    parts = split_text(" ".join(words), 2000)
    assert [w for p in parts for w in p.split()] == words


@pytest.mark.parametrize(
    ("before", "span"),
    [
        ("a " * 990, "**một đoạn in đậm khá dài nằm vắt qua giới hạn hai nghìn ký tự**"),
        ("a " * 990, "<b>một đoạn in đậm khá dài nằm vắt qua giới hạn</b>"),
        ("a " * 995, '<a href="https://vi.wikipedia.org/wiki/AI">liên kết</a>'),
        ("a " * 990, "`một đoạn mã nằm vắt qua giới hạn hai nghìn ký tự`"),
    ],
)
def test_a_formatting_span_is_never_cut(before: str, span: str) -> None:
    parts = split_text(before + span + " sau", 2000)
    assert len(parts) == 2
    assert any(span in p for p in parts)  # the span stayed whole in one piece


def test_a_word_longer_than_a_message_is_cut_between_letters_not_inside_one() -> None:
    word = unicodedata.normalize("NFD", "Nguyễn" * 600)  # combining marks after each base
    parts = split_text(word, 2000)
    assert all(unicodedata.category(p[0])[0] != "M" for p in parts)
    assert "".join(parts) == word


def test_choices_become_numbers_or_letters() -> None:
    menu = Out(
        text="Bạn muốn làm gì?",
        options=(Option("cmd:lesson", "Bài học hôm nay"), Option("cmd:progress", "Tiến độ")),
    )
    (text,) = render(menu, tr).pieces
    assert text.endswith("1. Bài học hôm nay\n2. Tiến độ\nBạn gõ số thứ tự để chọn, ví dụ: 1.")
    quiz = Out(
        title="Câu hỏi 1/3",
        text="Đâu là...?\n\nA. x\nB. y",
        options=(Option("q:l:0:0", "A"), Option("q:l:0:1", "B")),
    )
    (text,) = render(quiz, tr).pieces
    assert text.startswith("【Câu hỏi 1/3】\n") and text.endswith("gõ một chữ: A, B.")
    rendered = render(quiz, tr, buttons_up_to=5)  # the OA: buttons instead of a hint
    assert rendered.buttons == quiz.options and "gõ một chữ" not in rendered.pieces[0]


def test_a_file_is_sent_as_a_few_pieces_of_text() -> None:
    from bot.services.io import OutFile

    data = ('{"bai": "' + "x " * 5000 + '"}').encode()
    pieces = render(Out(text="Dữ liệu của bạn", file=OutFile("d.json", data)), tr).pieces
    assert pieces[0].startswith("Dữ liệu của bạn") and "dạng chữ" in pieces[0]
    assert len(pieces) == 5 and "phần đầu" in pieces[-1]


@pytest.mark.parametrize(
    ("body", "kind", "photo"),
    [
        (
            {
                "ok": True,
                "result": {
                    "event_name": "message.text.received",
                    "message": {
                        "from": {"id": "u1"},
                        "chat": {"id": "u1", "chat_type": "PRIVATE"},
                        "text": "học",
                        "message_id": "m1",
                    },
                },
            },
            "text",
            None,
        ),
        (
            {
                "event_name": "message.image.received",
                "message": {
                    "from": {"id": "u1"},
                    "chat": {"id": "u1", "chat_type": "PRIVATE"},
                    "photo_url": "https://f.zdn.vn/a.jpg",
                    "message_id": "m2",
                },
            },
            "photo",
            "https://f.zdn.vn/a.jpg",
        ),
        (
            {
                "event_name": "message.image.received",
                "message": {
                    "from": {"id": "u1"},
                    "chat": {"id": "u1", "chat_type": "PRIVATE"},
                    "photo": "https://f.zdn.vn/b.jpg",
                    "caption": "bài",
                    "message_id": "m3",
                },
            },
            "photo",
            "https://f.zdn.vn/b.jpg",
        ),
        (
            {
                "event_name": "message.text.received",
                "message": {
                    "from": {"id": "u1"},
                    "chat": {"id": "u1", "chat_type": "PRIVATE"},
                    "text": "/link AB12CD",
                    "message_id": "m4",
                },
            },
            "command",
            None,
        ),
    ],
)
def test_bot_updates_wrapped_or_bare(body: dict, kind: str, photo: str | None) -> None:
    event = parse_update(unwrap(body))
    assert event.what == "message" and event.inbound is not None
    assert event.inbound.kind == kind and event.photo_url == photo
    assert event.inbound.update_key and event.inbound.channel == "zalo_bot"


@pytest.mark.parametrize(
    ("event_name", "extra", "what", "kind"),
    [
        ("user_send_text", {"message": {"text": "2", "msg_id": "a"}}, "message", "text"),
        ("user_send_text", {"message": {"text": "#q:l1:0:2", "msg_id": "b"}}, "message", "choice"),
        (
            "user_send_image",
            {
                "message": {
                    "msg_id": "c",
                    "attachments": [
                        {"type": "image", "payload": {"url": "https://f.zdn.vn/c.jpg"}}
                    ],
                }
            },
            "message",
            "photo",
        ),
        ("user_send_sticker", {"message": {"msg_id": "d"}}, "message", "sticker"),
        ("follow", {}, "follow", None),
        ("unfollow", {}, "unfollow", None),
        ("user_withdraw", {}, "withdraw", None),
        ("oa_send_text", {"message": {"text": "echo", "msg_id": "e"}}, "ignore", None),
    ],
)
def test_oa_events(event_name: str, extra: dict, what: str, kind: str | None) -> None:
    event = parse_event(
        {"app_id": "1", "event_name": event_name, "sender": {"id": "u9"}, "timestamp": "1", **extra}
    )
    assert event.what == what and event.user_id == "u9"
    assert (event.inbound.kind if event.inbound else None) == kind


def test_oa_signature_is_sha256_of_app_id_body_timestamp_secret() -> None:
    import hashlib

    raw = b'{"app_id":"42","timestamp":"1700000000000","event_name":"follow"}'
    body = {"app_id": "42", "timestamp": "1700000000000"}
    mac = hashlib.sha256(b"42" + raw + b"1700000000000" + b"secret").hexdigest()
    assert signature_ok(raw, body, f"mac={mac}", "", "secret")
    assert not signature_ok(raw, body, f"mac={mac}", "", "other-secret")
    assert not signature_ok(raw + b" ", body, f"mac={mac}", "", "secret")
