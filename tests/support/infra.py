"""A private Mosquitto and Redis per test session: local binaries, or containers where Docker runs.

Tests never touch the machine's own broker and Redis (on 1883/6379): they start
their own on free ports, unless MQTT_URL and REDIS_URL name ones to use.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from scripts.broker import write_broker_config
from scripts.pki import Pki, make_pki
from tests.support.polling import wait_until


class InfrastructureUnavailable(RuntimeError):
    """Neither local binaries nor a Docker engine can provide the service."""


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Distinct free ports: the probes stay bound until all are chosen, so none is handed out twice."""
    probes = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def wait_for_port(host: str, port: int, timeout: float) -> None:
    def listening() -> bool:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        return False

    wait_until(listening, timeout, message=f"something listens on {host}:{port}")


def find_binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(path) for path in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if path.exists()),
        None,
    )


def _docker_engine_available() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    result = subprocess.run([docker, "info"], capture_output=True, timeout=10, check=False)
    return result.returncode == 0


TEST_USER = "test"
"""A broker user for the tests themselves: may read and write every topic."""

TEST_ACL = """
user test
topic readwrite #
topic readwrite $aws/#
"""


@dataclass
class RunningService:
    url: str
    process: subprocess.Popen[bytes] | None = None
    passwords: dict[str, str] = field(default_factory=dict)
    """Broker users and passwords (empty for a broker without authentication)."""
    tls_url: str | None = None
    pki: Pki | None = None
    """The CA that signed the broker's TLS certificate (and signs client certificates for tests)."""

    @property
    def address(self) -> str:
        """The URL without credentials."""
        return "mqtt://" + self.url.rsplit("@", 1)[-1].removeprefix("mqtt://")

    command: list[str] = field(default_factory=list)
    log_path: Path | None = None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self) -> None:
        """Start the same local process again, on the same port and files (after stop())."""
        assert self.command and self.log_path is not None, "only local processes can be restarted"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT)
        port = urlsplit(self.url).port
        assert port is not None
        wait_for_port("127.0.0.1", port, 10)


@contextlib.contextmanager
def _serving(service: RunningService, log: IO[bytes], port: int) -> Iterator[None]:
    """Once the service just started listens on ``port``; afterwards it is stopped, its log closed."""
    try:
        wait_for_port("127.0.0.1", port, 10)
        yield
    finally:
        service.stop()
        log.close()


@contextlib.contextmanager
def mosquitto(workdir: Path, persistent: bool = False) -> Iterator[RunningService]:
    """Yield a broker: MQTT_URL if set, else a private mosquitto, else a container.

    ``persistent`` keeps sessions and queued messages across a restart (Mosquitto's persistence)."""
    if os.environ.get("MQTT_URL"):
        yield RunningService(os.environ["MQTT_URL"])
        return
    binary = find_binary("mosquitto")
    if binary is not None:
        # The same locked-down broker as `make run`: a user per service, ACLs, a TLS listener.
        pki = make_pki(workdir / "pki")
        test_password = secrets.token_urlsafe(12)
        port, tls_port = free_ports(2)
        setup = write_broker_config(
            workdir,
            port,
            tls_port=tls_port,
            pki=pki,
            extra_users={TEST_USER: test_password},
            extra_acl=TEST_ACL,
            persistence=persistent,
        )
        port = setup.port
        command = [binary, "-c", str(setup.config)]
        log = (workdir / "mosquitto.log").open("wb")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        # The URL carries the test user; each service logs in as itself (MQTT_USERNAME wins).
        service = RunningService(
            f"mqtt://{TEST_USER}:{test_password}@127.0.0.1:{port}",
            process,
            setup.passwords,
            f"mqtts://127.0.0.1:{setup.tls_port}",
            pki,
            command,
            workdir / "mosquitto.log",
        )
        with _serving(service, log, port):
            yield service
        return
    if _docker_engine_available():
        from testcontainers.core.container import DockerContainer

        container = DockerContainer("eclipse-mosquitto:2.0").with_exposed_ports(1883)
        container.with_command("mosquitto -c /mosquitto-no-auth.conf")
        with container:
            host = container.get_container_host_ip()
            port = int(container.get_exposed_port(1883))
            wait_for_port(host, port, 30)
            yield RunningService(f"mqtt://{host}:{port}")
        return
    raise InfrastructureUnavailable(
        "no mosquitto binary and no Docker engine: run 'make deps' (apt-get install mosquitto) or set MQTT_URL"
    )


@contextlib.contextmanager
def redis(workdir: Path, persistent: bool = False) -> Iterator[RunningService]:
    """Yield a Redis: REDIS_URL if set, else a private redis-server, else a container.

    ``persistent`` turns on the append-only file, so a restarted server keeps its data.
    """
    if os.environ.get("REDIS_URL") and not persistent:
        yield RunningService(os.environ["REDIS_URL"])
        return
    binary = find_binary("redis-server")
    if binary is not None:
        port = free_port()
        log = (workdir / "redis.log").open("wb")
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "yes" if persistent else "no", "--dir", str(workdir)]  # fmt: skip
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        service = RunningService(
            f"redis://127.0.0.1:{port}/0", process, command=command, log_path=workdir / "redis.log"
        )
        with _serving(service, log, port):
            yield service
        return
    if _docker_engine_available():
        from testcontainers.core.container import DockerContainer

        with DockerContainer("redis:7").with_exposed_ports(6379) as container:
            host = container.get_container_host_ip()
            port = int(container.get_exposed_port(6379))
            wait_for_port(host, port, 30)
            yield RunningService(f"redis://{host}:{port}/0")
        return
    raise InfrastructureUnavailable(
        "no redis-server binary and no Docker engine: run 'make deps' (apt-get install redis-server) "
        "or set REDIS_URL"
    )
