"""Private mosquitto, redis-server, the four services and the baseline as real processes.

The small parts of tests/support/infra.py and tests/support/system.py the benchmark needs, copied
so that bench/ does not depend on the test suite: everything binds 127.0.0.1 on free ports, the
services get the same environment variables as in the end-to-end tests (with LOG_LEVEL=warning),
and nothing ever uses the machine's own broker or Redis. The broker is the one the project ships
(``scripts/broker.py``: a user per service, ACLs, ``set_tcp_nodelay true``; plain listener only).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.net import free_port
from tests.support.system import http_status

API_TOKEN = "bench-token-0123456789abcdef"

MODULES = {
    "gateway": "csms_gateway",
    "ocpp-handler": "csms_handler",
    "shadow": "csms_shadow",
    "remote-api": "csms_api",
}
NOTIFIER_MODULE = "csms_notifier"
"""``make run`` (scripts/devrun.py) and the chart also run the notifier; ``make bench-mix`` does too."""


class InfrastructureUnavailable(RuntimeError):
    """mosquitto or redis-server is not installed (``make deps``)."""


def binary(name: str) -> str:
    found = shutil.which(name) or next(
        (str(path) for path in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if path.exists()), None
    )
    if found is None:
        raise InfrastructureUnavailable(f"no {name} binary: run 'make deps'")
    return found


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process {process.args!r} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@dataclass
class Proc:
    """A started process, its log and the address of its admin/readiness endpoint."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    """The broker's: MQTT password per service user."""

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_process(name: str, command: list[str], workdir: Path, env: dict[str, str] | None = None) -> Proc:
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=os.getcwd())
    return Proc(name, process, log_path, env=env or {})


@contextlib.contextmanager
def mosquitto(workdir: Path, extra_config: str = "") -> Iterator[Proc]:
    """A private broker configured as the project ships it, plus ``extra_config`` lines at the end."""
    from scripts.broker import write_broker_config

    port = free_port()
    setup = write_broker_config(workdir / "broker", port)
    if extra_config:
        with setup.config.open("a") as config:
            config.write(extra_config)
    shutil.copy(setup.config, workdir / "mosquitto.conf")
    proc = start_process("mosquitto", [binary("mosquitto"), "-c", str(setup.config)], workdir)
    proc.url = f"mqtt://127.0.0.1:{port}"
    proc.passwords = dict(setup.passwords)
    try:
        wait_for_port(port, 10, proc.process)
        yield proc
    finally:
        proc.stop()


@contextlib.contextmanager
def redis(workdir: Path, *, appendonly: bool = False, name: str = "redis") -> Iterator[Proc]:
    """A private redis-server; ``appendonly`` as ``make run`` and the chart ship it (AOF, fsync every s)."""
    port = free_port()
    data = workdir / name
    data.mkdir(exist_ok=True)
    command = [binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "yes" if appendonly else "no", "--dir", str(data)]
    proc = start_process(name, command, workdir)
    proc.url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_for_port(port, 10, proc.process)
        yield proc
    finally:
        proc.stop()


def _base_env(mqtt_url: str, redis_url: str, log_level: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MQTT_", "REDIS_", "GATEWAY_", "API_", "SHADOW_", "HANDLER_", "OCPP_"))
    }
    env.update(
        MQTT_URL=mqtt_url,
        REDIS_URL=redis_url,
        LOG_LEVEL=log_level,
        PYTHONUNBUFFERED="1",
        OCPP_API_TOKEN=API_TOKEN,
    )
    return env


@dataclass
class System:
    """The four services; ``gateway_url`` and ``api_url`` once started."""

    processes: dict[str, Proc]
    gateway_url: str
    api_url: str


def wait_ready(proc: Proc, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
        if http_status(f"{proc.url}/readyz") == 200:
            return
        time.sleep(0.05)
    raise TimeoutError(f"{proc.name} not ready after {timeout}s:\n{proc.log_tail()}")


@contextlib.contextmanager
def system(
    workdir: Path,
    mqtt_url: str,
    redis_url: str,
    log_level: str = "warning",
    overrides: dict[str, dict[str, str]] | None = None,
    broker_passwords: dict[str, str] | None = None,
    notifier: bool = False,
) -> Iterator[System]:
    """Start shadow, ocpp-handler, gateway and remote-api (as tests/support/system.py does).

    ``overrides`` maps a service name to extra environment variables for it; each service logs in
    to the broker as itself with ``broker_passwords``. ``notifier`` also starts the notifier, as
    ``make run`` does.
    """
    started: dict[str, Proc] = {}
    modules = {**MODULES, "notifier": NOTIFIER_MODULE} if notifier else MODULES
    try:
        for name in modules:
            env = _base_env(mqtt_url, redis_url, log_level)
            if broker_passwords and name in broker_passwords:
                env.update(MQTT_USERNAME=name, MQTT_PASSWORD=broker_passwords[name])
            admin_port = free_port()
            if name == "gateway":
                env.update(
                    GATEWAY_PORT=str(free_port()),
                    GATEWAY_METRICS_PORT=str(admin_port),
                    GATEWAY_HOST="127.0.0.1",
                    GATEWAY_METRICS_HOST="127.0.0.1",
                    GATEWAY_INSTANCE_ID="bench-gateway",
                )
            elif name == "ocpp-handler":
                env.update(HANDLER_METRICS_PORT=str(admin_port), HANDLER_METRICS_HOST="127.0.0.1")
            elif name == "shadow":
                env.update(SHADOW_METRICS_PORT=str(admin_port), SHADOW_METRICS_HOST="127.0.0.1")
            elif name == "notifier":
                env.update(NOTIFIER_METRICS_PORT=str(admin_port), NOTIFIER_METRICS_HOST="127.0.0.1")
            else:
                env.update(API_PORT=str(admin_port), API_HOST="127.0.0.1")
            env.update((overrides or {}).get(name, {}))
            proc = start_process(name, [sys.executable, "-m", modules[name]], workdir, env)
            proc.url = f"http://127.0.0.1:{admin_port}"
            started[name] = proc
        for proc in started.values():
            wait_ready(proc, 30)
        yield System(
            started,
            gateway_url=f"ws://127.0.0.1:{started['gateway'].env['GATEWAY_PORT']}",
            api_url=started["remote-api"].url,
        )
    finally:
        for proc in reversed(list(started.values())):
            proc.stop()


@contextlib.contextmanager
def baseline(workdir: Path, redis_url: str | None = None, name: str = "baseline") -> Iterator[Proc]:
    """The ocpp-library baseline (bench/baseline.py) with its remote-start endpoint; with ``redis_url``,
    the second baseline (it also writes station state there)."""
    port, api_port = free_port(), free_port()
    command = [sys.executable, "-m", "bench.baseline", "--port", str(port), "--api-port", str(api_port)]
    command += ["--redis", redis_url] if redis_url else []
    proc = start_process(name, command, workdir, {**os.environ, "PYTHONUNBUFFERED": "1"})
    proc.url = f"ws://127.0.0.1:{port}"
    proc.env["API_URL"] = f"http://127.0.0.1:{api_port}"
    try:
        wait_for_port(port, 15, proc.process)
        wait_for_port(api_port, 5, proc.process)
        yield proc
    finally:
        proc.stop()
