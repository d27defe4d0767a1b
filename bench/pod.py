"""One gateway pod on this machine: several gateway processes on one port, and the reconnect storm.

``make bench-capacity`` (``python -m bench.pod``) starts the system as ``make run`` ships it with
``GATEWAY_PROCESSES`` gateway processes sharing one port (``GATEWAY_REUSE_PORT=true``: the kernel
spreads new connections over the listeners), because one process may hold only about 18,700
connections under this machine's hard limit of 20,000 file descriptors. The generator runs in
several processes and over several loopback source addresses (127.0.0.1..K), so neither its own
descriptor limit nor the ephemeral port range is the bound. It holds the stations idle with
heartbeats and reports held / refused / errors, handshake rate, round trip, the connections each
gateway process got (how evenly SO_REUSEPORT spreads them), MB per 1,000 connections per process,
and the shadow service's registry-check load during the ramp.

``--storm`` (``make bench-storm``) then SIGKILLs one gateway process once every station is
connected. Its stations reconnect to the others with the back-off a real station uses (OCPP 2.0.1
RetryBackOff*, ``bench/loadgen.py --reconnect``); the run measures the time until every one is back
and answering (its BootNotification answered again), the handshake p99 and refusals during the
storm, and the registry checks per second the shadow service answered.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import infra, net, procstats
from bench.loadgen import register_stations
from bench.run import (
    RESULTS,
    TARGET_MB_PER_1K,
    Scenario,
    Variant,
    code_version,
    full_system,
    idle_load_arguments,
    keep_logs,
    log,
    run_generator,
    scrape_counters,
    scrape_gauge,
)

PER_PROCESS_STATIONS = 16_384
"""Stations per gateway process when ``--gateways`` is not given: 4 processes for 65,536, each well
below the ~18,700 connections the 20,000-descriptor limit leaves (the kernel's spread is uneven)."""
PER_GENERATOR_STATIONS = 14_000
"""Stations per generator process (each has the same 20,000-descriptor limit)."""
PER_SOURCE_STATIONS = 2_500
"""Stations per loopback source address (at least 4 addresses). The ephemeral port range alone would
allow ~28,000 per address; the gateway's per-address budgets (README Budgets) are the tighter bound:
each process charges a first-time registry check to the address's failure budget until it is
answered (burst 20), and holds at most 128 pending handshakes per address."""
TARGET_STORM_SECONDS = 60.0
RAMP_GRACE = 60.0
"""Seconds after the ramp that the storm waits for the last stations to connect before its kill."""
AUTHENTICATE = 'csms_registry_requests_total{method="authenticate"'
CONNECTED = "csms_gateway_connected_stations"


@dataclass
class Gateway:
    name: str
    proc: infra.Proc
    idle_rss_kb: int = 0
    peak_connected: float = 0.0
    rss_at_peak_kb: int = 0
    killed_at: float | None = None

    @property
    def metrics_url(self) -> str:
        return f"{self.proc.url}/metrics"


@dataclass
class Series:
    """One sample per second: time, connected per gateway, shadow authenticate answers so far."""

    samples: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: dict[str, Any]) -> None:
        with self.lock:
            self.samples.append(sample)

    def copy(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.samples)


def authenticate_answers(shadow_metrics: str) -> float:
    counters = scrape_counters(shadow_metrics)
    return sum(value for key, value in counters.items() if key.startswith(AUTHENTICATE))


def start_more_gateways(first: infra.Proc, count: int, workdir: Path) -> list[infra.Proc]:
    """``count`` more gateway processes with the first one's environment and port (SO_REUSEPORT)."""
    started = []
    for index in range(1, count + 1):
        env = dict(first.env)
        admin_port = net.free_port()
        env.update(GATEWAY_METRICS_PORT=str(admin_port), GATEWAY_INSTANCE_ID=f"bench-gateway-{index}")
        proc = infra.start_process(
            f"gateway-{index}", [sys.executable, "-m", infra.MODULES["gateway"]], workdir, env
        )
        proc.url = f"http://127.0.0.1:{admin_port}"
        started.append(proc)
    for proc in started:
        infra.wait_ready(proc, 60)
    return started


