"""Zalo: the Bot Platform (Telegram-like, no buttons) and the Official Account API v3."""
