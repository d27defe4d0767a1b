"""A little network made by the test itself: one network namespace per host, joined by a bridge.

Every host (``broker``, ``redis``, ``gateway-1``, ...) gets its own namespace with one veth interface,
``eth0``, plugged into a bridge that lives in a further namespace of its own (the "switch"). Nothing
is added to the machine's own namespace: no interface, no route, no address. Names carry a random run
id, so parallel runs do not collide, and everything is removed on exit, also after a failure.

Addresses are loopback-range only, 127.77.0.x/24, as issue 19 asks. Linux refuses 127/8 on the wire
unless ``route_localnet`` is set, and routes the whole of 127/8 to ``lo`` through the local table; in
each of these namespaces (never the machine's) the test sets ``route_localnet`` and narrows that
route to 127.0.0.1, so 127.77.0.x reaches the other hosts over the bridge.

``cut(a, b)`` partitions two hosts silently, as a failed switch or a firewall would: each host's
neighbour entry for the other is pinned to a MAC address nobody has, so frames leave and are dropped
by every receiver, with no error and no reset (a TCP peer notices only by its own timeouts).
``heal()`` removes the pins. This needs neither iptables nor nftables nor tc classifiers, which
minimal kernels (such as the one these tests were written on) lack.

Latency between hosts is ``tc netem`` on every ``eth0`` where the kernel has sch_netem; where it has
not, the network runs without added latency and ``latency`` says so (the tests print it).

Code runs on a host in two ways: services as processes under ``ip netns exec`` (``prefix``), and the
test's own stations and checks in the calling thread, moved into a namespace by ``inside`` (setns(2)
applies to one thread; ``executor`` gives thread pools whose threads enter it too).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNET = 0x40000000
SUBNET = "127.77.0"
"""Hosts get 127.77.0.1, .2, ... in the order they are named."""
UNUSED_MAC = "02:00:00:00:00:01"
"""A locally administered address no interface here has: frames sent to it are dropped."""
NETNS_DIR = Path("/run/netns")


class NamespacesUnavailable(RuntimeError):
    """This machine cannot make network namespaces for the test (not root, no `ip`, no permission)."""


def _run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise NamespacesUnavailable(f"{' '.join(command)}: {result.stderr.strip() or result.returncode}")


def _write_sysctl(namespace: str, key: str, value: str) -> None:
    path = "/proc/sys/" + key.replace(".", "/")
    _run("ip", "netns", "exec", namespace, "sh", "-c", f"echo {value} > {path}")


def _setns(path: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns({path}): {os.strerror(errno)}")
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Host:
    name: str
    namespace: str
    address: str

    @property
    def prefix(self) -> list[str]:
        """Put before a command to run it on this host."""
        return ["ip", "netns", "exec", self.namespace]


@dataclass
class Network:
    """The hosts of one run, their switch, and the cuts in force."""

    run_id: str
    switch: str
    hosts: dict[str, Host] = field(default_factory=dict)
    latency: str = "none"
    """What `tc netem` added on every link ("2 ms each way"), or why nothing was added."""
    cuts: set[frozenset[str]] = field(default_factory=set)

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def address(self, name: str) -> str:
        return self.hosts[name].address

    def cut(self, a: str, b: str) -> None:
        """Partition ``a`` from ``b`` (both ways); every other path stays up."""
        for near, far in ((self[a], self[b]), (self[b], self[a])):
            _run("ip", "-n", near.namespace, "neigh", "replace", far.address,
                 "lladdr", UNUSED_MAC, "dev", "eth0", "nud", "permanent")  # fmt: skip
        self.cuts.add(frozenset((a, b)))

    def heal(self) -> None:
        """Undo every cut: the pinned entries go, address resolution finds the real hosts again."""
        for pair in list(self.cuts):
            a, b = sorted(pair)
            for near, far in ((self[a], self[b]), (self[b], self[a])):
                _run("ip", "-n", near.namespace, "neigh", "del", far.address, "dev", "eth0")
            self.cuts.discard(pair)

    @contextlib.contextmanager
    def inside(self, name: str) -> Iterator[Host]:
        """Run the calling thread's new sockets on host ``name``; back to where it was afterwards."""
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            _setns(NETNS_DIR / self[name].namespace)
            try:
                yield self[name]
            finally:
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.setns(home, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back to the test's own namespace")
        finally:
            os.close(home)

    def executor(self, name: str, workers: int = 8) -> ThreadPoolExecutor:
        """A thread pool on host ``name`` (for ``loop.set_default_executor``: asyncio.to_thread)."""
        path = NETNS_DIR / self[name].namespace
        return ThreadPoolExecutor(workers, initializer=_setns, initargs=(path,))

    def _add_host(self, name: str, index: int, latency_ms: float) -> None:
        namespace = f"{self.run_id}-{name}"
        _run("ip", "netns", "add", namespace)
        self.hosts[name] = Host(name, namespace, f"{SUBNET}.{index}")
        for key in ("net.ipv4.conf.all.route_localnet", "net.ipv4.conf.default.route_localnet"):
            _write_sysctl(namespace, key, "1")
        _run("ip", "-n", namespace, "link", "set", "lo", "up")
        # 127/8 would all be "local" here; only 127.0.0.1 stays on lo, 127.77.0.x goes on the wire.
        _run("ip", "-n", namespace, "route", "del", "table", "local", "127.0.0.0/8", "dev", "lo")
        port = f"p{index}"
        _run("ip", "-n", namespace, "link", "add", "eth0", "type", "veth", "peer", "name", port,
             "netns", self.switch)  # fmt: skip
        _run("ip", "-n", self.switch, "link", "set", port, "master", "br0")
        _run("ip", "-n", self.switch, "link", "set", port, "up")
        _run("ip", "-n", namespace, "addr", "add", f"{SUBNET}.{index}/24", "dev", "eth0")
        _run("ip", "-n", namespace, "link", "set", "eth0", "up")
        if latency_ms > 0:
            try:
                _run("tc", "-n", namespace, "qdisc", "add", "dev", "eth0", "root",
                     "netem", "delay", f"{latency_ms:g}ms")  # fmt: skip
                self.latency = f"{latency_ms:g} ms on every interface ({2 * latency_ms:g} ms between hosts)"
            except NamespacesUnavailable:
                self.latency = "none (this kernel has no sch_netem)"

    def _remove(self) -> None:
        """End what still runs on the hosts (only our processes live there), then the namespaces."""
        for host in self.hosts.values():
            pids = subprocess.run(["ip", "netns", "pids", host.namespace],
                                  capture_output=True, text=True, check=False).stdout.split()  # fmt: skip
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
        for namespace in [*(host.namespace for host in self.hosts.values()), self.switch]:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)


def unavailable_reason() -> str | None:
    """Why this machine cannot build the network, or None when it can."""
    if shutil.which("ip") is None:
        return "no `ip` command (iproute2)"
    if os.geteuid() != 0:
        return "network namespaces need root"
    probe = f"csms-probe-{secrets.token_hex(3)}"
    try:
        _run("ip", "netns", "add", probe)
    except NamespacesUnavailable as error:
        return f"cannot create a network namespace: {error}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


@contextlib.contextmanager
def network(hosts: Sequence[str], latency_ms: float = 2.0) -> Iterator[Network]:
    """Hosts on one switch, ``latency_ms`` each way on every interface where netem exists."""
    run_id = f"csms-{secrets.token_hex(3)}"
    net = Network(run_id, f"{run_id}-switch")
    try:
        _run("ip", "netns", "add", net.switch)
        _run("ip", "-n", net.switch, "link", "add", "br0", "type", "bridge")
        _run("ip", "-n", net.switch, "link", "set", "br0", "up")
        for index, name in enumerate(hosts, start=1):
            net._add_host(name, index, latency_ms)
        yield net
    finally:
        net._remove()
