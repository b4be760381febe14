"""The SSRF guard refuses every non-public address, however it is written; loopback only by a setting."""

from __future__ import annotations

import pytest

from verae.webhooks.destination import resolve_destination
from verae.webhooks.errors import UnsafeWebhookUrl

INTERNAL = [
    "http://127.0.0.1/hooks",
    "http://localhost:8000/hooks",
    "http://[::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://0.0.0.0/hooks",
    "http://10.1.2.3/hooks",
    "http://172.16.0.1/hooks",
    "http://192.168.1.10/hooks",
    "http://100.64.0.1/hooks",
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/hooks",
    "http://[fc00::1]/hooks",
    "http://224.0.0.1/hooks",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl):
        resolve_destination(url, require_https=False, allow_loopback=False)


LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.mark.parametrize("url", [url for url in INTERNAL if not any(name in url for name in LOOPBACK)])
def test_allowing_loopback_allows_nothing_else_internal(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl):
        resolve_destination(url, require_https=False, allow_loopback=True)


def test_loopback_is_allowed_by_the_setting_and_the_connection_goes_to_the_checked_address() -> None:
    destination = resolve_destination(
        "http://localhost:8123/hooks?x=1", require_https=False, allow_loopback=True
    )
    assert destination.url in ("http://127.0.0.1:8123/hooks?x=1", "http://[::1]:8123/hooks?x=1")
    assert (destination.host_header, destination.server_name) == ("localhost:8123", "localhost")


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/hooks",
        "ftp://93.184.215.14/x",
        "https://user:secret@93.184.215.14/",
        "https:///x",
    ],
)
def test_production_needs_https_without_credentials(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl):
        resolve_destination(url, require_https=True, allow_loopback=False)


def test_a_public_address_is_accepted() -> None:
    destination = resolve_destination("https://93.184.215.14/hooks", require_https=True, allow_loopback=False)
    assert destination.url == "https://93.184.215.14:443/hooks"
