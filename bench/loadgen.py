"""Load generator: N OCPP stations over raw WebSockets, open or closed loop, one outstanding call each.

    .venv/bin/python -m bench.loadgen --url ws://127.0.0.1:9000 --api http://127.0.0.1:8080 \\
        --token "$OCPP_API_TOKEN" --stations 200 --closed-loop --duration 20 --json out.json

Stations are registered through the remote-api first (``POST /charge-points``) unless
``--no-register`` (the baseline has no registry). Each connects at its ramp slot, sends
BootNotification, then cycles through its mix (Heartbeat, StatusNotification, a transaction
Started/Updated/Ended — 1.6: Start/MeterValues/StopTransaction —, MeterValues) at ``--rate`` calls/s
or back to back (``--closed-loop``), never with more than one call awaiting its answer. Calls from
the CSMS are answered (remote start/stop Accepted, anything else CallError NotImplemented) and the
time each arrived is recorded. ``--probe-remote-start K`` sends K ``POST /remote-start-transaction``
once every station is connected and measures request start → RequestStartTransaction at the
station. Everything stops after ``--duration`` seconds (plus the last answers, at most
``--call-timeout``). Only loopback addresses are accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import multiprocessing
import multiprocessing.synchronize
import queue
import random
import resource
import sys
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.protocol import State
from websockets.typing import Subprotocol

from bench import frames, net
from bench.frames import Mix, StationScript
from bench.stats import (
    CallSamples,
    Distribution,
    calls_in_window,
    completed_in_window,
    rate,
    steady_window,
)

ACTIONS: tuple[str, ...] = (
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "TransactionEvent",
    "MeterValues",
    "StartTransaction",
    "StopTransaction",
    "Authorize",
)
"""Index ↔ action of the samples (the same in every worker process)."""
ACTION_INDEX = {action: index for index, action in enumerate(ACTIONS)}

MAX_RECORDED_ARRIVALS = 100_000
"""Arrival times of CSMS calls kept by message id (per worker), for probes that match by id."""

LATE_TOLERANCE = 0.001
"""An answer arriving later than this after the next call's slot delays that call (a late start)."""


def retry_backoff(
    attempt: int, minimum: float, random_range: float, repeat: int, rng: random.Random
) -> float:
    """Seconds before reconnection attempt ``attempt`` (0 = the first after the connection was lost).

    OCPP 2.0.1 (B10, RetryBackOff*): the first attempt waits RetryBackOffWaitMinimum plus a random
    value of at most RetryBackOffRandomRange; each failed attempt doubles the wait, at most
    RetryBackOffRepeatTimes times, with a new random value each time. The spec leaves the defaults to
    the station; 3 s, 10 s and 3 are EVerest libocpp's (a real station firmware's)."""
    return math.ldexp(minimum, min(attempt, repeat)) + rng.uniform(0, random_range)


# ------------------------------------------------------------------ settings


@dataclass(frozen=True)
class LoadConfig:
    """What one run does; picklable, so worker processes receive it whole."""

    url: str
    stations: int
    prefix: str = "bench-"
    version: str = frames.V201
    mix: str = Mix.REALISTIC.value
    ramp_rate: float = 200.0
    rate: float = 1.0
    closed_loop: bool = False
    duration: float = 20.0
    call_timeout: float = 10.0
    connect_timeout: float = 10.0
    sources: int = 1
    processes: int = 1
    deflate: bool = False
    warmup: float = 1.0
    cooldown: float = 0.5
    seed: int = 1
    hold: float = 0.0
    """Keep the load at least this long after the last connection attempt (extends ``duration`` by at
    most ``hold``): a slow ramp still leaves a steady window."""
    reconnect: bool = False
    """A station whose connection the server closed comes back (``retry_backoff``), boots again and
    goes on: the reconnect storm (``make bench-storm``)."""
    backoff_minimum: float = 3.0
    backoff_random: float = 10.0
    backoff_repeat: int = 3

    def station_id(self, index: int) -> str:
        return f"{self.prefix}{index:05d}"


@dataclass(frozen=True)
class ProbeConfig:
    """The remote-start probe: K requests, round robin over the stations, after the ramp."""

    api: str
    token: str
    count: int
    concurrency: int = 1
    stop_run_after: bool = True
    """End the run (before --duration) once every probe request is answered and 0.5 s passed."""


# ----------------------------------------------------------- worker records


