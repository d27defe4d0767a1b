"""The SSRF guard: a webhook may only point at public http(s) addresses, or at an allow-listed network.

The remote-api checks a URL when a webhook is created (so a person hears about it
at once) and the notifier checks again before every delivery, against the
addresses the name resolves to then (a name may be re-pointed after the check).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Iterable[str]]
"""(host, port) → the IP addresses it resolves to."""


class RefusedUrl(ValueError):
    """The URL is not an allowed webhook target; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


def parse_networks(text: str) -> tuple[IpNetwork, ...]:
    """``"127.0.0.0/8, ::1/128"`` → networks; raises ValueError naming the bad entry."""
    networks: list[IpNetwork] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise ValueError(f"not a network: {entry!r}") from error
    return tuple(networks)


def parse_target(url: object) -> Target:
    """Check the URL's form: http or https, a host, no credentials, not too long."""
    if not isinstance(url, str) or not url:
        raise RefusedUrl("url must be a non-empty string")
    if len(url) > MAX_URL_LENGTH:
        raise RefusedUrl(f"url is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise RefusedUrl(f"url cannot be parsed: {error}") from error
    if parts.scheme not in ("http", "https"):
        raise RefusedUrl("url must be http:// or https://")
    if not parts.hostname:
        raise RefusedUrl("url has no host")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("url must not carry credentials; sign with the secret instead")
    if any(character.isspace() or not character.isprintable() for character in url):
        raise RefusedUrl("url must not contain whitespace or control characters")
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80))


def address_refusal(address: str, allowed: tuple[IpNetwork, ...]) -> str | None:
    """Why this address may not be called (None: it may)."""
    ip: IpAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed):
        return None
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address (cloud metadata lives there)"
    if ip.is_unspecified or ip.is_multicast:
        return f"{ip} is not a public address"
    if ip.is_private:
        return f"{ip} is a private address"
    if ip.is_reserved or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (blocking: the API calls it in its request thread)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise RefusedUrl(f"host {host!r} does not resolve: {error}") from error
    return [str(info[4][0]) for info in infos]


def check_url(url: object, allowed: tuple[IpNetwork, ...], resolver: Resolver = system_resolver) -> Target:
    """The target if every address the URL's host resolves to may be called; else RefusedUrl."""
    target = parse_target(url)
    addresses = list(resolver(target.host, target.port))
    if not addresses:
        raise RefusedUrl(f"host {target.host!r} does not resolve")
    for address in addresses:
        reason = address_refusal(address, allowed)
        if reason is not None:
            raise RefusedUrl(f"url points at {reason}; allow it with WEBHOOK_ALLOWED_NETWORKS if intended")
    return target
