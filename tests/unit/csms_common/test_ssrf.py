"""The SSRF guard: only public http(s) addresses, unless allow-listed."""

from __future__ import annotations

import pytest

from csms_common.webhooks.ssrf import RefusedUrl, address_refusal, check_url, parse_networks, parse_target

LOOPBACK = parse_networks("127.0.0.0/8, ::1/128")


def resolver_to(*addresses: str):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("0.0.0.0", "not a public"),
        ("224.0.0.1", "not a public"),
        ("100.64.0.1", "not a public"),  # carrier-grade NAT
        ("fc00::1", "private"),
    ],
)
def test_internal_addresses_are_refused(address: str, reason: str) -> None:
    refusal = address_refusal(address, ())
    assert refusal is not None and reason in refusal


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(address, ()) is None


def test_the_allow_list_lets_loopback_through_and_nothing_else() -> None:
    assert address_refusal("127.0.0.1", LOOPBACK) is None
    assert address_refusal("::1", LOOPBACK) is None
    assert address_refusal("10.0.0.1", LOOPBACK) is not None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "http://",
        "http://user:pw@example.com/",
        "",
        42,
        "http://example.com/" + "a" * 2100,
        "http://exa mple.com/",
        "http://example.com:99999/",
    ],
)
def test_malformed_urls_are_refused(url: object) -> None:
    with pytest.raises(RefusedUrl):
        parse_target(url)


def test_every_resolved_address_must_pass() -> None:
    assert check_url("https://hooks.example/x", (), resolver_to("93.184.215.14")).port == 443
    with pytest.raises(RefusedUrl, match="private"):
        check_url("https://hooks.example/x", (), resolver_to("93.184.215.14", "10.0.0.1"))
    with pytest.raises(RefusedUrl, match="does not resolve"):
        check_url("https://hooks.example/x", (), resolver_to())
    assert check_url("http://localhost:8000/x", LOOPBACK, resolver_to("127.0.0.1")).port == 8000


def test_allow_list_parsing() -> None:
    assert [str(n) for n in parse_networks(" 127.0.0.0/8 ,, 10.1.2.3 ")] == ["127.0.0.0/8", "10.1.2.3/32"]
    with pytest.raises(ValueError, match="not a network"):
        parse_networks("127.0.0.0/8,localhost")
