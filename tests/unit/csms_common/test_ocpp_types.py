"""The checked-in OCPP TypedDicts are what scripts/generate_ocpp_types.py makes of the shipped schemas."""

from __future__ import annotations

import importlib
from pathlib import Path

import mypy.api
import pytest

from csms_common.ocpp.types import v201, wire
from scripts.generate_ocpp_types import TYPES_DIRECTORY, VERSIONS, message_files, render


@pytest.mark.parametrize("module", list(VERSIONS))
def test_the_checked_in_module_matches_the_generator(module: str) -> None:
    checked_in = (TYPES_DIRECTORY / f"{module}.py").read_text()
    assert checked_in == render(module), (
        f"csms_common/ocpp/types/{module}.py is stale: run python scripts/generate_ocpp_types.py"
    )


@pytest.mark.parametrize("module", list(VERSIONS))
def test_every_schema_has_its_typed_dict(module: str) -> None:
    types = importlib.import_module(f"csms_common.ocpp.types.{module}")
    names = [class_name for class_name, _ in message_files(module)]
    assert len(names) >= 78  # 1.6 has the fewest: 39 actions, a request and a response each
    assert [name for name in names if not isinstance(getattr(types, name, None), type)] == []


def test_a_typed_message_is_a_plain_dict_at_run_time() -> None:
    reply: v201.BootNotificationResponse = {
        "currentTime": "2026-12-03T10:00:00Z",
        "interval": 300,
        "status": "Accepted",
    }
    assert type(reply) is dict
    assert wire(reply) is reply


def test_mypy_refuses_a_reply_that_is_not_its_actions(tmp_path: Path) -> None:
    """What the types are for: a misspelt enum value, a missing field, a request field read wrongly."""
    snippet = tmp_path / "wrong_replies.py"
    snippet.write_text(
        "from csms_common.ocpp.types.v201 import BootNotificationResponse, StatusNotificationRequest\n"
        'misspelt: BootNotificationResponse = {"currentTime": "t", "interval": 300, "status": "Acepted"}\n'
        'incomplete: BootNotificationResponse = {"currentTime": "t", "status": "Accepted"}\n'
        "def unknown_status(request: StatusNotificationRequest) -> bool:\n"
        '    return request["connectorStatus"] == "Avaliable"\n'
    )
    root = Path(__file__).resolve().parents[3]
    stdout, _, status = mypy.api.run(
        ["--strict", "--no-incremental", "--config-file", str(root / "pyproject.toml"), str(snippet)]
    )
    print(stdout)
    assert status == 1
    errors = {line.split(":")[1]: line for line in stdout.splitlines() if ": error:" in line}
    assert "Literal['Acepted']" in errors["2"]
    assert 'Missing key "interval"' in errors["3"]
    assert "Non-overlapping equality check" in errors["5"]
    assert len(errors) == 3