@dataclass
class WorkerResult:
    """What one worker process measured; merged by the parent."""

    connect_times: list[float] = field(default_factory=list)
    connected_at: list[float] = field(default_factory=list)
    connect_errors: Counter[str] = field(default_factory=Counter)
    not_attempted: int = 0
    held: int = 0
    sent_at: array[float] = field(default_factory=lambda: array("d"))
    round_trip: array[float] = field(default_factory=lambda: array("d"))
    action: array[int] = field(default_factory=lambda: array("B"))
    send_lag: array[float] = field(default_factory=lambda: array("d"))
    calls_sent: int = 0
    error_codes: Counter[str] = field(default_factory=Counter)
    error_sent_at: list[float] = field(default_factory=list)
    timeouts: int = 0
    late_starts: int = 0
    disconnects: int = 0
    unmatched_answers: int = 0
    csms_calls: Counter[str] = field(default_factory=Counter)
    remote_start_arrivals: dict[str, float] = field(default_factory=dict)
    csms_call_arrivals: dict[str, float] = field(default_factory=dict)
    boot_status: Counter[str] = field(default_factory=Counter)
    cpu_seconds: float = 0.0
    max_rss_kb: int = 0
    lost_at: list[float] = field(default_factory=list)
    """--reconnect: when each connection the server closed was lost (CLOCK_MONOTONIC, all processes)."""
    back_at: list[float] = field(default_factory=list)
    """--reconnect: when a station that lost its connection had its first call answered again."""
    reconnect_seconds: list[float] = field(default_factory=list)
    """--reconnect: every reconnection attempt's handshake answered (101 or an HTTP refusal)."""
    reconnect_errors: Counter[str] = field(default_factory=Counter)
    reconnect_attempts: int = 0


@dataclass
class SharedState:
    """Values shared by the parent and the worker processes (multiprocessing primitives)."""

    start_at: Any
    """Monotonic time of the first ramp slot (CLOCK_MONOTONIC is system-wide), 0 until set."""
    attempts_done: Any
    ready: Any
    stopped_at: Any
    """When the probe ended the run early, else 0."""
    end_at: Any
    """When stations stop sending: start_at + duration, later with ``hold``."""
    stop: multiprocessing.synchronize.Event


def new_shared(context: Any) -> SharedState:
    return SharedState(
        start_at=context.Value("d", 0.0),
        attempts_done=context.Value("i", 0),
        ready=context.Value("i", 0),
        stopped_at=context.Value("d", 0.0),
        end_at=context.Value("d", 0.0),
        stop=context.Event(),
    )


# ------------------------------------------------------------------ station


class Deadline:
    """When the stations stop sending; a worker task keeps it in step with the shared value.

    ``stopped`` is set when the run ends early (the probe is done), waking sleeping stations.
    """

    __slots__ = ("at", "stopped")

    def __init__(self, at: float) -> None:
        self.at = at
        self.stopped = asyncio.Event()

    async def sleep(self, seconds: float) -> bool:
        """Sleep; True if the run was stopped meanwhile."""
        if self.stopped.is_set():
            return True
        try:
            await asyncio.wait_for(self.stopped.wait(), seconds)
        except TimeoutError:
            return False
        return True


class _Pending:
    __slots__ = ("action", "future", "message_id", "timer")

    def __init__(self, message_id: str, action: str, future: asyncio.Future[tuple[float, list[Any]]]) -> None:
        self.message_id = message_id
        self.action = action
        self.future = future
        self.timer: asyncio.TimerHandle | None = None


