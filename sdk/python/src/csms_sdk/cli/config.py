"""Where the CLI finds the API and its token: flag, then environment, then the config file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csms_sdk.environment import config_home
from csms_sdk.session import DEFAULT_BASE_URL, DEFAULT_TIMEOUT


class ConfigFileError(Exception):
    """The config file exists but cannot be read, or has a key of the wrong type."""


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/csms/config.toml``, else ``~/.config/csms/config.toml``."""
    home = config_home()
    base = Path(home) if home else Path.home() / ".config"
    return base / "csms" / "config.toml"


@dataclass(frozen=True)
class CliConfig:
    url: str
    token: str | None
    timeout: float


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's keys (``url``, ``token``, ``timeout``); empty if there is no file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ConfigFileError(f"cannot read {path}: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigFileError(f"{path} is not TOML: {error}") from error
    unknown = set(data) - {"url", "token", "timeout"}
    if unknown:
        raise ConfigFileError(f"{path}: unknown keys {sorted(unknown)} (known: url, token, timeout)")
    for key in ("url", "token"):
        if key in data and not isinstance(data[key], str):
            raise ConfigFileError(f"{path}: {key} must be a string")
    if "timeout" in data and not isinstance(data["timeout"], int | float):
        raise ConfigFileError(f"{path}: timeout must be a number of seconds")
    return data


def resolve(url: str | None, token: str | None, timeout: float | None, path: Path) -> CliConfig:
    """Flags and environment (already merged by click) win over the file, which wins over defaults."""
    data = read_config_file(path)
    return CliConfig(
        url=url or data.get("url") or DEFAULT_BASE_URL,
        token=token or data.get("token"),
        timeout=timeout if timeout is not None else float(data.get("timeout", DEFAULT_TIMEOUT)),
    )
