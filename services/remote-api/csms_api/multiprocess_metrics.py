"""Metrics that add up across gunicorn workers: prometheus_client's multiprocess mode.

Each worker process keeps its own counters; with more than one worker, every worker writes its values
to files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` (whichever worker answers) sums them.
prometheus_client chooses how values are stored when it is first imported, from that environment
variable, so the master sets it before anything imports prometheus_client: this module imports it
only inside its functions.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ENVIRONMENT_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare_directory(configured: str | None, workers: int) -> str | None:
    """In the master, before workers start: the directory worker metrics go to (None for one worker
    without one configured). A configured directory is emptied: files of an earlier run would be
    counted again. Without one, more than one worker gets a fresh private directory."""
    if configured is None and workers == 1:
        return None
    directory = configured or tempfile.mkdtemp(prefix="csms-api-metrics-")
    Path(directory).mkdir(parents=True, exist_ok=True)
    for stale in Path(directory).glob("*.db"):
        stale.unlink()
    # prometheus_client reads the variable itself, in each worker, when it is imported there.
    os.environ[ENVIRONMENT_VARIABLE] = directory
    logger.info("metrics add up across workers", extra={"metrics_dir": directory, "workers": workers})
    return directory


def forget_dead_workers(directory: str | None) -> Callable[[Any, Any], None]:
    """gunicorn's child_exit hook: a dead worker's live gauges no longer count."""

    def child_exit(server: Any, worker: Any) -> None:
        if directory is not None:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid, directory)  # type: ignore[no-untyped-call]

    return child_exit


def exposition(directory: str | None) -> bytes:
    """The text for ``/metrics``: this process's metrics, or the sum over every worker's files."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
