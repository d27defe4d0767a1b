"""How the property-based tests run: a fixed number of generated inputs with ``derandomize=True`` and no
example database, so a CI run tries exactly the same inputs every time; and the count of inputs each
property tried (conftest.py prints it at the end of the session, ``pytest -s`` shows it)."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, settings

TRIED: Counter[str] = Counter()
"""Inputs each property was called with (hypothesis may call a body more often than max_examples)."""


def deterministic(max_examples: int) -> settings:
    """Reproducible in CI: same inputs every run, nothing read from or written to a database."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def tried(name: str) -> None:
    TRIED[name] += 1
