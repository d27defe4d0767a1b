"""The one start-up every service shares: ``--help`` generated from its settings, settings read
once from the environment, logging configured, then the service's own run.

``--help`` runs the service's settings reader on an empty environment and lists every variable it
read, with the default and the one-line ``about`` given where it is read, so the list cannot drift
from what the service really reads.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import textwrap
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from csms_common.config import ConfigError, Environment, SettingDoc
from csms_common.logs import configure_logging
from csms_common.runtime import run_until_signalled


class ServiceSettings(Protocol):
    """What the runner needs of any service's settings object."""

    @property
    def log_level(self) -> str: ...


Settings = TypeVar("Settings", bound=ServiceSettings)

HELP_WIDTH = 100
NAME_COLUMN = 34


@dataclass(frozen=True)
class Service(Generic[Settings]):
    """One deployable: how it is named and described, how its settings are read, how it runs."""

    prog: str
    """The command, ``csms-gateway``."""
    log_name: str
    """The ``service`` field of its log lines, ``gateway``."""
    description: str
    read_settings: Callable[[Environment], Settings]
    run: Callable[[Settings], int]
    """Runs the service until it stops; returns the exit status."""
    epilog: str = ""
    """Anything ``--help`` should say after the settings."""

    def main(self, argv: Sequence[str] | None = None) -> int:
        """The console script (``[project.scripts]`` names each service's ``__main__:main``)."""
        return run_service(self, argv)


def documented_settings(read_settings: Callable[[Environment], object]) -> tuple[SettingDoc, ...]:
    """Every variable ``read_settings`` reads, with defaults, as an empty environment shows them.

    A reader may refuse the defaults (remote-api without a token); it does so after reading
    everything, so the list is complete all the same.
    """
    env = Environment({})
    with contextlib.suppress(ConfigError):
        read_settings(env)
    return env.read


def settings_help(settings: Sequence[SettingDoc]) -> str:
    """The settings part of ``--help``: one entry per variable, ``about [default]``, wrapped."""
    lines = ["Settings (environment variables, default in brackets):"]
    indent = " " * (NAME_COLUMN + 2)
    for setting in settings:
        text = f"{setting.about} [{setting.default}]"
        first = f"  {setting.name:<{NAME_COLUMN - 1}} "
        if len(setting.name) >= NAME_COLUMN - 1:
            lines.append(f"  {setting.name}")
            first = indent
        wrapped = textwrap.wrap(text, HELP_WIDTH - len(indent)) or [""]
        lines.append(first + wrapped[0])
        lines.extend(indent + rest for rest in wrapped[1:])
    return "\n".join(lines)


def run_service(service: Service[Settings], argv: Sequence[str] | None = None) -> int:
    """The entry point of every service: ``--help``, settings, logging, run."""
    epilog = settings_help(documented_settings(service.read_settings))
    if service.epilog:
        epilog += "\n\n" + service.epilog
    parser = argparse.ArgumentParser(
        prog=service.prog,
        description=service.description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)
    try:
        settings = service.read_settings(Environment())
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from error
    configure_logging(service.log_name, settings.log_level)
    return service.run(settings)


def until_signalled(
    serve: Callable[[Settings, asyncio.Event], Awaitable[None]],
) -> Callable[[Settings], int]:
    """The run of an asyncio service: ``serve(settings, stop)`` until SIGTERM or SIGINT sets ``stop``."""
    return lambda settings: run_until_signalled(lambda stop: serve(settings, stop))
