"""Roles in the chat: opening an invite (link or typed code) and confirming it, "/roles" (mine),
"/invite" for officials and administrators within their subtree, and the console's "/demo role".

Every function takes what it needs from the chat's turn (`bot/services/chat/roles.py` routes to
them); the invite a person is asked to confirm waits in the conversation
(`Conversation.role_invite`), so the tapped "rl:yes" carries no id anyone could forge."""

from __future__ import annotations

from bot.services.roles_chat.commands import (
    AUDIT_ROWS,
    audit,
    invite_command,
    my_roles,
    roles_command,
)
from bot.services.roles_chat.demo import DEMO_CHANNEL, demo, ensure_demo_admin
from bot.services.roles_chat.opening import answer_invite, make_choice, open_code
from bot.services.roles_chat.words import MAX_PICK, parse_role, role_name, typed_code

__all__ = [
    "AUDIT_ROWS",
    "DEMO_CHANNEL",
    "MAX_PICK",
    "answer_invite",
    "audit",
    "demo",
    "ensure_demo_admin",
    "invite_command",
    "make_choice",
    "my_roles",
    "open_code",
    "parse_role",
    "role_name",
    "roles_command",
    "typed_code",
]
