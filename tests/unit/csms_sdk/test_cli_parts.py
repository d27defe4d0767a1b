"""The CLI's pure parts: config precedence, tables, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from csms_sdk.cli.config import ConfigFileError, resolve
from csms_sdk.cli.exit_codes import ExitCode, exit_code_for
from csms_sdk.cli.output import flatten, table
from csms_sdk.errors import AlreadyRegistered, CommandTimeout, NotConnected, NotRegistered, TransportError


def test_flags_and_environment_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('url = "http://file:1"\ntoken = "file-token"\ntimeout = 5\n')
    assert resolve(None, None, None, path) == resolve(None, None, None, path)
    from_file = resolve(None, None, None, path)
    assert (from_file.url, from_file.token, from_file.timeout) == ("http://file:1", "file-token", 5.0)
    flagged = resolve("http://flag:2", "flag-token", 9.0, path)
    assert (flagged.url, flagged.token, flagged.timeout) == ("http://flag:2", "flag-token", 9.0)
    missing = resolve(None, None, None, tmp_path / "none.toml")
    assert (missing.url, missing.token) == ("http://127.0.0.1:8080", None)


@pytest.mark.parametrize("text", ["url = 1", "not toml [", 'colour = "blue"', 'timeout = "x"'])
def test_bad_config_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigFileError):
        resolve(None, None, None, path)


def test_table_and_flatten() -> None:
    assert table(["ID", "ON"], [["CP1", True], ["CP-LONG", None]]).splitlines() == [
        "ID       ON",
        "CP1      yes",
        "CP-LONG  -",
    ]
    assert list(flatten({"evses": {"1": {"status": "Available"}}, "empty": {}})) == [
        ("evses.1.status", "Available"),
        ("empty", {}),
    ]


def test_exit_code_numbers_are_the_documented_ones() -> None:
    documented = {"OK": 0, "FAILED": 1, "USAGE": 2, "AUTH": 3, "NOT_FOUND": 4, "CONFLICT": 5, "INVALID": 6}
    documented |= {"RATE_LIMITED": 7, "STATION_ERROR": 8, "TIMEOUT": 9, "UNAVAILABLE": 10}
    assert {code.name: int(code) for code in ExitCode} == documented


def test_exit_codes() -> None:
    args: tuple[dict[str, str], str, str] = ({}, "GET", "u")
    assert exit_code_for(NotRegistered(404, "x", *args)) == ExitCode.NOT_FOUND
    assert exit_code_for(NotConnected(409, "x", *args)) == ExitCode.CONFLICT
    assert exit_code_for(AlreadyRegistered(409, "x", *args)) == ExitCode.CONFLICT
    assert exit_code_for(CommandTimeout(504, "x", *args)) == ExitCode.TIMEOUT
    assert exit_code_for(TransportError("refused")) == ExitCode.UNAVAILABLE