def _expire(future: asyncio.Future[tuple[float, list[Any]]]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


class Station:
    """One simulated charging station: its connection, its script and its one outstanding call."""

    def __init__(
        self, station_id: str, config: LoadConfig, record: WorkerResult, source: str, rng: random.Random
    ) -> None:
        self.station_id = station_id
        self._config = config
        self._record = record
        self._source = source
        self._rng = rng
        self._script = StationScript(station_id, config.version, Mix(config.mix))
        self._websocket: ClientConnection | None = None
        self._pending: _Pending | None = None
        self._next_id = 0
        self._closing = False
        self._closed = asyncio.Event()
        self._lost_at: float | None = None

    @property
    def websocket(self) -> ClientConnection | None:
        return self._websocket

    @property
    def is_open(self) -> bool:
        return self._websocket is not None and self._websocket.state is State.OPEN

    async def connect(self, reconnecting: bool = False) -> bool:
        config = self._config
        errors = self._record.reconnect_errors if reconnecting else self._record.connect_errors
        self._closed = asyncio.Event()
        started = time.monotonic()
        try:
            self._websocket = await connect(
                f"{config.url.rstrip('/')}/{self.station_id}",
                subprotocols=[Subprotocol(frames.SUBPROTOCOLS[config.version])],
                compression="deflate" if config.deflate else None,
                open_timeout=config.connect_timeout,
                ping_interval=None,
                close_timeout=2,
                max_size=2**20,
                local_addr=(self._source, 0),
            )
        except InvalidStatus as error:
            errors[f"http_{error.response.status_code}"] += 1
            if reconnecting:
                self._record.reconnect_seconds.append(time.monotonic() - started)
            return False
        except TimeoutError:
            errors["timeout"] += 1
            return False
        except OSError as error:
            errors[f"os_{error.errno}"] += 1
            return False
        except WebSocketException as error:
            errors[type(error).__name__] += 1
            return False
        done = time.monotonic()
        if reconnecting:
            self._record.reconnect_seconds.append(done - started)
            return True
        self._record.connect_times.append(done - started)
        self._record.connected_at.append(done)
        return True

    async def come_back(self, deadline: Deadline, stop: Callable[[], bool]) -> bool:
        """--reconnect: the server closed the connection; retry with the OCPP back-off until in (True)
        or the run ends."""
        self._lost_at = time.monotonic()
        self._record.lost_at.append(self._lost_at)
        attempt = 0
        config = self._config
        while not stop():
            wait = retry_backoff(
                attempt, config.backoff_minimum, config.backoff_random, config.backoff_repeat, self._rng
            )
            if time.monotonic() + wait >= deadline.at or await deadline.sleep(wait):
                return False
            self._record.reconnect_attempts += 1
            if await self.connect(reconnecting=True):
                return True
            attempt += 1
        return False

    async def pause(self, deadline: Deadline, seconds: float) -> bool:
        """Sleep; True if the run stopped or (with --reconnect) the connection closed meanwhile."""
        if not self._config.reconnect:
            return await deadline.sleep(seconds)
        if deadline.stopped.is_set() or self._closed.is_set():
            return True
        waits = [asyncio.ensure_future(deadline.stopped.wait()), asyncio.ensure_future(self._closed.wait())]
        done, pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return bool(done)

    async def read(self) -> None:
        """Route answers to the outstanding call and answer the CSMS's calls, until the socket closes."""
        websocket = self._websocket
        assert websocket is not None
        record = self._record
        try:
            async for text in websocket:
                arrived = time.monotonic()
                try:
                    message = json.loads(text)
                    kind = message[0]
                except (ValueError, IndexError, TypeError, KeyError):
                    record.unmatched_answers += 1
                    continue
                if kind == frames.CALL:
                    message_id, action, payload = str(message[1]), str(message[2]), message[3]
                    record.csms_calls[action] += 1
                    if len(record.csms_call_arrivals) < MAX_RECORDED_ARRIVALS:
                        record.csms_call_arrivals.setdefault(message_id, arrived)
                    token = frames.remote_start_token(action, payload if isinstance(payload, dict) else {})
                    if token is not None:
                        record.remote_start_arrivals.setdefault(token, arrived)
                    await websocket.send(frames.answer_csms_call(message_id, action))
                    continue
                pending = self._pending
                if pending is not None and message[1] == pending.message_id and not pending.future.done():
                    pending.future.set_result((arrived, message))
                else:
                    record.unmatched_answers += 1
        except ConnectionClosed:
            pass
        finally:
            self._closed.set()
            if not self._closing:
                record.disconnects += 1
            pending = self._pending
            if pending is not None and not pending.future.done():
                pending.future.set_exception(ConnectionError("connection closed"))

    async def call(self, action: str, payload: frames.Payload) -> str:
        """Send one call and wait for its answer: 'result', 'error', 'timeout' or 'closed'."""
        websocket = self._websocket
        assert websocket is not None
        self._next_id += 1
        message_id = str(self._next_id)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[float, list[Any]]] = loop.create_future()
        pending = _Pending(message_id, action, future)
        self._pending = pending
        text = frames.call_frame(message_id, action, payload)
        record = self._record
        sent = time.monotonic()
        pending.timer = loop.call_later(self._config.call_timeout, _expire, future)
        try:
            await websocket.send(text)
            record.calls_sent += 1
            arrived, answer = await future
        except TimeoutError:
            record.timeouts += 1
            return "timeout"
        except (ConnectionClosed, ConnectionError):
            return "closed"
        finally:
            pending.timer.cancel()
            self._pending = None
        if answer[0] == frames.CALL_RESULT:
            if self._lost_at is not None:
                record.back_at.append(arrived)
                self._lost_at = None
            record.sent_at.append(sent)
            record.round_trip.append(arrived - sent)
            record.action.append(ACTION_INDEX.get(action, len(ACTIONS) - 1))
            result = answer[2] if len(answer) > 2 and isinstance(answer[2], dict) else {}
            if action == "BootNotification":
                record.boot_status[str(result.get("status"))] += 1
            self._script.on_result(action, result)
            return "result"
        record.error_codes[str(answer[2]) if len(answer) > 2 else "malformed"] += 1
        record.error_sent_at.append(sent)
        return "error"

    async def run(self, deadline: Deadline, stop: Callable[[], bool]) -> None:
        """Boot, then the mix until ``deadline.at``; one call outstanding at a time."""
        if await self.call(*self._script.boot()) == "closed":
            return
        config = self._config
        record = self._record
        if config.closed_loop:
            while time.monotonic() < deadline.at and not stop():
                if await self.call(*self._script.next_call()) == "closed":
                    return
            return
        interval = 1.0 / config.rate
        next_at = time.monotonic() + self._rng.uniform(0, interval)
        while next_at < deadline.at and not stop():
            now = time.monotonic()
            if now < next_at:
                if await self.pause(deadline, next_at - now) or time.monotonic() >= deadline.at:
                    return
                record.send_lag.append(time.monotonic() - next_at)
            outcome = await self.call(*self._script.next_call())
            if outcome == "closed":
                return
            answered = time.monotonic()
            next_at += interval
            if answered > next_at + LATE_TOLERANCE:
                # The answer came after this station's next slot: OCPP's one-call rule delays it.
                record.late_starts += 1
                next_at = answered

    async def close(self) -> None:
        self._closing = True
        if self._websocket is not None:
            with contextlib.suppress(Exception):
                await self._websocket.close()


