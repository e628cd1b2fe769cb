"""The Telegram harness (a fake Bot API server driven through aiogram) for the sign-in tests."""

from tests.telegram.test_handlers import tg  # noqa: F401  (a fixture, found by its name)
