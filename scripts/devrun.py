"""Run the whole system on one machine for development: ``make run``.

Uses the Mosquitto and Redis already listening on 1883 and 6379, or starts
local ones under ``.run/``; then starts the four services with the defaults of
the architecture brief, waits until every one is ready, and stops them all on
Ctrl-C (or when one of them dies).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
DEV_ENV = RUN_DIR / "dev.env"

SERVICES = [
    ("shadow", "csms_shadow", "http://127.0.0.1:9103/readyz"),
    ("ocpp-handler", "csms_handler", "http://127.0.0.1:9102/readyz"),
    ("gateway", "csms_gateway", "http://127.0.0.1:9101/readyz"),
    ("remote-api", "csms_api", "http://127.0.0.1:8080/readyz"),
]


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def find_binary(name: str) -> str:
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit(f"{name} is not installed: run 'make deps' (or apt-get install {name})")


def load_dev_env() -> dict[str, str]:
    """The git-ignored dev settings; the API token is generated on first run."""
    RUN_DIR.mkdir(exist_ok=True)
    if not DEV_ENV.exists():
        DEV_ENV.write_text(f"OCPP_API_TOKEN={secrets.token_urlsafe(24)}\n")
        DEV_ENV.chmod(0o600)
    values: dict[str, str] = {}
    for line in DEV_ENV.read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator and not key.startswith("#"):
            values[key.strip()] = value.strip()
    return values


def start_infrastructure() -> list[tuple[str, subprocess.Popen[bytes]]]:
    """Start Mosquitto and Redis on their default ports unless something already listens there."""
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    if listening(1883):
        print("devrun: using the MQTT broker already listening on 127.0.0.1:1883", flush=True)
    else:
        config = RUN_DIR / "mosquitto.conf"
        config.write_text("listener 1883 127.0.0.1\nallow_anonymous true\n")
        started.append(("mosquitto", subprocess.Popen([find_binary("mosquitto"), "-c", str(config)])))
        print("devrun: started mosquitto on 127.0.0.1:1883", flush=True)
    if listening(6379):
        print("devrun: using the Redis already listening on 127.0.0.1:6379", flush=True)
    else:
        command = [
            find_binary("redis-server"),
            "--port",
            "6379",
            "--bind",
            "127.0.0.1",
            "--dir",
            str(RUN_DIR),
            "--appendonly",
            "yes",
        ]
        started.append(("redis", subprocess.Popen(command)))
        print(f"devrun: started redis-server on 127.0.0.1:6379 (data in {RUN_DIR})", flush=True)
    deadline = time.monotonic() + 10
    while not (listening(1883) and listening(6379)):
        if time.monotonic() > deadline:
            raise SystemExit("devrun: broker or Redis did not come up within 10 s")
        time.sleep(0.1)
    return started


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def stop_all(children: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for _, process in reversed(children):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, process in reversed(children):
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"devrun: {name} did not stop in time, killing it", flush=True)
            process.kill()


def main() -> int:
    argparse.ArgumentParser(
        prog="devrun",
        description="Start broker and Redis if needed, then the four CSMS services; Ctrl-C stops all.",
        epilog=f"Settings come from the environment and from {DEV_ENV} (created on first run).",
    ).parse_args()
    started_at = time.monotonic()
    settings = load_dev_env()
    environment = {**settings, **os.environ}
    children = start_infrastructure()
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        for name, module, _ in SERVICES:
            children.append((name, subprocess.Popen([sys.executable, "-m", module], env=environment)))
        pending = {name: url for name, _, url in SERVICES}
        while pending and not stopping:
            for name, url in list(pending.items()):
                if ready(url):
                    del pending[name]
            if any(process.poll() is not None for _, process in children):
                break
            time.sleep(0.1)
        if not pending:
            elapsed = time.monotonic() - started_at
            print(
                f"\ndevrun: all four services ready in {elapsed:.1f} s\n"
                f"  stations:  ws://127.0.0.1:9000/{{chargePointId}}\n"
                f"  API:       http://127.0.0.1:8080  (token in {DEV_ENV}: source it, then use"
                f' -H "Authorization: Bearer $OCPP_API_TOKEN")\n'
                f"  metrics:   :9101 gateway, :9102 ocpp-handler, :9103 shadow, :8080/metrics remote-api\n"
                f"  Ctrl-C stops everything.\n",
                flush=True,
            )
        while not stopping:
            dead = [(name, p.returncode) for name, p in children if p.poll() is not None]
            if dead:
                print(f"devrun: {dead[0][0]} exited with {dead[0][1]}; stopping everything", flush=True)
                stop_all(children)
                return 1
            time.sleep(0.2)
        print("devrun: stopping", flush=True)
        stop_all(children)
        return 0
    except BaseException:
        stop_all(children)
        raise


if __name__ == "__main__":
    raise SystemExit(main())
