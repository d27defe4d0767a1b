"""Prints how many inputs each property tried (``pytest -s`` shows it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.properties.inputs import TRIED


@pytest.fixture(scope="session", autouse=True)
def report_inputs_tried() -> Iterator[None]:
    yield
    total = sum(TRIED.values())
    width = max((len(name) for name in TRIED), default=0)
    print(f"\nproperties: {total} inputs tried in {len(TRIED)} properties")
    for name, count in sorted(TRIED.items()):
        print(f"  {name:<{width}}  {count:>6}")
