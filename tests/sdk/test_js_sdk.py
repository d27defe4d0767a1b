"""The JavaScript SDK's tests (``node --test``) against the running system, with real stations.

The Node tests cannot play a station without a WebSocket dependency (Node 20 has no WebSocket
client), so this test connects the ocpp library's 2.0.1 station and a silent socket, hands their
ids to ``node --test`` through the environment, and afterwards checks what the station received.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import websockets

from csms_sdk import Client
from tests.sdk.conftest import RATE_LIMITED_COMMAND_RATE
from tests.support.stations import station201
from tests.support.system import API_TOKEN, READ_TOKEN, System

pytestmark = pytest.mark.e2e

JS_SDK = Path(__file__).resolve().parents[2] / "sdk" / "js"


def npm(*arguments: str) -> None:
    npm_path = shutil.which("npm")
    assert npm_path, "npm is missing: `make deps` installs Node.js and npm"
    completed = subprocess.run(
        [npm_path, *arguments], cwd=JS_SDK, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, f"npm {' '.join(arguments)}:\n{completed.stdout}\n{completed.stderr}"


@pytest.fixture(scope="module")
def built_js_sdk() -> Path:
    """``npm ci`` (from the committed package-lock.json) if needed, the generated types checked
    against sdk/openapi.json, test/types.check.ts compiled against them, then both builds."""
    if not (JS_SDK / "node_modules" / ".package-lock.json").exists():
        npm("ci", "--no-audit", "--no-fund")
    npm("run", "check-generated")
    npm("run", "typecheck")
    npm("run", "build")
    return JS_SDK


def test_js_unit_tests(built_js_sdk: Path) -> None:
    completed = subprocess.run(
        ["node", "--test", "test/unit.test.mjs"],
        cwd=built_js_sdk,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(completed.stdout[-600:])
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_js_sdk_against_the_running_system(
    system: System, client: Client, rate_limited_api_url: str, built_js_sdk: Path
) -> None:
    run_id = uuid.uuid4().hex[:10]
    online, silent = f"JS-{run_id}-online", f"JS-{run_id}-silent"
    client.register_station(online)
    client.register_station(silent)
    env = {
        **os.environ,
        "CSMS_API_URL": system.api_url,
        "CSMS_RATE_LIMITED_API_URL": rate_limited_api_url,
        "OCPP_API_TOKEN": API_TOKEN,
        "CSMS_READ_TOKEN": READ_TOKEN,
        "CSMS_ONLINE_STATION": online,
        "CSMS_SILENT_STATION": silent,
        "CSMS_RATE_LIMIT_SECONDS": f"{1 / RATE_LIMITED_COMMAND_RATE:g}",
        "CSMS_RUN_ID": run_id,
    }

    async def scenario() -> None:
        silent_url = f"{system.gateway_url}/{silent}"
        async with (
            station201(system.gateway_url, online) as station,
            websockets.connect(silent_url, subprotocols=["ocpp2.0.1"]) as silent_socket,
        ):
            await silent_socket.send('[2,"hb","Heartbeat",{}]')
            await asyncio.wait_for(silent_socket.recv(), 10)
            process = await asyncio.create_subprocess_exec(
                "node",
                "--test",
                "test/system/sdk.test.mjs",
                "test/system/cjs.test.cjs",
                cwd=built_js_sdk,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await asyncio.wait_for(process.communicate(), 100)
            text = output.decode(errors="replace")
            print(text[-4000:])
            assert process.returncode == 0, text
            assert "# fail 0" in text and "# pass 10" in text, text

            received = []
            while not station.received.empty():
                action, payload, _ = station.received.get_nowait()
                received.append((action, payload))
            starts = [payload for action, payload in received if action == "RequestStartTransaction"]
            stops = [payload for action, payload in received if action == "RequestStopTransaction"]
            assert {"id_token": "user-123", "type": "ISO14443"} in [start["id_token"] for start in starts]
            assert {"transaction_id": "123456789"} in stops
            assert ("Reset", {"type": "Immediate"}) in received and ("Reset", {"type": "OnIdle"}) in received

    asyncio.run(scenario())
