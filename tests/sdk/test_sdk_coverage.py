"""The operations the SDKs gained for issue 14, through the SDK and the ``csms`` command against
the running system: sites and external limits, labels and site on a station, fleet desired state
and status with a real 1.6 station, station certificates, tariffs, charging-profile listing."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from csms_sdk import AsyncClient, BadRequest, Client, NotFound, NotRegistered
from csms_sdk.models import FleetStatus, Tariff
from tests.sdk.test_cli import Cli
from tests.support.desired_stations import REFUSED, connected
from tests.support.polling import NotYet, wait_until_async
from tests.support.system import API_TOKEN, System

pytestmark = pytest.mark.e2e


def new_id(kind: str) -> str:
    return f"SDK-{kind}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def cli(system: System, tmp_path: Path) -> Cli:
    return Cli(tmp_path, CSMS_URL=system.api_url, OCPP_API_TOKEN=API_TOKEN)


def test_sites_limits_and_membership(client: Client) -> None:
    depot = new_id("depot")
    created = client.put_site(depot, {"amps": 32, "phases": 3}, name="Depot", time_zone="Europe/Berlin")
    assert (created["id"], created["name"], created["limit"]) == (depot, "Depot", {"amps": 32, "phases": 3})
    assert created["timeZone"] == "Europe/Berlin"
    assert depot in [site["id"] for site in client.list_sites()]
    hall = client.put_site(f"{depot}-hall", {"watts": 11000}, parent=depot)
    assert hall["parent"] == depot

    expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    limited = client.set_external_limit(depot, {"amps": 10}, expires)
    assert limited["externalLimit"]["limit"]["amps"] == 10
    assert limited["limitNow"]["amps"] == [10.0, 10.0, 10.0], "the external limit is in force now"
    assert "externalLimit" not in client.clear_external_limit(depot)

    station = new_id("member")
    client.register_station(station)
    updated = client.update_station(station, labels={"site": depot, "model": "X"}, site=depot)
    assert updated["labels"] == {"site": depot, "model": "X"} and updated["site"] == depot
    assert client.update_station(station, labels={"model": None})["labels"] == {"site": depot}
    assert station in client.get_site(depot)["stations"]
    allocation = client.get_allocation(depot)
    assert (allocation["id"], allocation["transactions"]) == (depot, [])

    with pytest.raises(BadRequest) as refused:
        client.put_site(new_id("bad"), {"amps": 16}, parent=new_id("missing"))
    assert "parent" in refused.value.message
    with pytest.raises(NotFound):
        client.get_site(new_id("missing"))
    left = client.update_station(station, site=None)
    assert left.get("site") is None and station not in client.get_site(depot).get("stations", [])
    assert client.update_station(station, registration_status="Pending")["labels"] == {"site": depot}
    assert client.delete_site(f"{depot}-hall") == {"id": f"{depot}-hall", "deleted": True}


def test_fleet_desired_state_and_status_with_a_real_station(system: System, client: Client) -> None:
    site = new_id("fleet")
    online, offline = new_id("online"), new_id("offline")
    for station in (online, offline):
        client.register_station(station)
        client.update_station(station, labels={"site": site})
    answer = client.patch_fleet_shadow(
        {"configuration": {"HeartbeatInterval": "90", REFUSED: "1"}}, selector=f"site={site}"
    )
    assert (answer["matched"], answer["applied"], answer["failed"]) == (2, 2, [])
    before = client.fleet_status(selector=f"site={site}")
    assert (before["total"], before["offline"], before["inSync"]) == (2, 2, 0)

    async def scenario() -> None:
        async with connected(system, online, "1.6"), AsyncClient(system.api_url, token=API_TOKEN) as aclient:

            async def failed_one() -> FleetStatus | NotYet:
                status = await aclient.fleet_status(selector=f"site={site}")
                return status if status["failed"] == 1 else NotYet(status)

            status: FleetStatus = await wait_until_async(
                failed_one, 15, message="the refused key counted as failed"
            )
            assert status["offline"] == 1
            assert status["failing"] == [
                {
                    "chargePointId": online,
                    "connected": True,
                    "reasons": {f"configuration.{REFUSED}": "Rejected"},
                }
            ]
            shadow = await aclient.get_shadow(online)
            assert shadow["state"]["desired"]["configuration"]["HeartbeatInterval"] == "90"

    asyncio.run(scenario())
    cleared = client.patch_shadow(offline, {"configuration": {REFUSED: None}})
    assert REFUSED not in cleared["state"]["desired"]["configuration"]


def test_certificates_and_charging_profiles_of_a_station(client: Client) -> None:
    station = new_id("certs")
    with pytest.raises(NotRegistered):
        client.list_certificates(station)
    client.register_station(station)
    issued = client.list_certificates(station)
    assert (issued["chargePointId"], issued["certificates"]) == (station, [])
    profiles = client.list_charging_profiles(station)
    assert (profiles["chargePointId"], profiles["chargingProfiles"]) == (station, [])
    with pytest.raises(NotRegistered):
        client.list_charging_profiles(new_id("unknown"))


def test_tariffs_and_assignments(client: Client) -> None:
    tariff_id = new_id("tariff")[:36]
    tariff: Tariff = {
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
    }
    created = client.create_tariff(tariff)
    assert created["id"] == tariff_id and created["currency"] == "EUR"
    assert tariff_id in [found["id"] for found in client.list_tariffs()]
    site = new_id("billed")
    client.put_site(site, {"amps": 16})
    assert client.assign_site_tariffs(site, [tariff_id])["tariffIds"] == [tariff_id]
    assert client.list_tariff_assignments()["assignments"][f"site:{site}"] == [tariff_id]
    page = client.list_sessions(charge_point_id=new_id("nobody"))
    assert page == {"sessions": [], "nextCursor": None}
    assert client.sessions_csv(charge_point_id=new_id("nobody")).splitlines()[0].startswith("id,")


def test_cli_sites_fleet_and_certificates(client: Client, cli: Cli) -> None:
    site = new_id("clisite")
    put = cli("sites", "put", site, "--amps", "63", "--phases", "3", "--name", "Yard")
    assert put.returncode == 0, put.stderr
    assert put.stdout.strip() == f"{site}: 63 A x3"
    listed = cli("sites", "list")
    header, *rows = listed.stdout.splitlines()
    assert header.split()[:4] == ["ID", "NAME", "LIMIT", "PARENT"]
    assert next(row for row in rows if row.startswith(site)).split()[:6] == [
        site,
        "Yard",
        "63",
        "A",
        "x3",
        "-",
    ]
    shown = json.loads(cli("sites", "show", site, "--json").stdout)
    assert (shown["id"], shown["limit"]) == (site, {"amps": 63, "phases": 3})
    both = cli("sites", "put", site, "--amps", "6", "--watts", "1000")
    assert both.returncode == 2 and "exactly one" in both.stderr

    station = new_id("clifleet")
    client.register_station(station)
    client.update_station(station, labels={"site": site})
    desire = cli("fleet", "desire", "--selector", f"site={site}", "HeartbeatInterval=120", "--json")
    assert desire.returncode == 0, desire.stderr
    assert json.loads(desire.stdout)["matched"] == 1
    assert client.get_shadow(station)["state"]["desired"]["configuration"] == {"HeartbeatInterval": "120"}
    no_selector = cli("fleet", "desire", "HeartbeatInterval=120")
    assert no_selector.returncode == 2 and "--selector" in no_selector.stderr
    status = cli("fleet", "status", "--selector", f"site={site}")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[:2] == [
        "TOTAL  IN SYNC  PENDING  FAILED  OFFLINE",
        "1      0        0        0       1",
    ]

    certificates = cli("certificates", "list", station)
    assert certificates.returncode == 0, certificates.stderr
    assert certificates.stdout.split() == ["SERIAL", "STATUS", "TYPE", "SUBJECT", "NOT", "AFTER"]
    as_json = json.loads(cli("certificates", "list", station, "--json").stdout)
    assert as_json == {"chargePointId": station, "certificates": []}


ROOT = Path(__file__).resolve().parents[2]


def readme_block(path: Path, language: str, containing: str) -> str:
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", path.read_text(), re.MULTILINE | re.DOTALL)
    return next(block for block in blocks if containing in block)


def test_the_python_readme_example_of_the_new_methods_runs(system: System, client: Client) -> None:
    """sdk/python/README.md's sites/fleet example, as written but for the address, token and ids."""
    station, site = new_id("readme"), new_id("readme-site")
    client.register_station(station)
    code = (
        readme_block(ROOT / "sdk" / "python" / "README.md", "python", "put_site")
        .replace("http://127.0.0.1:8080", system.api_url)
        .replace('token="…"', f"token={API_TOKEN!r}")
        .replace("CP001", station)
        .replace("depot-1", site)
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "'total': 1" in completed.stdout and "[]" in completed.stdout
    assert client.get_station(station)["labels"] == {"site": site, "model": "X"}
