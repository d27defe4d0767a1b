"""The README's smart-charging example, run as written (bash and curl) against the running system."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.system import API_TOKEN, System

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"


def smart_charging_example() -> str:
    section = README.read_text().split("## Smart charging", 1)[1]
    found = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert found is not None, "the Smart charging section has a bash example"
    return found.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_depot_example_runs(system: System, api: Api) -> None:
    for site in ("hall-a", "depot"):  # a rerun against the same system starts clean
        api.request("PATCH", "/charge-points/BUS-01", json={"site": None})
        api.delete(f"/sites/{site}")
    api.delete("/charge-points/BUS-01")
    script = smart_charging_example().replace("http://127.0.0.1:8080", system.api_url)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f'AUTH="Authorization: Bearer {API_TOKEN}"\n{script}'],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert "error" not in json.dumps(answers), result.stdout
    assert answers[-1]["limitNow"] == {"amps": [120.0, 120.0, 120.0]}
    assert api.get("/sites/hall-a").json()["stations"] == ["BUS-01"]
    assert {"site": "hall-a", "evses": {}, "wiring": {"1": {"phaseRotation": "STR"}}}.items() <= next(
        answer for answer in answers if "wiring" in answer
    ).items()
