"""The roles' button kinds ("rl:", "ld:") in the typed codec, and the invite and announcement
draft waiting in the typed conversation state."""

from __future__ import annotations

from typing import get_args

import pytest

from bot.services import buttons as b
from bot.services.conversation import AnnouncementDraft, Conversation, StatePatch
from bot.services.permissions import Role

GOOD = [
    (b.RoleInvite("yes"), "rl:yes"),
    (b.RoleInvite("no"), "rl:no"),
    (b.RoleInvite("unit", 12), "rl:unit:12"),
    (b.RoleInvite("make", 12, "leader"), "rl:make:12:leader"),
    (b.RoleInvite("make", 2**63 - 1, "admin"), "rl:make:9223372036854775807:admin"),
    (b.Leader("menu", 3), "ld:menu:3"),
    (b.Leader("roster", 3), "ld:roster:3"),
    (b.Leader("annok", 3), "ld:annok:3"),
    (b.Leader("annno"), "ld:annno"),
    (b.Leader("optout"), "ld:optout"),
    (b.Leader("optin"), "ld:optin"),
]


@pytest.mark.parametrize(("button", "key"), GOOD)
def test_a_roles_button_packs_to_its_key_and_back(button: b.Button, key: str) -> None:
    assert button.pack() == key
    assert b.parse(key) == button


BAD = [
    "rl:",
    "rl:maybe",
    "rl:yes:5",
    "rl:no:0",
    "rl:unit",
    "rl:unit:0",
    "rl:unit:-1",
    "rl:unit:5:leader",
    "rl:make:5",
    "rl:make:5:",
    "rl:make:5:mayor",
    "rl:make:5:Leader",
    "rl:make:abc:leader",
    f"rl:make:{2**63}:leader",
    "rl:make:007:leader",
    "ld:",
    "ld:menu",
    "ld:menu:0",
    "ld:roster:-1",
    "ld:roster:99999999999999999999",
    "ld:annno:5",
    "ld:optout:5",
    "ld:delete:5",
    "ld:ann:5:6",
    "ld:optin:",
]


@pytest.mark.parametrize("key", BAD)
def test_a_malformed_roles_key_is_refused(key: str) -> None:
    assert b.parse(key) is None
    kind = b.kind_of(key)
    assert kind in (b.RoleInvite, b.Leader)
    with pytest.raises(b.BadButton):
        kind.unpack(key)


def test_the_buttons_role_names_are_the_roles() -> None:
    assert set(get_args(b.RoleName)) == {r.value for r in Role}
    for role in Role:  # every role an official may pick has a key
        assert b.parse(b.RoleInvite("make", 1, role.value).pack()) == b.RoleInvite(
            "make", 1, role.value
        )


def test_a_builder_cannot_pack_a_button_the_parser_would_refuse() -> None:
    for build in (
        lambda: b.RoleInvite("yes", 5),
        lambda: b.RoleInvite("make", 5),
        lambda: b.Leader("roster"),
        lambda: b.Leader("optout", 5),
    ):
        with pytest.raises(b.BadButton):
            build()


def test_the_pending_invite_and_the_draft_are_typed_state() -> None:
    stored = {"step": "name", "role_invite": 41, "leader_draft": {"unit": 7, "text": "Họp tổ"}}
    state = Conversation.from_json(stored)
    assert state.role_invite == 41
    assert state.leader_draft == AnnouncementDraft(7, "Họp tổ")
    assert state.extra == {} and state.to_json() == stored
    state.role_invite = None
    state.leader_draft = AnnouncementDraft(7, "Họp tổ lúc 19:30")
    assert state.changes(since=stored) == StatePatch(
        set={"leader_draft": {"unit": 7, "text": "Họp tổ lúc 19:30"}}, unset=("role_invite",)
    )


@pytest.mark.parametrize(
    "stored",
    [
        {"role_invite": "41", "leader_draft": {"unit": "7", "text": "x"}},
        {"role_invite": True, "leader_draft": {"unit": 7, "text": ""}},
        {"role_invite": [41], "leader_draft": ["x"]},
    ],
)
def test_garbage_invites_and_drafts_read_as_unset(stored: dict[str, object]) -> None:
    state = Conversation.from_json(stored)
    assert state.role_invite is None and state.leader_draft is None
