"""The whole system on a Redis Cluster and on a Sentinel-watched Redis, a master killed under the
transaction stream of test_kill_counts: its replica takes over, nothing is lost or duplicated.

The shadow service reaches Redis only through redis-py's cluster or sentinel client, which follow
the failover (MOVED after the promotion; the sentinels' new master) with their retry policy; what
the stations see meanwhile are unanswered calls or InternalError, which they retry with the same
message id. Printed: how long the stream stalled, and the calls retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.test_kill_counts import STATIONS, KillableSystem, run_stream
from tests.support import infra, redis_topologies
from tests.support.polling import wait_until
from tests.support.system import System

# Each test starts its own Redis topology and six service processes before the stream (about 30 s).
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

REDIS_PY_4287 = "object has no attribute 'writelines'"
"""What the shadow service logs (as a retried write) when redis-py hits redis/redis-py#4287."""


def own_broker(
    tmp_path_factory: pytest.TempPathFactory,
) -> contextlib.AbstractContextManager[infra.RunningService]:
    """A persistent broker of the test's own, as test_kill_counts uses: on the session's shared broker
    this system's handlers and shadow (same client ids, same shared subscriptions) would take the
    shared system's messages and sessions, and it theirs."""
    return infra.mosquitto(tmp_path_factory.mktemp("failover-mosquitto"), persistent=True)


@contextlib.contextmanager
def system_on(
    topology: redis_topologies.RedisCluster | redis_topologies.SentinelSet,
    broker: infra.RunningService,
    workdir: Path,
) -> Iterator[KillableSystem]:
    system = System(workdir, broker.url, "redis://127.0.0.1:1/0", broker.passwords)
    system.redis_environment = topology.environment()
    try:
        running = KillableSystem(system, broker, infra.RunningService(system.redis_url))
        running.start()
        yield running
    finally:
        system.stop_all()


def kill_cluster_master(cluster: redis_topologies.RedisCluster) -> str:
    """SIGKILL one master; wait until its replica serves its slots. Returns what was done."""
    victim = cluster.masters()[0]
    cluster.node_on(victim).stop(signal.SIGKILL)
    wait_until(
        lambda: victim not in cluster.masters(), 60, interval=0.1, message=f"the cluster fails :{victim} over"
    )
    cluster.wait_healthy(60)
    return f"master :{victim} killed, replica promoted"


def kill_sentinel_master(sentinels: redis_topologies.SentinelSet) -> str:
    """SIGKILL the master; wait until the sentinels name the replica."""
    victim = sentinels.master_port()
    next(
        node for node in (sentinels.master, sentinels.replica) if redis_topologies.port_of(node) == victim
    ).stop(signal.SIGKILL)
    wait_until(
        lambda: sentinels.master_port() != victim,
        60,
        interval=0.1,
        message="the sentinels promote the replica",
    )
    return f"master :{victim} killed, sentinels promoted :{sentinels.master_port()}"


def stream_through_failover(running: KillableSystem, prefix: str, failover: Callable[[], str]) -> None:
    """test_kill_counts' stream with ``failover`` (run in a thread) as the one disruption."""

    async def disrupt() -> None:
        began = time.monotonic()
        what = await asyncio.to_thread(failover)
        print(f"\n{what}: the replica serves {time.monotonic() - began:.1f} s after the kill")

    result = run_stream(running, prefix, (), prefix, disrupt=disrupt)
    assert result.transactions >= STATIONS
    assert result.duplicated == 0, result.problems
    hits = running.system.processes["shadow"].log_text().count(REDIS_PY_4287)
    print(f"redis-py#4287 seen {hits} time(s) in the shadow's log, each retried as a connection error")
    assert result.lost == 0, result.problems


@pytest.mark.xfail(
    reason=(
        "open (issue 19): on a broker of its own the cluster system's transaction stream did not get every "
        "station through a transaction within 60 s (2026-12-03, twice); on the session's shared broker it passed "
        "with lost 0 / duplicated 0 but took the shared system's messages. Not yet understood."
    ),
    strict=False,
)
def test_cluster_master_killed_under_transaction_stream(tmp_path_factory: pytest.TempPathFactory) -> None:
    try:
        _cluster_master_killed(tmp_path_factory)
    finally:
        # A failed run can leave Redis client sockets for the garbage collector: collected here, their
        # ResourceWarnings belong to this test, not to whichever test runs when they are collected.
        gc.collect()


def _cluster_master_killed(tmp_path_factory: pytest.TempPathFactory) -> None:
    with (
        own_broker(tmp_path_factory) as broker,
        redis_topologies.cluster(tmp_path_factory.mktemp("failover-cluster")) as cluster,
        system_on(cluster, broker, tmp_path_factory.mktemp("cluster-services")) as running,
    ):
        stream_through_failover(running, "CLUSTER-KILL", lambda: kill_cluster_master(cluster))


def test_sentinel_master_killed_under_transaction_stream(tmp_path_factory: pytest.TempPathFactory) -> None:
    with (
        own_broker(tmp_path_factory) as broker,
        redis_topologies.sentinel(tmp_path_factory.mktemp("failover-sentinel")) as sentinels,
        system_on(sentinels, broker, tmp_path_factory.mktemp("sentinel-services")) as running,
    ):
        stream_through_failover(running, "SENTINEL-KILL", lambda: kill_sentinel_master(sentinels))
