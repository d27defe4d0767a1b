"""Start the four services as real processes on free ports, and stop them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from csms_api.tokens import token_digest
from tests.support import infra
from tests.support.infra import free_ports
from tests.support.polling import wait_until

API_TOKEN = "test-token-0123456789"
"""The admin token (OCPP_API_TOKEN)."""
READ_TOKEN = "read-token-0123456789"
COMMAND_TOKEN = "command-token-0123456789"
CORS_ORIGIN = "https://ops.example"

MODULES = {
    "gateway": "csms_gateway",
    "ocpp-handler": "csms_handler",
    "shadow": "csms_shadow",
    "remote-api": "csms_api",
    "notifier": "csms_notifier",
}
"""The notifier is not part of ``start_all``: tests that need it start it (tests/support/events.py)."""

LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"
"""Webhook receivers in the test process listen on loopback; the SSRF guard must allow it here."""


def http_status(url: str, timeout: float = 1.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError):
        return None


@dataclass
class ServiceProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    admin_url: str
    env: dict[str, str]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


@dataclass(frozen=True)
class Placement:
    """Where a service runs: a command prefix (such as `ip netns exec <host>`) and the address it
    listens on and is reached at (tests/support/netns.py puts services on separate hosts)."""

    prefix: tuple[str, ...] = ()
    address: str = "127.0.0.1"


@dataclass
class System:
    """The running services and where to reach them."""

    workdir: Path
    mqtt_url: str
    redis_url: str
    broker_passwords: dict[str, str] = field(default_factory=dict)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    api_url: str = ""
    gateway_url: str = ""
    placements: dict[str, Placement] = field(default_factory=dict)
    """Per label; a label not named here runs locally on 127.0.0.1."""

    @contextlib.contextmanager
    def running(self, env: Mapping[str, Mapping[str, str]] | None = None) -> Iterator[System]:
        """Every service started (``env``: extra variables per service name); stopped afterwards,
        whatever happened."""
        try:
            self.start_all(env)
            yield self
        finally:
            self.stop_all()

    def base_env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(
                (
                    "MQTT_",
                    "REDIS_",
                    "GATEWAY_",
                    "API_",
                    "SHADOW_",
                    "HANDLER_",
                    "OCPP_",
                    "NOTIFIER_",
                    "WEBHOOK_",
                )
            )
        }
        tokens_file = self.workdir / "api-tokens"
        if not tokens_file.exists():
            tokens_file.write_text(
                "# name:scope:sha256 of the token\n"
                f"dashboard:read:{token_digest(READ_TOKEN)}\n"
                f"dispatcher:command:{token_digest(COMMAND_TOKEN)}\n"
            )
        env.update(
            MQTT_URL=self.mqtt_url,
            REDIS_URL=self.redis_url,
            LOG_LEVEL="debug",
            PYTHONUNBUFFERED="1",
            OCPP_API_TOKEN=API_TOKEN,
            OCPP_API_TOKENS_FILE=str(tokens_file),
            API_CORS_ORIGINS=CORS_ORIGIN,
            WEBHOOK_ALLOWED_NETWORKS=LOOPBACK_NETWORKS,
            # Event streams end (and clients resume) quickly, so a test reading one to its end is short.
            API_SSE_MAX_SECONDS="1",
        )
        return env

    def start(
        self, name: str, label: str | None = None, extra_ports: tuple[str, ...] = (), **overrides: str
    ) -> ServiceProcess:
        """Start one service with free ports (``overrides`` are extra environment variables;
        ``extra_ports`` names variables that get further free ports, distinct from the others)."""
        label = label or name
        place = self.placements.get(label, Placement())
        host = place.address
        env = self.base_env()
        if name in self.broker_passwords:
            env.update(MQTT_USERNAME=name, MQTT_PASSWORD=self.broker_passwords[name])
        admin_port, service_port, *more_ports = free_ports(2 + len(extra_ports))
        env.update({variable: str(port) for variable, port in zip(extra_ports, more_ports, strict=True)})
        if name == "gateway":
            env.update(
                GATEWAY_PORT=str(service_port),
                GATEWAY_METRICS_PORT=str(admin_port),
                GATEWAY_HOST=host,
                GATEWAY_METRICS_HOST=host,
                GATEWAY_INSTANCE_ID=label,
                # Every test station connects from 127.0.0.1, many of them refused on purpose: like a large
                # NAT, test gateways turn the per-address refusal budget off unless a test sets it
                # (docs/budgets-gateway.md; tests/adversarial/test_address_refusals.py).
                GATEWAY_REFUSED_ADDRESS_RATE="0",
            )
        elif name == "ocpp-handler":
            # One MQTT session per label and system: a handler started again under its label resumes it.
            env.update(
                HANDLER_METRICS_PORT=str(admin_port),
                HANDLER_METRICS_HOST=host,
                HANDLER_CLIENT_ID=f"{label}-{self.workdir.name}",
            )
        elif name == "shadow":
            env.update(
                SHADOW_METRICS_PORT=str(admin_port),
                SHADOW_METRICS_HOST=host,
                SHADOW_CLIENT_ID=f"{label}-{self.workdir.name}",
            )
        elif name == "notifier":
            env.update(
                NOTIFIER_METRICS_PORT=str(admin_port),
                NOTIFIER_METRICS_HOST=host,
                NOTIFIER_CLIENT_ID=f"notifier-{label}-{self.workdir.name}",
            )
        else:
            env.update(API_PORT=str(admin_port), API_HOST=host)
        env.update(overrides)
        log_path = self.workdir / f"{label}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*place.prefix, sys.executable, "-m", MODULES[name]],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        admin_host_port = env["API_PORT"] if name == "remote-api" else str(admin_port)
        service = ServiceProcess(label, process, log_path, f"http://{host}:{admin_host_port}", env)
        self.processes[label] = service
        return service

    def wait_ready(self, service: ServiceProcess, timeout: float = 20) -> None:
        def ready() -> bool:
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited:\n{service.log_text()[-3000:]}")
            return http_status(f"{service.admin_url}/readyz") == 200

        try:
            wait_until(ready, timeout, message=f"{service.name} answers /readyz with 200")
        except AssertionError as error:
            raise TimeoutError(f"{error}\n{service.log_text()[-3000:]}") from error

    def start_all(self, env: Mapping[str, Mapping[str, str]] | None = None) -> None:
        for name in ("shadow", "ocpp-handler", "gateway", "remote-api"):
            self.start(name, **(env or {}).get(name, {}))
        for service in self.processes.values():
            self.wait_ready(service)
        gateway = self.processes["gateway"]
        self.gateway_url = f"ws://{gateway.env['GATEWAY_HOST']}:{gateway.env['GATEWAY_PORT']}"
        self.api_url = self.processes["remote-api"].admin_url

    def stop_all(self) -> None:
        for service in reversed(list(self.processes.values())):
            service.stop()


@contextlib.contextmanager
def own_system(
    tmp_path_factory: pytest.TempPathFactory, name: str, env: Mapping[str, Mapping[str, str]] | None = None
) -> Iterator[System]:
    """A broker, a Redis and the four services of the caller's own (``env``: extra variables per service
    name), for tests whose settings differ from the shared system's; all stopped afterwards."""
    with (
        infra.mosquitto(tmp_path_factory.mktemp(f"{name}-mosquitto")) as broker,
        infra.redis(tmp_path_factory.mktemp(f"{name}-redis")) as redis,
    ):
        workdir = Path(tmp_path_factory.mktemp(f"{name}-services"))
        with System(workdir, broker.url, redis.url, broker.passwords).running(env) as system:
            yield system
