"""README's *Integrating* section, run as written against the running system.

Its code blocks run in order as one shell script from the repository's root: ``bash`` blocks as they
are, ``python`` blocks with ``.venv/bin/python``, ``javascript`` blocks with ``node`` in ``sdk/js``.
Only what differs from ``make run`` is replaced: the API's and the gateway's addresses, the dev
token's file (the token is in the environment instead), and the station id (unique per run).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.sdk.test_js_sdk import JS_SDK, npm
from tests.support.system import API_TOKEN, System

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```(bash|python|javascript)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
DEV_ENV_LINE = "source .run/dev.env && export OCPP_API_TOKEN"


def section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    return text[start : text.index("\n## ", start + 1)]


def script_of(markdown: str) -> str:
    parts = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    for language, code in BLOCK.findall(markdown):
        if language == "bash":
            parts.append(code)
        elif language == "python":
            parts.append(f".venv/bin/python - <<'PYTHON'\n{code}PYTHON")
        else:
            parts.append(f"(cd sdk/js && node --input-type=module <<'JAVASCRIPT'\n{code}JAVASCRIPT\n)")
    return "\n".join(parts)


def test_the_integrating_section_runs_as_written(system: System) -> None:
    if not (JS_SDK / "dist" / "esm" / "index.js").exists():
        if not (JS_SDK / "node_modules" / ".package-lock.json").exists():
            npm("ci", "--no-audit", "--no-fund")
        npm("run", "build")
    markdown = section((ROOT / "README.md").read_text(), "Integrating")
    assert markdown.count("```bash") == 2 and "```python" in markdown and "```javascript" in markdown
    assert DEV_ENV_LINE in markdown
    station_id = f"RD{uuid.uuid4().hex[:10]}"
    script = (
        script_of(markdown)
        .replace(DEV_ENV_LINE, ": the token is in the environment")
        .replace("http://127.0.0.1:8080", system.api_url)
        .replace("ws://127.0.0.1:9000", system.gateway_url)
        .replace("CP042", station_id)
        .replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    )
    env = {**os.environ, "OCPP_API_TOKEN": API_TOKEN}
    env.pop("CSMS_URL", None)
    completed = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    print(completed.stdout[-3000:])
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    out = completed.stdout
    assert f"registered {station_id}" in out
    assert out.count("command.answered") >= 3  # the tail, Python and JavaScript
    assert "answered {'status': 'Accepted'}" in out  # Python's Reset
    assert "answered { status: 'Accepted' }" in out  # JavaScript's Reset