# ------------------------------------------------------------------- worker


async def _run_stations(config: LoadConfig, worker: int, shared: SharedState) -> WorkerResult:
    record = WorkerResult()
    rng = random.Random(config.seed * 1000 + worker)
    sources = net.source_addresses(config.sources)
    indices = range(worker, config.stations, config.processes)
    stations = [
        Station(config.station_id(index), config, record, sources[index % len(sources)], rng)
        for index in indices
    ]
    with shared.ready.get_lock():
        shared.ready.value += 1
    wait_until = time.monotonic() + 120
    while shared.start_at.value == 0.0 and time.monotonic() < wait_until:
        await asyncio.sleep(0.01)
    start_at = float(shared.start_at.value) or time.monotonic()
    deadline = Deadline(float(shared.end_at.value) or start_at + config.duration)
    stop_event = shared.stop

    def stop() -> bool:
        return stop_event.is_set()

    readers: list[asyncio.Task[None]] = []

    async def life(index: int, station: Station) -> None:
        slot = start_at + index / config.ramp_rate
        try:
            if slot >= deadline.at or stop():
                record.not_attempted += 1
                return
            delay = slot - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            connected = await station.connect()
        finally:
            with shared.attempts_done.get_lock():
                shared.attempts_done.value += 1
        if not connected:
            return
        while True:
            readers.append(asyncio.get_running_loop().create_task(station.read()))
            await station.run(deadline, stop)
            if config.reconnect and station.is_open and not stop():
                # No call due before the end (a slow heartbeat): stay to notice the connection closing.
                await station.pause(deadline, deadline.at - time.monotonic())
            if not config.reconnect or station.is_open or stop() or time.monotonic() >= deadline.at:
                return
            if not await station.come_back(deadline, stop):
                return

    async def follow_deadline() -> None:
        while True:
            deadline.at = float(shared.end_at.value) or deadline.at
            if stop():
                deadline.stopped.set()
            await asyncio.sleep(0.25)

    follower = asyncio.get_running_loop().create_task(follow_deadline())
    lives = [
        asyncio.ensure_future(life(index, station)) for index, station in zip(indices, stations, strict=True)
    ]
    # Every station stops sending at the deadline; the last answers get call_timeout; nothing waits longer.
    grace = config.call_timeout + config.connect_timeout + 5
    cap = start_at + config.duration + config.hold + grace
    done: set[asyncio.Future[None]] = set()
    not_done: set[asyncio.Future[None]] = set(lives)
    while not_done and time.monotonic() < min(cap, deadline.at + grace):
        finished, not_done = await asyncio.wait(not_done, timeout=1.0)
        done |= finished
    follower.cancel()
    for task in not_done:
        task.cancel()
    record.held = sum(1 for station in stations if station.is_open)
    await _close_all(stations)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, *not_done, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            record.connect_errors[f"task_{type(task.exception()).__name__}"] += 1
    usage = resource.getrusage(resource.RUSAGE_SELF)
    record.cpu_seconds = usage.ru_utime + usage.ru_stime
    record.max_rss_kb = usage.ru_maxrss
    return record


async def _close_all(stations: Sequence[Station]) -> None:
    closing = [
        asyncio.ensure_future(station.close()) for station in stations if station.websocket is not None
    ]
    if closing:
        await asyncio.wait(closing, timeout=10)


def run_worker(config: LoadConfig, worker: int, shared: SharedState) -> WorkerResult:
    return asyncio.run(_run_stations(config, worker, shared))


def _worker_process(config: LoadConfig, worker: int, shared: SharedState, results: Any) -> None:
    net.raise_file_limit()
    try:
        results.put((worker, run_worker(config, worker, shared)))
    except BaseException as error:
        results.put((worker, f"{type(error).__name__}: {error}"))
        raise


# --------------------------------------------------------------- HTTP side


