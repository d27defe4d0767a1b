"""Process scaffolding shared by the asyncio services: event loop, signals, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable

from csms_common.config import ConfigError

logger = logging.getLogger(__name__)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop where it exists (not on Windows): in ``make bench`` it cut the services' CPU
    per call (see bench/README.md); None means asyncio's own loop."""
    try:
        import uvloop  # optional: absent on Windows
    except ImportError:
        return None
    return uvloop.new_event_loop


def tune_garbage_collector() -> None:
    """Collect cycles less often, and never look again at what exists at start-up.

    Every call allocates thousands of short-lived objects (decoded JSON, futures, tasks); with
    Python's default threshold (700 allocations) the cyclic collector ran so often that py-spy
    charged a quarter of the shadow service's time to the line decoding shadow documents. What
    was allocated while starting (modules, schemas, compiled validators) lives for the process,
    so it is frozen out of every collection.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def run_until_signalled(serve: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Run ``serve(stop)`` on a fresh event loop; SIGTERM or SIGINT sets ``stop``, a second one exits.

    The first signal asks for a graceful stop (finish in-flight work, drain). A second means
    "now" (an impatient operator, or a stop that hangs): the process exits at once with
    128 + the signal number. Nothing is lost by that which a crash would not lose too: MQTT
    messages in hand are unacknowledged, so the broker delivers them again, and stations
    reconnect elsewhere.
    """

    def on_signal(stop: asyncio.Event, signum: int) -> None:
        if stop.is_set():
            logger.warning("second signal: exiting at once", extra={"signal": signum})
            for handler in logging.getLogger().handlers:
                handler.flush()
            os._exit(128 + signum)
        stop.set()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal, stop, signum)
        await serve(stop)

    tune_garbage_collector()
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(main())
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from error
    return 0


async def every(seconds: float, stopping: asyncio.Event) -> AsyncIterator[None]:
    """Yield once every ``seconds`` (the first time after ``seconds``) until ``stopping`` is set; a timer
    loop's body then runs between two waits and the loop ends as soon as the service stops."""
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), seconds)
            return
        yield
