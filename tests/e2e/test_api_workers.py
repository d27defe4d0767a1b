"""remote-api with several gunicorn workers: /metrics adds up what every worker counted."""

from __future__ import annotations

import json
import re

import pytest
import requests

from tests.support.system import API_TOKEN, System

pytestmark = pytest.mark.e2e

WORKERS = 2
COUNTER = re.compile(
    r'^csms_api_requests_total\{method="GET",route="/charge-points",status="200"\} (\S+)$', re.MULTILINE
)


def serving_pids(log_text: str) -> list[int]:
    pids = []
    for line in log_text.splitlines():
        if line.startswith("{") and '"api request"' in line:
            entry = json.loads(line)
            if entry.get("route") == "/charge-points":
                pids.append(int(entry["worker_pid"]))
    return pids


def test_metrics_count_requests_of_every_worker(system: System) -> None:
    service = system.start("remote-api", label="remote-api-workers", API_WORKERS=str(WORKERS))
    try:
        system.wait_ready(service)
        sent = 0
        # A new connection per request: the workers take turns accepting them.
        while (len(set(serving_pids(service.log_text()))) < WORKERS or sent < 20) and sent < 400:
            response = requests.get(
                f"{service.admin_url}/charge-points",
                headers={"Authorization": f"Bearer {API_TOKEN}", "Connection": "close"},
                timeout=10,
            )
            assert response.status_code == 200
            sent += 1
        pids = serving_pids(service.log_text())
        by_worker = {pid: pids.count(pid) for pid in set(pids)}
        scraped = []
        for _ in range(6):  # scrapes land on either worker: each must report the sum
            text = requests.get(
                f"{service.admin_url}/metrics", headers={"Connection": "close"}, timeout=10
            ).text
            match = COUNTER.search(text)
            scraped.append(float(match.group(1)) if match else None)
        print(
            f"\n{sent} requests served by {len(by_worker)} workers {sorted(by_worker.values())}; /metrics says {scraped}"
        )
        assert len(by_worker) == WORKERS
        assert scraped == [float(sent)] * 6
        # One series for the service, not one per worker process.
        assert 'csms_mqtt_connected{service="remote-api"} 1.0' in text.splitlines()
    finally:
        service.stop()