class ApiClient:
    """A small keep-alive HTTP/1.1 JSON client for the remote-api (one per thread)."""

    def __init__(self, base: str, token: str, timeout: float = 10.0) -> None:
        _, self._host, self._port = net.require_loopback_url(base)
        self._token = token
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode()
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/json",
            "Connection": "keep-alive",
        }
        for attempt in range(2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._connection.request("POST", path, body=data, headers=headers)
                response = self._connection.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 1:
                    return 0, {}
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            try:
                decoded = json.loads(raw) if raw else {}
            except ValueError:
                decoded = {}
            return response.status, decoded if isinstance(decoded, dict) else {}
        return 0, {}

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def register_stations(
    api: str, token: str, station_ids: Sequence[str], concurrency: int = 8
) -> dict[str, Any]:
    """POST /charge-points for each id (201 or 409 are both fine); returns counts and timing."""
    started = time.monotonic()
    local = threading.local()
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def one(station_id: str) -> None:
        client: ApiClient | None = getattr(local, "client", None)
        if client is None:
            client = ApiClient(api, token)
            local.client = client
        status, _ = client.post("/charge-points", {"chargePointId": station_id})
        with lock:
            statuses[status] += 1

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, station_ids))
    seconds = time.monotonic() - started
    ok = statuses[201] + statuses[409]
    return {
        "stations": len(station_ids),
        "registered": ok,
        "failed": len(station_ids) - ok,
        "statuses": {str(key): value for key, value in sorted(statuses.items())},
        "seconds": round(seconds, 3),
        "per_second": round(len(station_ids) / seconds, 1) if seconds > 0 else None,
    }


@dataclass
class ProbeRecord:
    token: str
    station_id: str
    started: float
    answered: float
    status: int
    message_id: str | None = None
    """The call's id from the API's answer (``messageId``), when it gave one."""


def run_probe(
    probe: ProbeConfig, config: LoadConfig, shared: SharedState, records: list[ProbeRecord]
) -> None:
    """Wait until every station had its connection attempt, then send the remote starts."""
    deadline = time.monotonic() + 120
    while shared.start_at.value == 0.0 and time.monotonic() < deadline:
        time.sleep(0.01)
    start_at = float(shared.start_at.value)
    end_at = float(shared.end_at.value) or start_at + config.duration
    while shared.attempts_done.value < config.stations and time.monotonic() < end_at:
        time.sleep(0.05)
    # Let the last BootNotifications and presence events settle.
    time.sleep(min(1.0, max(0.0, end_at - time.monotonic())))
    lock = threading.Lock()
    local = threading.local()
    counter = iter(range(probe.count))

    def worker() -> None:
        client = ApiClient(probe.api, probe.token)
        local.client = client
        try:
            while time.monotonic() < end_at:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                station_id = config.station_id(index % config.stations)
                token = f"PROBE{index:06d}"
                body = {"chargePointId": station_id, "idTag": token, "connectorId": 1}
                started = time.monotonic()
                status, answer = client.post("/remote-start-transaction", body)
                answered = time.monotonic()
                message_id = answer.get("messageId")
                with lock:
                    records.append(
                        ProbeRecord(
                            token,
                            station_id,
                            started,
                            answered,
                            status,
                            message_id if isinstance(message_id, str) else None,
                        )
                    )
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, probe.concurrency))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, end_at - time.monotonic() + 15))
    if probe.stop_run_after:
        time.sleep(0.5)
        shared.stopped_at.value = time.monotonic()
        shared.stop.set()


def hold_after_ramp(config: LoadConfig, shared: SharedState) -> None:
    """Move the end to ``hold`` seconds after the last connection attempt (at most ``hold`` later)."""
    deadline = time.monotonic() + 120
    while shared.start_at.value == 0.0 and time.monotonic() < deadline:
        time.sleep(0.05)
    planned = float(shared.start_at.value) + config.duration
    while shared.attempts_done.value < config.stations and time.monotonic() < planned:
        time.sleep(0.1)
    shared.end_at.value = min(max(planned, time.monotonic() + config.hold), planned + config.hold)


def probe_summary(
    records: Sequence[ProbeRecord], arrivals: dict[str, float], by_message_id: dict[str, float] | None = None
) -> dict[str, Any]:
    """Request start → frame at the station, and request start → HTTP answer, per probe request.

    The frame is found by the idTag the request carried, else by the ``messageId`` the API returned.
    """
    by_message_id = by_message_id or {}

    def arrival(record: ProbeRecord) -> float | None:
        if record.token in arrivals:
            return arrivals[record.token]
        if record.message_id is not None:
            return by_message_id.get(record.message_id)
        return None

    found = [(record, arrival(record)) for record in records]
    to_station = [at - record.started for record, at in found if at is not None]
    http = [r.answered - r.started for r in records]
    statuses = Counter(r.status for r in records)
    return {
        "requests": len(records),
        "statuses": {str(key): value for key, value in sorted(statuses.items())},
        "arrived": len(to_station),
        "missing": len(records) - len(to_station),
        "to_station_ms": Distribution.of(to_station).as_dict(),
        "http_answer_ms": Distribution.of(http).as_dict(),
    }


# ------------------------------------------------------------------- report