def sample_loop(gateways: list[Gateway], shadow_metrics: str, series: Series, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        connected: dict[str, float] = {}
        for gateway in gateways:
            if gateway.killed_at is not None:
                continue
            value = scrape_gauge(gateway.metrics_url, CONNECTED)
            if value is None:
                continue
            connected[gateway.name] = value
            if value >= gateway.peak_connected:
                gateway.peak_connected = value
                gateway.rss_at_peak_kb = procstats.rss_kb(gateway.proc.pid) or gateway.rss_at_peak_kb
        checks = authenticate_answers(shadow_metrics)
        series.add({"at": time.monotonic(), "connected": connected, "authenticate": checks})


def wait_for_everyone(series: Series, stations: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        samples = series.copy()
        if samples and sum(samples[-1]["connected"].values()) >= stations:
            return True
        time.sleep(1.0)
    return False


def rate_between(samples: list[dict[str, Any]], start: float, end: float) -> tuple[float, float]:
    """Registry checks per second the shadow answered between two times: mean and the busiest second."""
    inside = [sample for sample in samples if start <= sample["at"] <= end]
    if len(inside) < 2:
        return 0.0, 0.0
    steps = [
        (later["authenticate"] - earlier["authenticate"]) / max(1e-6, later["at"] - earlier["at"])
        for earlier, later in itertools.pairwise(inside)
    ]
    mean = (inside[-1]["authenticate"] - inside[0]["authenticate"]) / (inside[-1]["at"] - inside[0]["at"])
    return round(mean, 1), round(max(steps), 1)


@dataclass(frozen=True)
class Plan:
    stations: int
    gateways: int
    generators: int
    sources: int
    ramp: float
    rate: float
    hold: float
    storm: bool
    storm_window: float

    @classmethod
    def from_arguments(cls, arguments: argparse.Namespace) -> Plan:
        stations: int = arguments.stations
        return cls(
            stations=stations,
            gateways=arguments.gateways or max(1, math.ceil(stations / PER_PROCESS_STATIONS)),
            generators=arguments.processes or max(1, math.ceil(stations / PER_GENERATOR_STATIONS)),
            sources=arguments.sources or max(4, math.ceil(stations / PER_SOURCE_STATIONS)),
            ramp=arguments.ramp,
            rate=arguments.rate,
            hold=arguments.hold,
            storm=arguments.storm,
            storm_window=arguments.storm_window,
        )


def run_pod(arguments: argparse.Namespace) -> int:
    plan = Plan.from_arguments(arguments)
    if plan.storm and plan.gateways < 2:
        raise SystemExit("--storm needs at least 2 gateway processes (--gateways)")
    variant = Variant.from_arguments(arguments)
    file_limit = net.raise_file_limit()
    ramp_seconds = plan.stations / plan.ramp
    # The kill waits for every station, at most RAMP_GRACE s after the ramp; the storm window follows.
    duration = ramp_seconds + plan.hold + ((RAMP_GRACE + plan.storm_window) if plan.storm else 0.0)
    load_before = os.getloadavg()
    started = time.monotonic()
    extra = {"gateway": {"GATEWAY_REUSE_PORT": "true", "GATEWAY_INSTANCE_ID": "bench-gateway-0"}}
    with tempfile.TemporaryDirectory(prefix="csms-pod-") as directory:
        workdir = Path(directory)
        with full_system(workdir, variant, extra) as (system, trees):
            first = system.processes["gateway"]
            more = start_more_gateways(first, plan.gateways - 1, workdir)
            gateways = [Gateway("gateway-0", first)] + [Gateway(proc.name, proc) for proc in more]
            for gateway in gateways[1:]:
                trees[gateway.name] = gateway.proc.pid
            for gateway in gateways:
                gateway.idle_rss_kb = procstats.rss_kb(gateway.proc.pid) or 0
            limits = procstats.file_limits(first.pid)
            log(
                f"{plan.gateways} gateway process(es) on {system.gateway_url} (SO_REUSEPORT), RLIMIT_NOFILE "
                f"{limits}; registering {plan.stations} stations"
            )
            registration = register_stations(
                system.api_url,
                infra.API_TOKEN,
                [f"bench-{index:05d}" for index in range(plan.stations)],
                concurrency=32,
            )
            log(f"registered {registration['registered']} in {registration['seconds']} s")
            shadow_metrics = f"{system.processes['shadow'].url}/metrics"
            arguments_extra = ["--sources", str(plan.sources)]
            if plan.storm:
                arguments_extra.append("--reconnect")
            scenario = Scenario(
                "storm" if plan.storm else "pod",
                f"{plan.stations} stations on {plan.gateways} gateway processes",
                plan.stations,
                (
                    *idle_load_arguments(plan.rate, plan.hold + (plan.storm_window if plan.storm else 0.0)),
                    *arguments_extra,
                ),
                duration,
            )
            series = Series()
            stop_sampling = threading.Event()
            sampler = threading.Thread(
                target=sample_loop, args=(gateways, shadow_metrics, series, stop_sampling), daemon=True
            )
            sampler.start()
            outcome: dict[str, Any] = {}

            def generate() -> None:
                try:
                    outcome["report"] = run_generator(
                        scenario,
                        system.gateway_url,
                        trees,
                        workdir,
                        scenario.key,
                        ramp=plan.ramp,
                        processes=plan.generators,
                        metrics_urls={gateway.name: gateway.metrics_url for gateway in gateways}
                        | {"shadow": shadow_metrics},
                        wait_quiet=False,
                    )
                except RuntimeError as error:
                    outcome["error"] = str(error)

            log(
                f"{scenario.title}: ramp {plan.ramp:g}/s ({ramp_seconds:.0f} s), {plan.generators} generator "
                f"processes, {plan.sources} source addresses, load average {load_before[0]:.1f}"
            )
            generator = threading.Thread(target=generate)
            ramp_started = time.monotonic()
            generator.start()
            everyone = wait_for_everyone(series, plan.stations, ramp_seconds + RAMP_GRACE)
            ramp_done = time.monotonic()
            load_at_peak = os.getloadavg()
            victim = gateways[-1]
            held_by_victim = 0.0
            if plan.storm:
                samples = series.copy()
                held_by_victim = samples[-1]["connected"].get(victim.name, 0.0) if samples else 0.0
                log(
                    f"{'all' if everyone else 'NOT all'} connected; SIGKILL {victim.name} "
                    f"(holding {held_by_victim:.0f})"
                )
                victim.killed_at = time.monotonic()
                victim.proc.process.kill()
            generator.join()
            stop_sampling.set()
            sampler.join(timeout=5)
            keep_logs(workdir)
            load_after = os.getloadavg()
    if "error" in outcome:
        raise RuntimeError(outcome["error"])
    report: dict[str, Any] = outcome["report"]
    samples = series.copy()
    result = summarize(
        plan, report, gateways, samples, registration, (ramp_started, ramp_done), victim, held_by_victim
    )
    result.update(
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        cpu_count=os.cpu_count(),
        machine=platform.platform(),
        variant=variant.describe(),
        code=code_version(),
        file_limit_runner=file_limit.as_dict(),
        gateway_file_limit=limits,
        load_average={"before": load_before, "at_peak": load_at_peak, "after": load_after},
        elapsed_seconds=round(time.monotonic() - started, 1),
        everyone_connected_before_kill=everyone,
        generator=report,
    )
    text = render(result)
    print(text, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = f"-{arguments.tag}" if arguments.tag else ""
    kind = "storm" if plan.storm else "pod"
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-{os.cpu_count()}cores-{kind}-{plan.stations}{tag}.json"
    result["table"] = text
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {path}", flush=True)
    return 0


def summarize(
    plan: Plan,
    report: dict[str, Any],
    gateways: list[Gateway],
    samples: list[dict[str, Any]],
    registration: dict[str, Any],
    ramp: tuple[float, float],
    victim: Gateway,
    held_by_victim: float,
) -> dict[str, Any]:
    per_process = {}
    for gateway in gateways:
        connected = gateway.peak_connected
        rss = gateway.rss_at_peak_kb
        per_process[gateway.name] = {
            "peak_connected": connected,
            "idle_rss_mb": round(gateway.idle_rss_kb / 1024, 1),
            "rss_at_peak_mb": round(rss / 1024, 1),
            "mb_per_1k_total": round(rss / 1024 / connected * 1000, 2) if connected else None,
            "mb_per_1k_marginal": (
                round((rss - gateway.idle_rss_kb) / 1024 / connected * 1000, 2) if connected else None
            ),
            "cpu_seconds": report["processes"].get(gateway.name, {}).get("cpu_seconds"),
        }
    peak_total = max((sum(sample["connected"].values()) for sample in samples), default=0.0)
    counts = [value["peak_connected"] for value in per_process.values()]
    mean = sum(counts) / len(counts) if counts else 0.0
    spread = {
        "min": min(counts, default=0),
        "max": max(counts, default=0),
        "max_over_mean": round(max(counts) / mean, 3) if mean else None,
    }
    ramp_rate = rate_between(samples, *ramp)
    ramp_seconds = report["ramp_seconds"] or 1.0
    shadow = report["processes"].get("shadow", {})
    result: dict[str, Any] = {
        "stations": plan.stations,
        "gateway_processes": plan.gateways,
        "generator_processes": plan.generators,
        "source_addresses": plan.sources,
        "ramp_per_second": plan.ramp,
        "rate_per_station": plan.rate,
        "registration": registration,
        "held": report["held"],
        "peak_connected": peak_total,
        "connect_failures": report["connect_failures"],
        "connect_errors": report["connect_errors"],
        "errors": report["errors"],
        "error_codes": report["error_codes"],
        "timeouts": report["timeouts"],
        "handshakes_per_second": round(report["connected"] / ramp_seconds, 1),
        "connect_ms": report["connect_ms"],
        "round_trip_ms": report["round_trip_all_ms"],
        "per_process": per_process,
        "spread": spread,
        "shadow_registry_checks_per_second_ramp": {"mean": ramp_rate[0], "busiest_second": ramp_rate[1]},
        "shadow_cpu_cores_whole_run": round(
            float(shadow.get("cpu_seconds") or 0) / max(1.0, report["window"]["end_s"]), 2
        ),
        "service_metrics": report.get("service_metrics"),
    }
    if plan.storm and victim.killed_at is not None:
        reconnects = report.get("reconnects") or {}
        last_back = reconnects.get("last_back_at")
        storm_end = last_back if last_back is not None else samples[-1]["at"] if samples else victim.killed_at
        result["storm"] = {
            "killed": victim.name,
            "held_by_killed": held_by_victim,
            "lost": reconnects.get("lost"),
            "back": reconnects.get("back"),
            "all_back_seconds": round(last_back - victim.killed_at, 1) if last_back is not None else None,
            "attempts": reconnects.get("attempts"),
            "refusals": reconnects.get("refusals"),
            "handshake_ms": reconnects.get("handshake_ms"),
            "shadow_registry_checks_per_second": dict(
                zip(
                    ("mean", "busiest_second"),
                    rate_between(samples, victim.killed_at, storm_end),
                    strict=True,
                )
            ),
            "target_seconds": TARGET_STORM_SECONDS,
        }
    return result


def render(result: dict[str, Any]) -> str:
    per_process = result["per_process"]
    ramp_checks = result["shadow_registry_checks_per_second_ramp"]
    lines = [
        f"bench pod {result['date']} {result['cpu_count']} cores: {result['stations']} stations, "
        f"{result['gateway_processes']} gateway processes on one port, {result['generator_processes']} "
        f"generator processes over {result['source_addresses']} source addresses",
        f"  system              {result['variant']}",
        "  load average        before {:.1f}, at peak {:.1f}, after {:.1f}".format(
            result["load_average"]["before"][0],
            result["load_average"]["at_peak"][0],
            result["load_average"]["after"][0],
        ),
        f"  connections held    {result['held']}/{result['stations']} (gateways' peak "
        f"{result['peak_connected']:.0f}); connect failures {result['connect_failures']} "
        f"{result['connect_errors'] or ''}",
        f"  handshakes          {result['handshakes_per_second']}/s over the ramp; connect p50 "
        f"{result['connect_ms']['p50_ms']:.1f} ms, p99 {result['connect_ms']['p99_ms']:.1f} ms",
        f"  calls               errors {result['errors']} {result['error_codes'] or ''}, timeouts "
        f"{result['timeouts']}; round trip p50 {result['round_trip_ms']['p50_ms']:.1f} ms, p99 "
        f"{result['round_trip_ms']['p99_ms']:.1f} ms",
        "  per gateway process "
        + "; ".join(
            f"{name} {value['peak_connected']:.0f} conns, {value['rss_at_peak_mb']:.0f} MB, "
            f"{value['mb_per_1k_total']} MB/1k total ({value['mb_per_1k_marginal']} marginal)"
            for name, value in per_process.items()
        ),
        f"  SO_REUSEPORT spread min {result['spread']['min']:.0f}, max {result['spread']['max']:.0f}, "
        f"max/mean {result['spread']['max_over_mean']} (memory target <= {TARGET_MB_PER_1K:g} MB per 1k)",
        f"  shadow              registry checks {ramp_checks['mean']}/s over the ramp (busiest second "
        f"{ramp_checks['busiest_second']}); "
        f"shadow CPU {result['shadow_cpu_cores_whole_run']} cores over the run",
    ]
    storm = result.get("storm")
    if storm:
        checks = storm["shadow_registry_checks_per_second"]
        all_back = storm["all_back_seconds"]
        verdict = "met" if all_back is not None and all_back <= storm["target_seconds"] else "MISSED"
        lines += [
            f"  storm               SIGKILL {storm['killed']} holding {storm['held_by_killed']:.0f}: lost "
            f"{storm['lost']}, back {storm['back']} after {all_back} s (target <= "
            f"{storm['target_seconds']:g} s: {verdict}); {storm['attempts']} attempts",
            f"                      refusals {storm['refusals'] or {}}; handshake p50 "
            f"{storm['handshake_ms']['p50_ms']:.1f} ms, p99 {storm['handshake_ms']['p99_ms']:.1f} ms, max "
            f"{storm['handshake_ms']['max_ms']:.1f} ms",
            f"                      shadow registry checks {checks['mean']}/s (busiest second "
            f"{checks['busiest_second']})",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pod", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=5000, help="stations to hold [5000]")
    parser.add_argument("--gateways", type=int, default=0, help="gateway processes [stations / 16,384]")
    parser.add_argument("--processes", type=int, default=0, help="generator processes [stations / 14,000]")
    parser.add_argument("--sources", type=int, default=0, help="source addresses [stations / 2,500, >= 4]")
    parser.add_argument("--ramp", type=float, default=100.0, help="connections per second [100]")
    parser.add_argument("--rate", type=float, default=0.005, help="heartbeats per second per station [0.005]")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds to hold them all [20]")
    parser.add_argument("--storm", action="store_true", help="then SIGKILL one gateway process")
    parser.add_argument("--storm-window", type=float, default=90.0, help="seconds after the kill [90]")
    parser.add_argument("--tag", default="", help="suffix of the results file")
    parser.add_argument("--service-env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--redis-query", default="")
    parser.add_argument("--mosquitto", action="append", default=[])
    arguments = parser.parse_args(argv)
    return run_pod(arguments)


if __name__ == "__main__":
    sys.exit(main())
