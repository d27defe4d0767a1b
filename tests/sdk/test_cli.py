"""The ``csms`` command, run as the installed console script against the running system."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import websockets
from ocpp.v201 import call as call201

from csms_sdk.cli.exit_codes import ExitCode
from tests.support.infra import free_ports
from tests.support.stations import station201
from tests.support.system import API_TOKEN, READ_TOKEN, System

pytestmark = pytest.mark.e2e

CSMS = str(Path(sys.executable).parent / "csms")


class Cli:
    """Runs ``csms`` with a clean environment: a HOME of its own (no user config file)."""

    def __init__(self, home: Path, **env: str) -> None:
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("OCPP_API_TOKEN", "CSMS_URL", "CSMS_CONFIG", "XDG_CONFIG_HOME")
        }
        self.env.update(HOME=str(home), **env)

    def __call__(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CSMS, *arguments], env=self.env, capture_output=True, text=True, timeout=60)

    async def run(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(self, *arguments)

    def complete(self, words: str) -> list[str]:
        """What bash completion offers for the command line ``words`` (its last word being typed)."""
        env = {
            **self.env,
            "_CSMS_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        }
        done = subprocess.run([CSMS], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


@pytest.fixture
def cli(system: System, tmp_path: Path) -> Cli:
    return Cli(tmp_path, CSMS_URL=system.api_url, OCPP_API_TOKEN=API_TOKEN)


def new_id() -> str:
    return f"CLI-{uuid.uuid4().hex[:12]}"


def test_stations_register_list_show_delete(cli: Cli) -> None:
    station_id = new_id()
    registered = cli("stations", "register", station_id)
    assert registered.returncode == 0, registered.stderr
    assert registered.stdout.strip() == f"registered {station_id} (Accepted)"

    again = cli("stations", "register", station_id)
    assert again.returncode == 5
    assert "409" in again.stderr and "exists" in again.stderr.lower()

    listed = cli("stations", "list")
    assert listed.returncode == 0
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["ID", "STATUS", "CONNECTED", "PROTOCOL", "SINCE"]
    row = next(line for line in rows if line.startswith(station_id))
    assert row.split()[:4] == [station_id, "Accepted", "no", "-"]

    as_json = cli("--json", "stations", "list")
    assert as_json.returncode == 0
    assert station_id in [station["chargePointId"] for station in json.loads(as_json.stdout)]

    shown = cli("stations", "show", station_id, "--json")
    assert json.loads(shown.stdout)["chargePointId"] == station_id
    shown_table = cli("stations", "show", station_id)
    assert f"chargePointId       {station_id}" in shown_table.stdout.splitlines()

    deleted = cli("stations", "delete", station_id)
    assert (deleted.returncode, deleted.stdout.strip()) == (0, f"deleted {station_id}")
    missing = cli("stations", "show", station_id, "--json")
    assert missing.returncode == 4
    assert json.loads(missing.stdout) == {"status": 404, "error": f"Charge point not found: {station_id}"}
    print(f"csms exit codes seen: conflict {again.returncode}, not found {missing.returncode}")


def test_start_stop_command_and_shadow_with_a_connected_station(system: System, cli: Cli) -> None:
    station_id = new_id()
    assert cli("stations", "register", station_id).returncode == 0

    async def scenario() -> None:
        async with station201(system.gateway_url, station_id) as station:
            started = await cli.run(
                "start", station_id, "--id-tag", "user-123", "--connector", "1", "--wait", "10"
            )
            assert started.returncode == 0, started.stderr
            assert started.stdout.startswith(
                f"RequestStartTransaction command sent successfully: {station_id}"
            )
            assert started.stdout.rstrip().endswith('; result: {"status": "Accepted"}')
            action, payload, _ = await asyncio.wait_for(station.received.get(), 10)
            assert action == "RequestStartTransaction"
            assert payload["id_token"] == {"id_token": "user-123", "type": "ISO14443"}

            stopped = await cli.run("--json", "stop", station_id, "TX-42")
            assert stopped.returncode == 0, stopped.stderr
            assert json.loads(stopped.stdout)["transactionId"] == "TX-42"
            action, payload, _ = await asyncio.wait_for(station.received.get(), 10)
            assert (action, payload) == ("RequestStopTransaction", {"transaction_id": "TX-42"})

            reset = await cli.run(
                "command", station_id, "Reset", '{"type":"Immediate"}', "--wait", "10", "--json"
            )
            assert reset.returncode == 0, reset.stderr
            body = json.loads(reset.stdout)
            assert (body["state"], body["result"]) == ("answered", {"status": "Scheduled"})

            call_error = await cli.run("command", station_id, "ClearCache", "--wait", "10")
            assert call_error.returncode == ExitCode.STATION_ERROR, call_error.stderr
            assert "502" in call_error.stderr

            invalid = await cli.run("command", station_id, "Reset", '{"type":"Sideways"}', "--wait", "10")
            assert invalid.returncode == ExitCode.INVALID, invalid.stderr
            assert "Invalid Reset payload" in invalid.stderr

            await station.call(
                call201.BootNotification(
                    charging_station={"model": "CLI-Model", "vendor_name": "CLI-Vendor"}, reason="PowerUp"
                )
            )
            deadline = asyncio.get_running_loop().time() + 10
            shadow = await cli.run("shadow", station_id)
            while "chargingStation.model" not in shadow.stdout:
                assert asyncio.get_running_loop().time() < deadline, shadow.stdout + shadow.stderr
                await asyncio.sleep(0.1)
                shadow = await cli.run("shadow", station_id)
            assert shadow.returncode == 0
            lines = [line.split() for line in shadow.stdout.splitlines()]
            assert ["chargingStation.model", "CLI-Model"] in lines
            assert ["chargingStation.vendorName", "CLI-Vendor"] in lines
            shadow_json = json.loads((await cli.run("shadow", station_id, "--json")).stdout)
            assert shadow_json["state"]["reported"]["chargingStation"]["model"] == "CLI-Model"

    asyncio.run(scenario())


def test_silent_station_times_out_with_exit_code_9(system: System, cli: Cli) -> None:
    station_id = new_id()
    assert cli("stations", "register", station_id).returncode == 0

    async def scenario() -> None:
        url = f"{system.gateway_url}/{station_id}"
        async with websockets.connect(url, subprotocols=["ocpp2.0.1"]) as ws:
            await ws.send('[2,"hb","Heartbeat",{}]')
            await asyncio.wait_for(ws.recv(), 10)
            timed_out = await cli.run(
                "--json", "command", station_id, "Reset", '{"type":"Immediate"}', "--wait", "0.5"
            )
            assert timed_out.returncode == 9, timed_out.stderr
            body = json.loads(timed_out.stdout)
            assert body["status"] == 504 and body["state"] == "sent" and body["messageId"]

    asyncio.run(scenario())


def test_offline_unknown_and_usage_exit_codes(cli: Cli) -> None:
    offline = new_id()
    assert cli("stations", "register", offline).returncode == 0
    assert cli("start", offline, "--id-tag", "user-123").returncode == ExitCode.CONFLICT
    assert cli("command", new_id(), "Reset", '{"type":"Immediate"}').returncode == ExitCode.NOT_FOUND
    not_json = cli("command", offline, "Reset", "{not json")
    assert not_json.returncode == 2 and "not JSON" in not_json.stderr
    assert cli("start", offline, "--wait", "61").returncode == ExitCode.USAGE
    assert cli("no-such-command").returncode == ExitCode.USAGE


def test_tokens_put_and_list(cli: Cli) -> None:
    token = f"cli-{uuid.uuid4().hex[:10]}"
    put = cli("tokens", "put", token, "--status", "Blocked", "--expiry", "2030-01-01T00:00:00Z")
    assert (put.returncode, put.stdout.strip()) == (0, f"{token}: Blocked")
    listed = cli("tokens", "list")
    row = next(line for line in listed.stdout.splitlines() if line.startswith(token))
    assert row.split()[1] == "Blocked" and row.split()[2].startswith("2030-01-01")
    assert json.loads(cli("tokens", "show", token, "--json").stdout)["status"] == "Blocked"
    assert cli("tokens", "delete", token).returncode == 0
    assert cli("tokens", "show", token).returncode == ExitCode.NOT_FOUND


def test_endpoint_and_token_from_flags_environment_and_config_file(system: System, tmp_path: Path) -> None:
    bare = Cli(tmp_path)  # no environment: the default URL, where nothing listens here, and no token
    (port,) = free_ports(1)
    unreachable = bare("--url", f"http://127.0.0.1:{port}", "stations", "list")
    assert unreachable.returncode == 10

    no_token = bare("--url", system.api_url, "stations", "list")
    assert no_token.returncode == 3 and "401" in no_token.stderr

    config = tmp_path / ".config" / "csms" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'url = "{system.api_url}"\ntoken = "{READ_TOKEN}"\n')
    from_file = bare("--json", "stations", "list")
    assert from_file.returncode == 0, from_file.stderr
    assert isinstance(json.loads(from_file.stdout), list)
    forbidden = bare("stations", "register", new_id())  # the file's read token lacks the admin scope
    assert forbidden.returncode == ExitCode.AUTH and "403" in forbidden.stderr
    assert bare("--token", API_TOKEN, "stations", "register", new_id()).returncode == 0  # the flag wins
    env_wins = Cli(tmp_path, OCPP_API_TOKEN=API_TOKEN)
    assert env_wins("stations", "register", new_id()).returncode == 0

    other = tmp_path / "other.toml"
    other.write_text("colour = 'blue'\n")
    bad = bare("--config", str(other), "stations", "list")
    assert bad.returncode == ExitCode.USAGE and "unknown keys" in bad.stderr


def test_shell_completion(system: System, cli: Cli) -> None:
    script = cli("completion", "bash")
    assert script.returncode == 0 and "_CSMS_COMPLETE=bash_complete" in script.stdout

    assert cli.complete("csms sta") == ["start", "stations"]
    assert cli.complete("csms tok") == ["tokens"]
    assert set(cli.complete("csms stations ")) == {"list", "show", "register", "delete"}
    station_id = new_id()
    assert cli("stations", "register", station_id).returncode == 0
    completed = cli.complete(f"csms shadow {station_id[:10]}")
    assert station_id in completed and all(item.startswith(station_id[:10]) for item in completed)
    assert station_id in cli.complete(f"csms stations show --json {station_id[:10]}")
