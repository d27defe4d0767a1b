"""A private system for the billing tests: its own broker and Redis, and the four services with the
shadow's billing settings of the test (a CostUpdated timer of a second, small caps)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.support.system import System, own_system


@contextlib.contextmanager
def billing_system(tmp_path_factory: pytest.TempPathFactory, **shadow_settings: str) -> Iterator[System]:
    with own_system(tmp_path_factory, "billing", {"shadow": shadow_settings}) as system:
        yield system
