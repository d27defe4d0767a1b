"""The gmqtt compatibility module refuses a gmqtt whose internals it was not written against."""

from __future__ import annotations

import importlib.metadata

import pytest

from csms_common import gmqtt_compat


def test_the_installed_gmqtt_is_the_series_it_was_written_for() -> None:
    gmqtt_compat.check_version(importlib.metadata.version("gmqtt"))


@pytest.mark.parametrize("version", ["0.8.0", "0.8.3"])
def test_releases_of_the_written_for_series_pass(version: str) -> None:
    gmqtt_compat.check_version(version)


@pytest.mark.parametrize("version", ["0.9.0", "0.7.5", "1.0.0", "0.6", "dev"])
def test_other_releases_are_refused_with_a_reason(version: str) -> None:
    with pytest.raises(gmqtt_compat.GmqttVersionError, match="gmqtt"):
        gmqtt_compat.check_version(version)


def test_the_refusal_is_an_import_error() -> None:
    # Raised while importing csms_common.mqtt_async: a service fails at start, not mid-publish.
    assert issubclass(gmqtt_compat.GmqttVersionError, ImportError)