def merge(results: Sequence[WorkerResult]) -> WorkerResult:
    total = WorkerResult()
    for result in results:
        total.connect_times.extend(result.connect_times)
        total.connected_at.extend(result.connected_at)
        total.connect_errors.update(result.connect_errors)
        total.not_attempted += result.not_attempted
        total.held += result.held
        total.sent_at.extend(result.sent_at)
        total.round_trip.extend(result.round_trip)
        total.action.extend(result.action)
        total.send_lag.extend(result.send_lag)
        total.calls_sent += result.calls_sent
        total.error_codes.update(result.error_codes)
        total.error_sent_at.extend(result.error_sent_at)
        total.timeouts += result.timeouts
        total.late_starts += result.late_starts
        total.disconnects += result.disconnects
        total.unmatched_answers += result.unmatched_answers
        total.csms_calls.update(result.csms_calls)
        total.remote_start_arrivals.update(result.remote_start_arrivals)
        total.csms_call_arrivals.update(result.csms_call_arrivals)
        total.boot_status.update(result.boot_status)
        total.cpu_seconds += result.cpu_seconds
        total.max_rss_kb += result.max_rss_kb
        total.lost_at.extend(result.lost_at)
        total.back_at.extend(result.back_at)
        total.reconnect_seconds.extend(result.reconnect_seconds)
        total.reconnect_errors.update(result.reconnect_errors)
        total.reconnect_attempts += result.reconnect_attempts
    return total


def build_report(
    config: LoadConfig,
    result: WorkerResult,
    start_at: float,
    *,
    registration: dict[str, Any] | None = None,
    probe: dict[str, Any] | None = None,
    file_limit: dict[str, Any] | None = None,
    stopped_at: float | None = None,
    end_at: float | None = None,
) -> dict[str, Any]:
    end_at = min(end_at or start_at + config.duration, stopped_at or math.inf)
    ramp_end = max(result.connected_at) if result.connected_at else start_at
    window = steady_window(ramp_end, end_at, warmup=config.warmup, cooldown=config.cooldown)
    samples = CallSamples(result.sent_at, result.round_trip, result.action)
    in_window = calls_in_window(samples, window)
    per_action: dict[str, Any] = {}
    for index, action in enumerate(ACTIONS):
        values = [result.round_trip[i] for i in in_window if result.action[i] == index]
        if values:
            per_action[action] = Distribution.of(values).as_dict()
    errors = sum(result.error_codes.values())
    errors_in_window = sum(1 for sent in result.error_sent_at if window.contains(sent))
    usage_self = resource.getrusage(resource.RUSAGE_SELF)
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage_self.ru_utime + usage_self.ru_stime + usage_children.ru_utime + usage_children.ru_stime
    # One process: the run was in this one. Several: this parent plus each worker's own peak.
    workers_rss = 0 if config.processes == 1 else result.max_rss_kb
    peak_rss_kb = usage_self.ru_maxrss + workers_rss
    return {
        "config": asdict(config),
        "mode": "closed-loop" if config.closed_loop else f"{config.rate:g} calls/s per station",
        "stations": config.stations,
        "connected": len(result.connected_at),
        "held": result.held,
        "connect_failures": sum(result.connect_errors.values()),
        "connect_errors": dict(result.connect_errors),
        "not_attempted": result.not_attempted,
        "connect_ms": Distribution.of(result.connect_times).as_dict(),
        "ramp_seconds": round(ramp_end - start_at, 3),
        "window": {
            "start_s": round(window.start - start_at, 3),
            "end_s": round(window.end - start_at, 3),
            "seconds": round(window.seconds, 3),
        },
        "calls_per_second": round(rate(completed_in_window(samples, window), window), 1),
        "round_trip_ms": Distribution.of(result.round_trip[i] for i in in_window).as_dict(),
        "round_trip_all_ms": Distribution.of(result.round_trip).as_dict(),
        "per_action_ms": per_action,
        "send_lag_ms": Distribution.of(result.send_lag).as_dict(),
        "calls_sent": result.calls_sent,
        "results": len(result.round_trip),
        "errors": errors,
        "errors_in_window": errors_in_window,
        "error_codes": dict(result.error_codes),
        "timeouts": result.timeouts,
        "late_starts": result.late_starts,
        "disconnects": result.disconnects,
        "unmatched_answers": result.unmatched_answers,
        "boot_status": dict(result.boot_status),
        "csms_calls": dict(result.csms_calls),
        "registration": registration,
        "probe": probe,
        "file_limit": file_limit,
        "reconnects": reconnect_summary(result) if config.reconnect else None,
        "resources": {
            "cpu_seconds": round(cpu, 3),
            "peak_rss_kb": peak_rss_kb,
            "processes": config.processes,
        },
    }


def reconnect_summary(result: WorkerResult) -> dict[str, Any]:
    """--reconnect: connections lost, stations back (first call answered again), the attempts' handshakes.

    Times are CLOCK_MONOTONIC (the same in every process on the machine), so the caller can measure
    from the moment it killed a gateway process."""
    return {
        "lost": len(result.lost_at),
        "back": len(result.back_at),
        "first_lost_at": min(result.lost_at, default=None),
        "last_lost_at": max(result.lost_at, default=None),
        "last_back_at": max(result.back_at, default=None),
        "attempts": result.reconnect_attempts,
        "refusals": dict(result.reconnect_errors),
        "handshake_ms": Distribution.of(result.reconnect_seconds).as_dict(),
    }


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}"


