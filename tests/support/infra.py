"""A private Mosquitto and Redis per test session: local binaries, or containers where Docker runs.

Tests never touch the machine's own broker and Redis (on 1883/6379): they start
their own on free ports, unless MQTT_URL and REDIS_URL name ones to use.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class InfrastructureUnavailable(RuntimeError):
    """Neither local binaries nor a Docker engine can provide the service."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def _binary(name: str) -> str | None:
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


@dataclass
class RunningService:
    url: str
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def mosquitto(workdir: Path) -> Iterator[RunningService]:
    """Yield a broker: MQTT_URL if set, else a private mosquitto, else a container."""
    if os.environ.get("MQTT_URL"):
        yield RunningService(os.environ["MQTT_URL"])
        return
    binary = _binary("mosquitto")
    if binary is not None:
        port = free_port()
        config = workdir / "mosquitto.conf"
        config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 100000\n"
        )
        log = (workdir / "mosquitto.log").open("wb")
        process = subprocess.Popen([binary, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT)
        service = RunningService(f"mqtt://127.0.0.1:{port}", process)
        try:
            wait_for_port("127.0.0.1", port, 10)
            yield service
        finally:
            service.stop()
            log.close()
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
def redis(workdir: Path) -> Iterator[RunningService]:
    """Yield a Redis: REDIS_URL if set, else a private redis-server, else a container."""
    if os.environ.get("REDIS_URL"):
        yield RunningService(os.environ["REDIS_URL"])
        return
    binary = _binary("redis-server")
    if binary is not None:
        port = free_port()
        log = (workdir / "redis.log").open("wb")
        process = subprocess.Popen(
            [
                binary,
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
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        service = RunningService(f"redis://127.0.0.1:{port}/0", process)
        try:
            wait_for_port("127.0.0.1", port, 10)
            yield service
        finally:
            service.stop()
            log.close()
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
