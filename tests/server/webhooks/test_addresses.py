"""Outbound safety: private, loopback, link-local and other non-public targets are refused."""

from __future__ import annotations

import ipaddress

import pytest

from server.webhooks.addresses import UnsafeUrl, check_url

PUBLIC = "93.184.216.34"
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


def resolver_to(*addresses: str):  # type: ignore[no-untyped-def]
    """A resolver that answers every name with `addresses` (DNS we control)."""
    return lambda _host, _port: list(addresses)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://192.168.1.10/hook",
    ],
)
def test_non_public_addresses_are_refused(url: str) -> None:
    """A literal address that is not public is refused."""
    with pytest.raises(UnsafeUrl, match="not a public address"):
        check_url(url)


def test_a_name_resolving_to_loopback_is_refused() -> None:
    """`localhost` resolves (for real) to loopback and is refused."""
    with pytest.raises(UnsafeUrl, match="not a public address"):
        check_url("https://localhost/hook")


@pytest.mark.parametrize("address", ["10.0.0.1", "169.254.169.254", "::1", "127.0.0.1"])
def test_a_name_resolving_to_a_private_address_is_refused(address: str) -> None:
    """A public-looking name whose DNS answer is private is refused."""
    with pytest.raises(UnsafeUrl, match=address):
        check_url("https://hooks.example.com/x", resolver=resolver_to(address))


def test_every_resolved_address_is_checked() -> None:
    """One private address among public ones is enough to refuse the name."""
    with pytest.raises(UnsafeUrl, match=r"10\.0\.0\.1"):
        check_url("https://hooks.example.com/x", resolver=resolver_to(PUBLIC, "10.0.0.1"))


def test_a_public_name_connects_to_the_checked_address() -> None:
    """The target keeps the host for Host/SNI and connects to the resolved address."""
    target = check_url("https://hooks.example.com/in?x=1", resolver=resolver_to(PUBLIC))
    assert target.address == PUBLIC
    assert target.connect_url == f"https://{PUBLIC}:443/in?x=1"
    assert target.host_header == "hooks.example.com"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/x", "https"),
        ("ftp://hooks.example.com/x", "https"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
        ("https:///nohost", "https"),
        ("https://hooks.example.com:99999/x", "valid URL"),
        ("https://hooks.example.com/x#frag", "fragment"),
    ],
)
def test_malformed_or_plain_http_urls_are_refused(url: str, reason: str) -> None:
    """Only https URLs without credentials or fragments are accepted by default."""
    with pytest.raises(UnsafeUrl, match=reason):
        check_url(url, resolver=resolver_to(PUBLIC))


def test_allowed_networks_open_loopback_and_plain_http() -> None:
    """The setting's networks may be reached, over plain http too; others stay closed."""
    target = check_url("http://127.0.0.1:8123/hook", LOOPBACK)
    assert target.connect_url == "http://127.0.0.1:8123/hook"
    with pytest.raises(UnsafeUrl):
        check_url("https://10.0.0.1/hook", LOOPBACK)
    with pytest.raises(UnsafeUrl, match="https"):
        check_url("http://hooks.example.com/x", LOOPBACK, resolver=resolver_to(PUBLIC))