def format_report(report: dict[str, Any]) -> str:
    rtt = report["round_trip_ms"]
    connect = report["connect_ms"]
    window = report["window"]
    lines = [
        f"stations        {report['stations']} ({report['config']['version']}, {report['mode']}, "
        f"{report['config']['processes']} process(es))",
        f"connections     held {report['held']}, connected {report['connected']}, "
        f"failed {report['connect_failures']} {report['connect_errors'] or ''}".rstrip(),
        f"connect time    p50 {_ms(connect['p50_ms'])} ms  p99 {_ms(connect['p99_ms'])} ms  "
        f"(ramp {report['ramp_seconds']:.1f} s)",
        f"steady window   {window['start_s']:.1f}-{window['end_s']:.1f} s ({window['seconds']:.1f} s)",
        f"calls/s         {report['calls_per_second']:.1f}",
        f"round trip      p50 {_ms(rtt['p50_ms'])}  p95 {_ms(rtt['p95_ms'])}  p99 {_ms(rtt['p99_ms'])}  "
        f"max {_ms(rtt['max_ms'])} ms  (n={rtt['count']})",
        f"errors          {report['errors']} CallError answers {report['error_codes'] or ''}".rstrip(),
        f"timeouts        {report['timeouts']}   late starts {report['late_starts']}   "
        f"disconnects {report['disconnects']}",
    ]
    if report["registration"]:
        registration = report["registration"]
        lines.append(
            f"registration    {registration['registered']}/{registration['stations']} in "
            f"{registration['seconds']:.1f} s"
        )
    if report["probe"]:
        probe = report["probe"]
        to_station = probe["to_station_ms"]
        http = probe["http_answer_ms"]
        lines.append(
            f"remote start    {probe['arrived']}/{probe['requests']} arrived; request→station p50 "
            f"{_ms(to_station['p50_ms'])} p99 {_ms(to_station['p99_ms'])} ms; HTTP answer p50 "
            f"{_ms(http['p50_ms'])} p99 {_ms(http['p99_ms'])} ms; statuses {probe['statuses']}"
        )
    lines.append(
        f"generator       CPU {report['resources']['cpu_seconds']:.1f} s, "
        f"peak RSS {report['resources']['peak_rss_kb'] / 1024:.0f} MB"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------- main


def run(
    config: LoadConfig,
    *,
    register_api: str | None = None,
    token: str = "",
    probe: ProbeConfig | None = None,
) -> dict[str, Any]:
    """Register (optionally), run every worker, probe (optionally) and return the report."""
    net.require_loopback_url(config.url)
    file_limit = net.raise_file_limit()
    ids = [config.station_id(index) for index in range(config.stations)]
    registration = register_stations(register_api, token, ids) if register_api else None
    context = multiprocessing.get_context("spawn")
    shared = new_shared(context)
    probe_records: list[ProbeRecord] = []
    probe_thread = (
        threading.Thread(target=run_probe, args=(probe, config, shared, probe_records), daemon=True)
        if probe is not None
        else None
    )
    helpers = [thread for thread in (probe_thread,) if thread is not None]
    if config.hold > 0:
        helpers.append(threading.Thread(target=hold_after_ramp, args=(config, shared), daemon=True))

    def begin(delay: float) -> float:
        start = time.monotonic() + delay
        shared.end_at.value = start + config.duration
        shared.start_at.value = start
        for thread in helpers:
            thread.start()
        return start

    results: list[WorkerResult] = []
    if config.processes == 1:
        start_at = begin(0.05)
        results.append(run_worker(config, 0, shared))
    else:
        result_queue = context.Queue()
        workers = [
            context.Process(target=_worker_process, args=(config, index, shared, result_queue), daemon=True)
            for index in range(config.processes)
        ]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 60
        while shared.ready.value < config.processes and time.monotonic() < deadline:
            if any(worker.exitcode not in (None, 0) for worker in workers):
                break
            time.sleep(0.02)
        start_at = begin(0.1)
        limit = config.duration + config.hold + config.call_timeout + config.connect_timeout + 90
        collect_deadline = time.monotonic() + limit
        while len(results) < config.processes and time.monotonic() < collect_deadline:
            try:
                _, answer = result_queue.get(timeout=1.0)
            except queue.Empty:
                if all(worker.exitcode is not None for worker in workers) and result_queue.empty():
                    break
                continue
            if isinstance(answer, str):
                raise RuntimeError(f"a load generator worker failed: {answer}")
            results.append(answer)
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=5)
        if len(results) < config.processes:
            raise RuntimeError(f"only {len(results)} of {config.processes} workers reported")
    stopped_at = float(shared.stopped_at.value) or None
    if probe_thread is not None:
        probe_thread.join(timeout=30)
    merged = merge(results)
    probe_report = (
        probe_summary(probe_records, merged.remote_start_arrivals, merged.csms_call_arrivals)
        if probe
        else None
    )
    return build_report(
        config,
        merged,
        start_at,
        registration=registration,
        probe=probe_report,
        file_limit=file_limit.as_dict(),
        stopped_at=stopped_at,
        end_at=float(shared.end_at.value),
    )


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadgen",
        description="OCPP load generator over raw WebSockets (loopback only). See bench/README.md.",
    )
    parser.add_argument("--url", required=True, help="gateway or baseline, e.g. ws://127.0.0.1:9000")
    parser.add_argument("--api", help="remote-api base URL, e.g. http://127.0.0.1:8080 (registration, probe)")
    parser.add_argument("--token", default="", help="bearer token for the remote-api")
    parser.add_argument("--no-register", action="store_true", help="skip POST /charge-points (baseline)")
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--prefix", default="bench-", help="station ids are PREFIX00000, PREFIX00001, ...")
    parser.add_argument("--version", choices=frames.VERSIONS, default=frames.V201)
    parser.add_argument("--mix", choices=[mix.value for mix in Mix], default=Mix.REALISTIC.value)
    parser.add_argument("--ramp", type=float, default=200.0, help="new connections per second [200]")
    parser.add_argument("--rate", type=float, default=1.0, help="calls per second per station [1]")
    parser.add_argument("--closed-loop", action="store_true", help="next call as soon as the answer arrives")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds from the first connection [20]")
    parser.add_argument("--call-timeout", type=float, default=10.0)
    parser.add_argument("--connect-timeout", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=1, help="worker processes [1]")
    parser.add_argument(
        "--sources", type=int, default=0, help="source addresses 127.0.0.1..N [auto: one per 20,000 stations]"
    )
    parser.add_argument(
        "--deflate", action="store_true", help="offer permessage-deflate (off: like most stations)"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds after the ramp excluded [1]")
    parser.add_argument("--cooldown", type=float, default=0.5, help="seconds before the end excluded [0.5]")
    parser.add_argument(
        "--hold",
        type=float,
        default=0.0,
        help="keep the load at least this long after the last connection (extends --duration by <= HOLD)",
    )
    parser.add_argument(
        "--probe-remote-start", type=int, default=0, metavar="K", help="K remote-start requests"
    )
    parser.add_argument("--probe-concurrency", type=int, default=1)
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="a station the server disconnects comes back with the OCPP 2.0.1 RetryBackOff* back-off",
    )
    parser.add_argument("--backoff-minimum", type=float, default=3.0, help="RetryBackOffWaitMinimum s [3]")
    parser.add_argument("--backoff-random", type=float, default=10.0, help="RetryBackOffRandomRange s [10]")
    parser.add_argument("--backoff-repeat", type=int, default=3, help="RetryBackOffRepeatTimes [3]")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no text report")
    arguments = parser.parse_args(argv)
    if arguments.stations < 1 or arguments.processes < 1 or arguments.duration <= 0:
        parser.error("--stations, --processes and --duration must be positive")
    if arguments.rate <= 0 or arguments.ramp <= 0:
        parser.error("--rate and --ramp must be positive")
    if (not arguments.no_register or arguments.probe_remote_start) and not arguments.api:
        parser.error("--api is needed to register stations (or pass --no-register) and for the probe")
    for url in (arguments.url, arguments.api):
        if url:
            try:
                net.require_loopback_url(url)
            except net.NotLoopback as error:
                parser.error(str(error))
    return arguments


