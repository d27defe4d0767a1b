"""A private Redis Cluster (3 masters, 3 replicas) or Sentinel set (1 master, 1 replica, 3 sentinels)
from the local ``redis-server`` binary, on free loopback ports, torn down afterwards.

Each node is an :class:`infra.RunningService`, so a test can kill one (``stop(SIGKILL)``) to make
its replica take over, and ``environment()`` gives the shadow service's settings for the topology.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.support import infra
from tests.support.polling import NotYet, wait_until

MASTER_NAME = "csms"
"""The master's name in the sentinels (REDIS_SENTINEL_MASTER)."""
SENTINEL_DOWN_AFTER_MS = 1000
"""Sentinels call a master down after this long without an answer (the default is 30 s)."""
SENTINEL_FAILOVER_TIMEOUT_MS = 5000


def _binary(name: str) -> str:
    path = shutil.which(name) or next((str(p) for p in (Path("/usr/bin") / name,) if p.exists()), None)
    if path is None:
        raise infra.InfrastructureUnavailable(
            f"no {name} binary: run 'make deps' (apt-get install redis-server)"
        )
    return path


def _node(workdir: Path, port: int, *arguments: str, config: Path | None = None) -> infra.RunningService:
    """A redis-server on ``port`` with its own directory and log, listening when this returns
    (with ``config``: that file and ``arguments`` only, as a sentinel needs)."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = (
        [_binary("redis-server"), str(config), *arguments]
        if config is not None
        else [
            _binary("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            *arguments,
        ]
    )
    log_path = workdir / "redis.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    service = infra.RunningService(f"redis://127.0.0.1:{port}/0", process, command=command, log_path=log_path)
    try:
        infra.wait_for_port("127.0.0.1", port, 10)
    except AssertionError:
        service.stop()
        raise
    return service


def cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster bus port (+10000) is free too, so below 55536 (Redis's rule)."""
    chosen: list[int] = []
    candidates = iter(random.sample(range(20000, 45000), 2000))
    while len(chosen) < count:
        port = next(candidates)
        if port in chosen or port + 10000 in chosen:
            continue
        if all(_bindable(candidate) for candidate in (port, port + 10000)):
            chosen.append(port)
    return chosen


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_of(service: infra.RunningService) -> int:
    return int(service.url.rsplit(":", 1)[1].split("/")[0])


@dataclass
class RedisCluster:
    nodes: list[infra.RunningService] = field(default_factory=list)

    @property
    def addresses(self) -> str:
        """REDIS_CLUSTER_NODES: every node (the client needs only one that answers)."""
        return ",".join(f"127.0.0.1:{port_of(node)}" for node in self.nodes)

    def environment(self) -> dict[str, str]:
        return {"REDIS_MODE": "cluster", "REDIS_CLUSTER_NODES": self.addresses}

    def client(self, port: int | None = None) -> redis.Redis:
        """A plain (non-cluster) client of one node, for CLUSTER/INFO commands."""
        return redis.Redis(port=port or port_of(self.nodes[0]), socket_timeout=5)

    def masters(self) -> list[int]:
        """Ports of the nodes that currently serve slots, seen by a live node."""
        live = next(node for node in self.nodes if node.process is not None and node.process.poll() is None)
        with self.client(port_of(live)) as client:
            lines = client.execute_command("CLUSTER", "NODES").decode().splitlines()
        return [
            int(line.split()[1].split(":")[1].split("@")[0])
            for line in lines
            if "master" in line.split()[2] and "fail" not in line.split()[2]
        ]

    def node_on(self, port: int) -> infra.RunningService:
        return next(node for node in self.nodes if port_of(node) == port)

    def wait_healthy(self, timeout: float = 30) -> None:
        """Until every live node says cluster_state:ok with three masters serving."""

        def healthy() -> bool | NotYet:
            states = []
            for node in self.nodes:
                if node.process is None or node.process.poll() is not None:
                    continue
                with self.client(port_of(node)) as client:
                    states.append(client.cluster("INFO").get("cluster_state"))
            return (all(state == "ok" for state in states) and len(self.masters()) == 3) or NotYet(states)

        wait_until(healthy, timeout, message="the Redis Cluster reports cluster_state:ok")


