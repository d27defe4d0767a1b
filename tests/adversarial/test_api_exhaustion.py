"""One remote-api client cannot exhaust the API: slowloris connections and ?wait requests held open on
a silent station leave a well-behaved client's latency where it was; ?wait is capped per token."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.api import Api
from tests.support.polling import wait_until
from tests.support.slow_clients import SilentStation, SlowLoris, p99_seconds
from tests.support.system import API_TOKEN, COMMAND_TOKEN, ServiceProcess, System

pytestmark = pytest.mark.e2e

SLOW_CLIENTS = 64
"""Four times the 16 that blocked every gthread worker thread before."""
WAIT_PER_TOKEN = 8
HELD_WAITS = 2 * WAIT_PER_TOKEN
"""Two command-scope tokens, each at its cap."""
SAMPLES = 200
ATTEMPTS = 3
HELD_SECONDS = 20
"""Long enough for every loaded attempt to run while all the waits are held."""


@pytest.fixture
def isolated_api(system: System) -> Iterator[ServiceProcess]:
    service = system.start("remote-api", label=f"api-exhaustion-{uuid.uuid4().hex[:6]}")
    try:
        system.wait_ready(service)
        yield service
    finally:
        service.stop()


def held_wait(base_url: str, token: str, station_id: str, seconds: float) -> int:
    """The status of a ``?wait`` command, or 0 if no answer came in time."""
    try:
        response = Api(base_url, token=token).post(
            f"/charge-points/{station_id}/commands/Reset?wait={seconds:g}",
            json={"type": "Immediate"},
            timeout=seconds + 10,
        )
    except requests.RequestException:
        return 0
    return response.status_code


def wait_connected(base_url: str, station_id: str) -> None:
    wait_until(
        lambda: Api(base_url).get(f"/charge-points/{station_id}").json().get("connected"),
        10,
        message=f"{station_id} shows as connected",
    )


def latencies(base_url: str) -> tuple[float, float]:
    return (
        p99_seconds(f"{base_url}/healthz", API_TOKEN, SAMPLES),
        p99_seconds(f"{base_url}/charge-points", API_TOKEN, SAMPLES),
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def test_slow_clients_and_held_waits_leave_others_latency(
    system: System, isolated_api: ServiceProcess, registered: str
) -> None:
    """The machine is shared and loaded: a p99 is taken up to three times, idle and loaded alike, and the
    best of each counts. Before gevent workers, every loaded attempt timed out (5,000 ms)."""
    base_url = isolated_api.admin_url
    address = urlsplit(base_url)
    idle = [latencies(base_url) for _ in range(ATTEMPTS)]
    idle_health, idle_list = min(h for h, _ in idle), min(c for _, c in idle)
    # Budget: twice the idle p99, but not below 25 ms (one scheduler slice on a loaded 2-core machine
    # is ~10 ms, and the idle p99 of /healthz can be 2 ms).
    budget_health, budget_list = max(2 * idle_health, 0.025), max(2 * idle_list, 0.025)
    loaded: list[tuple[float, float]] = []
    with SilentStation(system.gateway_url, registered):
        wait_connected(base_url, registered)
        with SlowLoris(address.hostname or "127.0.0.1", address.port or 80, SLOW_CLIENTS) as loris:
            with ThreadPoolExecutor(HELD_WAITS) as pool:
                held = [
                    pool.submit(held_wait, base_url, token, registered, HELD_SECONDS)
                    for token in (API_TOKEN, COMMAND_TOKEN)
                    for _ in range(WAIT_PER_TOKEN)
                ]
                time.sleep(1.5)  # every slow connection open, every wait published and waiting
                while len(loaded) < ATTEMPTS:
                    loaded.append(latencies(base_url))
                    if loaded[-1][0] <= budget_health and loaded[-1][1] <= budget_list:
                        break
                still_held = sum(not future.done() for future in held)
                statuses = [future.result() for future in held]
        opened = loris.opened
    loaded_health, loaded_list = min(h for h, _ in loaded), min(c for _, c in loaded)
    print(
        f"\nremote-api under {SLOW_CLIENTS} slowloris connections ({opened} opened) and "
        f"{still_held} held ?wait={HELD_SECONDS} requests, p99 of {SAMPLES} requests, best of each:\n"
        f"  /healthz       idle {ms(idle_health)}, loaded {ms(loaded_health)}, budget {ms(budget_health)}\n"
        f"  /charge-points idle {ms(idle_list)}, loaded {ms(loaded_list)}, budget {ms(budget_list)}\n"
        f"  attempts idle {[(ms(h), ms(c)) for h, c in idle]}, loaded {[(ms(h), ms(c)) for h, c in loaded]}"
    )
    assert still_held == HELD_WAITS
    assert statuses == [504] * HELD_WAITS  # the station never answered: each wait ran its full time
    assert loaded_health <= budget_health
    assert loaded_list <= budget_list


def test_wait_requests_are_capped_per_token(
    system: System, isolated_api: ServiceProcess, registered: str
) -> None:
    base_url = isolated_api.admin_url
    with SilentStation(system.gateway_url, registered):
        wait_connected(base_url, registered)
        with ThreadPoolExecutor(WAIT_PER_TOKEN) as pool:
            held = [pool.submit(held_wait, base_url, API_TOKEN, registered, 4) for _ in range(WAIT_PER_TOKEN)]
            time.sleep(1.0)
            assert not any(future.done() for future in held)
            refused = Api(base_url).post(
                f"/charge-points/{registered}/commands/Reset?wait=4", json={"type": "Immediate"}
            )
            assert refused.status_code == 429, refused.text
            assert refused.json() == {
                "error": f"Too many waiting requests for token 'default' (at most {WAIT_PER_TOKEN}); retry later"
            }
            retry_after = int(refused.headers["Retry-After"])
            assert 1 <= retry_after <= 4  # the first held wait ends within its 4 s
            # Without ?wait the same token is not limited, and another token has its own slots.
            assert (
                Api(base_url)
                .post(f"/charge-points/{registered}/commands/Reset", json={"type": "Immediate"})
                .status_code
                == 202
            )
            other = held_wait(base_url, COMMAND_TOKEN, registered, 0.5)
            assert other == 504
            statuses = [future.result() for future in held]
        assert statuses == [504] * WAIT_PER_TOKEN
        # The slots are free again once the waits end.
        assert held_wait(base_url, API_TOKEN, registered, 0.5) == 504
    metrics = requests.get(f"{base_url}/metrics", timeout=5).text
    refused_count = [line for line in metrics.splitlines() if line.startswith("csms_api_wait_refused_total")]
    print(
        f"\n?wait cap per token {WAIT_PER_TOKEN}: 9th concurrent wait 429, Retry-After {retry_after} s; {refused_count}"
    )
    assert refused_count == ["csms_api_wait_refused_total 1.0"]


def test_headers_and_body_that_never_finish_are_cut_off(system: System) -> None:
    service = system.start(
        "remote-api",
        label=f"api-timeouts-{uuid.uuid4().hex[:6]}",
        API_HEADER_TIMEOUT="2",
        API_BODY_TIMEOUT="2",
    )
    try:
        system.wait_ready(service)
        address = urlsplit(service.admin_url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as slow_headers:
            started = time.monotonic()
            slow_headers.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            closed_after = None
            slow_headers.settimeout(0.5)
            while time.monotonic() - started < 8:
                try:
                    if slow_headers.send(b"X-Slow: 1\r\n") and slow_headers.recv(4096) == b"":
                        closed_after = time.monotonic() - started
                        break
                except TimeoutError:
                    continue
                except OSError:
                    closed_after = time.monotonic() - started
                    break
        with socket.create_connection((address.hostname, address.port), timeout=10) as slow_body:
            started = time.monotonic()
            slow_body.sendall(
                b"POST /charge-points HTTP/1.1\r\nHost: localhost\r\n"
                + f"Authorization: Bearer {API_TOKEN}\r\n".encode()
                + b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"chargePointId"'
            )
            received = slow_body.recv(4096)
            body_cut_after = time.monotonic() - started
            while not received.endswith(b"}\n"):  # the status line and the body may come apart
                more = slow_body.recv(4096)
                if not more:
                    break
                received += more
            answer = received.decode()
        print(
            f"\nheader timeout 2 s: trickled headers closed after {closed_after} s; "
            f"body timeout 2 s: half a body answered after {body_cut_after:.1f} s: {answer.splitlines()[0]!r}"
        )
        assert closed_after is not None and closed_after < 5
        assert answer.startswith("HTTP/1.1 408")
        assert answer.endswith('{"error":"Request body not received within 2 s"}\n')
        assert 1.5 < body_cut_after < 5
    finally:
        service.stop()