def config_from_arguments(arguments: argparse.Namespace) -> LoadConfig:
    sources = arguments.sources or max(1, math.ceil(arguments.stations / 20_000))
    return LoadConfig(
        url=arguments.url,
        stations=arguments.stations,
        prefix=arguments.prefix,
        version=arguments.version,
        mix=arguments.mix,
        ramp_rate=arguments.ramp,
        rate=arguments.rate,
        closed_loop=arguments.closed_loop,
        duration=arguments.duration,
        call_timeout=arguments.call_timeout,
        connect_timeout=arguments.connect_timeout,
        sources=sources,
        processes=min(arguments.processes, arguments.stations),
        deflate=arguments.deflate,
        warmup=arguments.warmup,
        cooldown=arguments.cooldown,
        hold=arguments.hold,
        reconnect=arguments.reconnect,
        backoff_minimum=arguments.backoff_minimum,
        backoff_random=arguments.backoff_random,
        backoff_repeat=arguments.backoff_repeat,
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    config = config_from_arguments(arguments)
    probe = (
        ProbeConfig(arguments.api, arguments.token, arguments.probe_remote_start, arguments.probe_concurrency)
        if arguments.probe_remote_start
        else None
    )
    report = run(
        config,
        register_api=None if arguments.no_register else arguments.api,
        token=arguments.token,
        probe=probe,
    )
    if not arguments.quiet:
        print(format_report(report), flush=True)
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