@contextlib.contextmanager
def cluster(workdir: Path) -> Iterator[RedisCluster]:
    """Six nodes made into 3 masters with a replica each by ``redis-cli --cluster create``."""
    ports = cluster_ports(6)
    topology = RedisCluster()
    try:
        for port in ports:
            topology.nodes.append(
                _node(
                    workdir / f"node-{port}",
                    port,
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    f"nodes-{port}.conf",
                    "--cluster-node-timeout",
                    "1000",
                )
            )
        subprocess.run(
            [
                _binary("redis-cli"),
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in ports),
                "--cluster-replicas",
                "1",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        topology.wait_healthy()
        yield topology
    finally:
        for node in topology.nodes:
            node.stop()


@dataclass
class SentinelSet:
    master: infra.RunningService
    replica: infra.RunningService
    sentinels: list[infra.RunningService] = field(default_factory=list)

    @property
    def addresses(self) -> str:
        """REDIS_SENTINELS."""
        return ",".join(f"127.0.0.1:{port_of(sentinel)}" for sentinel in self.sentinels)

    def environment(self) -> dict[str, str]:
        return {
            "REDIS_MODE": "sentinel",
            "REDIS_SENTINELS": self.addresses,
            "REDIS_SENTINEL_MASTER": MASTER_NAME,
        }

    def master_port(self) -> int:
        """The master's port according to the first live sentinel."""
        live = next(s for s in self.sentinels if s.process is not None and s.process.poll() is None)
        with redis.Redis(port=port_of(live), socket_timeout=5) as client:
            _host, port = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
        return int(port)

    def wait_ready(self, timeout: float = 30) -> None:
        """Until every sentinel knows the replica and the other sentinels (so a failover can happen)."""

        def ready() -> bool | NotYet:
            seen = []
            for sentinel in self.sentinels:
                with redis.Redis(port=port_of(sentinel), socket_timeout=5, decode_responses=True) as client:
                    master = client.execute_command("SENTINEL", "MASTER", MASTER_NAME)
                    fields = (
                        dict(zip(master[::2], master[1::2], strict=True))
                        if isinstance(master, list)
                        else master
                    )
                    seen.append((fields.get("num-slaves"), fields.get("num-other-sentinels")))
            return all(pair == ("1", "2") for pair in seen) or NotYet(seen)

        wait_until(ready, timeout, message="three sentinels watch a master with one replica")


@contextlib.contextmanager
def sentinel(workdir: Path) -> Iterator[SentinelSet]:
    """A master, its replica and three sentinels (quorum 2) that fail over within seconds."""
    master_port, replica_port, *sentinel_ports = infra.free_ports(5)
    started: list[infra.RunningService] = []
    try:
        master = _node(workdir / "master", master_port)
        started.append(master)
        replica = _node(workdir / "replica", replica_port, "--replicaof", "127.0.0.1", str(master_port))
        started.append(replica)
        topology = SentinelSet(master, replica)
        for port in sentinel_ports:
            directory = workdir / f"sentinel-{port}"
            directory.mkdir(parents=True, exist_ok=True)
            config = directory / "sentinel.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {directory}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 2\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} {SENTINEL_DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {MASTER_NAME} {SENTINEL_FAILOVER_TIMEOUT_MS}\n"
                f"sentinel parallel-syncs {MASTER_NAME} 1\n"
            )
            # A sentinel is redis-server in sentinel mode; it rewrites its config file, hence one each.
            node = _node(directory, port, "--sentinel", config=config)
            started.append(node)
            topology.sentinels.append(node)
        topology.wait_ready()
        yield topology
    finally:
        for service in started:
            service.stop()
