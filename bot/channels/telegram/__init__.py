"""Telegram through aiogram 3: long polling, inline buttons, HTML rendering."""
