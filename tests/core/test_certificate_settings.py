"""Certificate settings fail fast: a public address the QR codes can point to, no port clash."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


def settings(**env: object):  # type: ignore[no-untyped-def]
    return load_settings(TELEGRAM_BOT_TOKEN="", _env_file=None, **env)


def test_the_public_address_defaults_to_this_machine_and_loses_its_slash() -> None:
    assert settings().public_url == "http://localhost:8080"
    assert settings(HOCAI_PUBLIC_URL="https://hocai.thainguyen.gov.vn/").public_url == (
        "https://hocai.thainguyen.gov.vn"
    )
    assert settings(HOCAI_PUBLIC_URL="https://cong.vn/hocai").public_url == "https://cong.vn/hocai"


@pytest.mark.parametrize(
    "url", ["ftp://hocai.vn", "hocai.vn", "https://hocai.vn/?a=1", "", "https://hocai vn"]
)
def test_a_public_address_qr_codes_cannot_use_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="HOCAI_PUBLIC_URL"):
        settings(HOCAI_PUBLIC_URL=url)


def test_the_verification_server_needs_its_own_port_beside_zalo_webhooks() -> None:
    zalo = {
        "ZALO_BOT_TOKEN": "1234567890:zalo-test-token-for-the-fake-bot-platform",
        "ZALO_BOT_WEBHOOK_URL": "https://hocai.vn/zalo/bot",
    }
    with pytest.raises(SettingsError, match="HOCAI_VERIFY_PORT"):
        settings(HOCAI_VERIFY_SERVER="true", **zalo)
    assert settings(HOCAI_VERIFY_SERVER="true", HOCAI_VERIFY_PORT="8090", **zalo).verify_port == (
        8090
    )
    assert settings(HOCAI_VERIFY_SERVER="true").verify_server is True  # no webhook: 8080 is free
