"""Every environment variable a service reads is in its ``--help`` and in the README.

What a service reads is found in its source (every ``env.<accessor>("NAME"`` in its package and in
csms_common.config), independently of the recording ``--help`` is generated from, so a variable
read on a path an empty environment does not take still has to be documented.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

import csms_common.config
from csms_common.runner import Service, documented_settings

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ["csms_gateway", "csms_handler", "csms_shadow", "csms_api", "csms_notifier"]
ENV_READ = re.compile(r'\benv\.(?:text|optional_text|integer|number|boolean|choice)\(\s*"([A-Z][A-Z0-9_]+)"')
ENV_BYPASS = re.compile(r"os\.getenv|os\.environ\.get|os\.environ\[[^\]]+\](?!\s*=)")


def read_in_source(files: list[Path]) -> set[str]:
    return {name for path in files for name in ENV_READ.findall(path.read_text())}


def package_files(package: str) -> list[Path]:
    directory = Path(importlib.import_module(package).__file__ or "").parent
    return sorted(directory.rglob("*.py"))


COMMON_IMPORT = re.compile(r"^from (csms_common(?:\.\w+)+) import", re.MULTILINE)


def common_modules_of(files: list[Path]) -> list[Path]:
    """The csms_common modules ``files`` import from (their reads count as the service's)."""
    names = {name for path in files for name in COMMON_IMPORT.findall(path.read_text())}
    found = [importlib.util.find_spec(name) for name in sorted(names)]
    return [Path(spec.origin) for spec in found if spec is not None and spec.origin is not None]


def names_read_by(package: str) -> set[str]:
    files = package_files(package)
    return read_in_source([*files, *common_modules_of(files), Path(csms_common.config.__file__)])


def service_of(package: str) -> Service[Any]:
    service: Service[Any] = importlib.import_module(f"{package}.__main__").SERVICE
    return service


def help_text(package: str, capsys: pytest.CaptureFixture[str]) -> str:
    main = importlib.import_module(f"{package}.__main__").main
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("package", SERVICES)
def test_help_lists_every_variable_the_settings_read(
    package: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = names_read_by(package)
    assert {"MQTT_URL", "MQTT_CA_FILE", "MQTT_KEEPALIVE", "MQTT_RECEIVE_MAXIMUM", "LOG_LEVEL"} <= expected
    listed = set(re.findall(r"^  ([A-Z][A-Z0-9_]+)\b", help_text(package, capsys), re.MULTILINE))
    assert sorted(expected - listed) == [], "read but not in --help"
    assert sorted(listed - expected) == [], "in --help but not read"


@pytest.mark.parametrize("package", SERVICES)
def test_help_gives_each_variable_a_default_and_a_description(package: str) -> None:
    settings = documented_settings(service_of(package).read_settings)
    assert len({setting.name for setting in settings}) == len(settings)
    for setting in settings:
        assert setting.about.strip(), setting.name
        assert setting.default.strip(), setting.name


@pytest.mark.parametrize("package", SERVICES)
def test_nothing_but_the_settings_reads_the_environment(package: str) -> None:
    bypasses = [
        f"{path.name}: {match}"
        for path in package_files(package)
        for match in ENV_BYPASS.findall(path.read_text())
    ]
    assert bypasses == []


def readme_configuration() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1]
    return section.split("\n## ", 1)[0]


def test_readme_configuration_lists_every_variable_and_no_other() -> None:
    read = set().union(*(names_read_by(package) for package in SERVICES))
    section = readme_configuration()
    # `GATEWAY_STATION_RATE`/`_BURST` names GATEWAY_STATION_BURST too.
    mentioned = set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", section))
    for stem, suffix in re.findall(r"`([A-Z][A-Z0-9_]+?)_[A-Z0-9]+`/`(_[A-Z0-9_]+)`", section):
        mentioned.add(stem + suffix)
    assert sorted(read - mentioned) == [], "read by a service but missing from README's Configuration"
    assert sorted(mentioned - read) == [], "in README's Configuration but read by no service"
