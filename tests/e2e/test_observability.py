"""Every service exposes Prometheus metrics, probes, and --help; names the dashboards rely on exist."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import urllib.request

import pytest
from ocpp.v201 import call

from tests.support.api import Api
from tests.support.stations import station201
from tests.support.system import MODULES, System

pytestmark = pytest.mark.e2e


def metrics_of(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        return str(response.read().decode())


def test_metrics_after_traffic(api: Api, system: System, registered: str) -> None:
    async def scenario() -> str:
        async with station201(system.gateway_url, registered) as station:
            await station.call(call.Heartbeat())
            # Scrape while connected: the gauge counts this station.
            return await asyncio.to_thread(metrics_of, system.processes["gateway"].admin_url)

    gateway_metrics = asyncio.run(scenario())
    assert 'csms_gateway_connected_stations{version="2.0.1"}' in gateway_metrics
    assert 'csms_gateway_frames_total{direction="in",type="call",version="2.0.1"}' in gateway_metrics
    assert 'csms_mqtt_connected{service="gateway"} 1.0' in gateway_metrics
    assert "csms_mqtt_publish_failures_total" in gateway_metrics

    handler_metrics = metrics_of(system.processes["ocpp-handler"].admin_url)
    assert 'csms_handler_frames_total{action="Heartbeat",outcome="result",version="2.0.1"}' in handler_metrics
    assert 'csms_handler_latency_seconds_bucket{action="Heartbeat"' in handler_metrics

    shadow_metrics = metrics_of(system.processes["shadow"].admin_url)
    assert 'csms_shadow_updates_total{outcome="applied"}' in shadow_metrics
    assert 'csms_registry_requests_total{method="create",status="201"}' in shadow_metrics

    api_metrics = metrics_of(system.api_url)
    assert 'csms_api_requests_total{method="POST",route="/charge-points",status="201"}' in api_metrics


@pytest.mark.parametrize("service", ["gateway", "ocpp-handler", "shadow"])
def test_admin_probes(system: System, service: str) -> None:
    url = system.processes[service].admin_url
    for path in ("/healthz", "/readyz"):
        with urllib.request.urlopen(f"{url}{path}", timeout=5) as response:
            assert response.status == 200


@pytest.mark.parametrize("module", sorted(MODULES.values()))
def test_every_entry_point_has_help(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0
    assert "MQTT_URL" in result.stdout
    assert "usage:" in result.stdout


def test_service_logs_are_json_lines_with_station_ids(system: System, registered: str) -> None:
    import json

    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            await station.call(
                call.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp")
            )

    asyncio.run(scenario())
    lines = [
        json.loads(line)
        for line in system.processes["gateway"].log_text().splitlines()
        if line.startswith("{")
    ]
    connected = [
        entry
        for entry in lines
        if entry["event"] == "station connected" and entry.get("station_id") == registered
    ]
    assert connected and connected[0]["service"] == "gateway" and connected[0]["ts"].endswith("Z")


def _promtool() -> str | None:
    import shutil
    from pathlib import Path

    local = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "promtool"
    return str(local) if local.exists() else shutil.which("promtool")


@pytest.mark.parametrize("service", ["gateway", "ocpp-handler", "shadow", "remote-api"])
def test_live_metrics_pass_promtool(system: System, service: str) -> None:
    """`promtool check metrics` on what each running service serves (make deploy-check installs promtool)."""
    promtool = _promtool()
    if promtool is None:
        pytest.skip("promtool is not installed: run `make deploy-tools` (CI does, before the tests)")
    exposition = metrics_of(system.processes[service].admin_url)
    assert "csms_mqtt_connected" in exposition
    result = subprocess.run(
        [promtool, "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
