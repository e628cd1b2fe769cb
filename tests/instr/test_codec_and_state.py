"""The instructors' and mentors' button kinds ("cl:", "cg:", "mt:", "tb:") in the typed codec,
and the challenge and peer-review drafts waiting in the typed conversation state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services import buttons as b
from bot.services.conversation import ChallengeDraft, Conversation, PeerDraft

GOOD = [
    (b.ClassMenu("new"), "cl:new"),
    (b.ClassMenu("par", 5), "cl:par:5"),
    (b.ClassMenu("closeok", 2**63 - 1), "cl:closeok:9223372036854775807"),
    (b.Challenge("menu"), "cg:menu"),
    (b.Challenge("new"), "cg:new"),
    (b.Challenge("new", 7), "cg:new:7"),
    (b.Challenge("rub_lesson"), "cg:rub_lesson"),
    (b.Challenge("rub_own"), "cg:rub_own"),
    (b.Challenge("pts", 50), "cg:pts:50"),
    (b.Challenge("dl", 1900000000), "cg:dl:1900000000"),
    (b.Challenge("board", 3), "cg:board:3"),
    (b.Mentor("peer"), "mt:peer"),
    (b.Mentor("rev", 12), "mt:rev:12"),
    (b.Mentor("mk", 12, 0, "met"), "mt:mk:12:0:met"),
    (b.Mentor("mk", 12, 4, "missing"), "mt:mk:12:4:missing"),
    (b.Mentor("make", 9), "mt:make:9"),
    (b.TeachBack("l1-01-ai-la-gi"), "tb:l1-01-ai-la-gi"),
]


@pytest.mark.parametrize(("button", "key"), GOOD)
def test_an_instructors_button_packs_to_its_key_and_back(button: b.Button, key: str) -> None:
    assert button.pack() == key
    assert b.parse(key) == button


BAD = [
    "cl:",
    "cl:new:5",
    "cl:show",
    "cl:show:0",
    "cl:show:-1",
    "cl:sess:abc",
    "cl:open:5",
    f"cl:show:{2**63}",
    "cg:",
    "cg:send:5",
    "cg:pts",
    "cg:aud:0",
    "cg:board:abc",
    "cg:rub",
    "cg:rub:lesson",
    "cg:do:007",
    "cg:dl:99999999999999999999",
    "mt:",
    "mt:peer:5",
    "mt:rev",
    "mt:mk:12",
    "mt:mk:12:0",
    "mt:mk:12:0:great",
    "mt:mk:12:100:met",
    "mt:rev:12:0:met",
    "mt:rev:12:3",
    "mt:ok:0",
    "mt:delete:1",
    "tb:",
    "tb:Bai 1",
    "tb:" + "a" * 41,
]


@pytest.mark.parametrize("key", BAD)
def test_a_malformed_instructors_key_is_refused(key: str) -> None:
    assert b.parse(key) is None
    kind = b.kind_of(key)
    assert kind in (b.ClassMenu, b.Challenge, b.Mentor, b.TeachBack)
    with pytest.raises(b.BadButton):
        kind.unpack(key)


def test_the_drafts_round_trip_through_the_stored_state() -> None:
    at = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    state = Conversation(
        step="challenge:points",
        challenge_draft=ChallengeDraft(
            5, "Viết một prompt", None, ["Có vai trò", "Có bối cảnh"], True, 50, at
        ),
        peer_draft=PeerDraft(12, ["met", "partly"]),
    )
    again = Conversation.from_json(state.to_json())
    assert again.challenge_draft == state.challenge_draft
    assert again.peer_draft == state.peer_draft
    fresh = Conversation(challenge_draft=ChallengeDraft())  # the audience not picked yet
    assert Conversation.from_json(fresh.to_json()).challenge_draft == ChallengeDraft()


@pytest.mark.parametrize(
    "stored",
    [
        {"challenge_draft": "x", "peer_draft": [1]},
        {
            "challenge_draft": {"unit": "5", "points": True, "deadline": "yesterday"},
            "peer_draft": {"submission": "12"},
        },
        {"challenge_draft": {"deadline": "2026-11-25T20:00:00"}},  # no zone: not a deadline
    ],
)
def test_a_garbled_draft_is_read_as_none_or_empty(stored: dict[str, object]) -> None:
    state = Conversation.from_json(stored)
    assert state.peer_draft is None
    draft = state.challenge_draft
    assert draft is None or (draft.unit == 0 and draft.points == 0 and draft.deadline is None)
