"""Loopback-only addressing and the file-descriptor limit. The benchmark never leaves 127.0.0.0/8."""

from __future__ import annotations

import ipaddress
import resource
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class NotLoopback(ValueError):
    """A URL or address outside 127.0.0.0/8: the benchmark refuses to send traffic there."""


def require_loopback_host(host: str) -> str:
    """``host`` if it is a literal 127.x.y.z address or ``localhost``; NotLoopback otherwise."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError as error:
        raise NotLoopback(f"{host!r} is not a loopback IP address") from error
    if address not in LOOPBACK:
        raise NotLoopback(f"{host} is outside 127.0.0.0/8")
    return host


def require_loopback_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a ws://, http:// URL on the loopback network."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "http"):
        raise NotLoopback(f"{url!r}: only plain ws:// and http:// on loopback are used")
    host = require_loopback_host(parts.hostname or "")
    default = 80
    return parts.scheme, host, parts.port or default


def source_addresses(count: int) -> list[str]:
    """``count`` loopback source addresses 127.0.0.1, 127.0.0.2, ... (at most 250)."""
    if not 1 <= count <= 250:
        raise ValueError("between 1 and 250 source addresses")
    return [f"127.0.0.{index}" for index in range(1, count + 1)]


def ephemeral_ports() -> int:
    """How many local ports one (source address, destination) pair can use."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as handle:
            low, high = (int(part) for part in handle.read().split())
        return high - low + 1
    except (OSError, ValueError):
        return 28_000


@dataclass(frozen=True)
class FileLimit:
    before_soft: int
    before_hard: int
    soft: int
    hard: int
    note: str

    def as_dict(self) -> dict[str, int | str]:
        return dict(self.__dict__)


def _nr_open() -> int:
    try:
        with open("/proc/sys/fs/nr_open") as handle:
            return int(handle.read())
    except (OSError, ValueError):
        return 1_048_576


def raise_file_limit(wanted: int | None = None) -> FileLimit:
    """Raise RLIMIT_NOFILE as far as allowed: the hard limit (needs CAP_SYS_RESOURCE), then the soft.

    Child processes inherit the result.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted or _nr_open()
    note = "unchanged"
    if hard != resource.RLIM_INFINITY and hard < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(target, _nr_open()), min(target, _nr_open())))
            note = "hard limit raised"
        except (ValueError, OSError):
            note = f"hard limit {hard} kept: raising it needs CAP_SYS_RESOURCE"
    new_soft, new_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if new_soft < new_hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new_hard, new_hard))
        if note == "unchanged":
            note = "soft limit raised to the hard limit"
    final_soft, final_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return FileLimit(soft, hard, final_soft, final_hard, note)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((require_loopback_host(host), 0))
        return int(probe.getsockname()[1])
