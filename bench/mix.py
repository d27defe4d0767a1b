"""``make bench-mix``: the realistic mix against three servers, each load repeated, with CPU per call.

Servers (all up at once, used one after the other, so that each repeat sees the same machine):

* ``baseline``: bench/baseline.py, the ocpp library's ChargePoint, stores nothing;
* ``baseline-redis``: the same plus the Redis writes a user would add (bench/baseline_records.py), to a
  private redis-server of its own; its server CPU is the process plus that Redis;
* ``csms``: the system in the configuration ``make run`` and the Helm chart ship: the five services
  (the notifier too), LOG_LEVEL=info, Redis with appendonly yes, the broker from scripts/broker.py.

Loads (200 stations, the realistic mix of bench/frames.py, one outstanding call per station): closed
loop (flat out), 200 x 2.5 = 500 calls/s and 200 x 5 = 1,000 calls/s. Every (load, server) pair runs
``--repeat`` times (3), interleaved (load 1: baseline, baseline-redis, csms; load 2: ...), and every
run records the load average and the CPU the rest of the machine used. ``--profile`` then records
py-spy profiles of gateway, ocpp-handler and shadow under the closed loop.

Results: bench/results/<date>-<cores>cores-mix[-tag].json and .md (medians, min-max, ratios).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import infra, net, run
from bench.frames import Mix
from bench.loadgen import register_stations

SERVERS = ("baseline", "baseline-redis", "csms")
CSMS_PROCESSES = ("gateway", "ocpp-handler", "shadow", "remote-api", "notifier", "mosquitto", "redis")
SERVER_PROCESSES = {
    "baseline": ("baseline",),
    "baseline-redis": ("baseline", "redis"),
    "csms": CSMS_PROCESSES,
}
STATIONS = 200
TARGET_MS_PER_CALL = 0.35
TARGET_VS_BASELINE = 1.0
TARGET_VS_BASELINE_REDIS = 1.5
TARGET_P99_MS_AT_1000 = 30.0


@dataclass(frozen=True)
class Load:
    key: str
    title: str
    arguments: tuple[str, ...]


LOADS = (
    Load("flat_out", f"{STATIONS} stations, closed loop (flat out)", ("--closed-loop",)),
    Load("rate500", f"{STATIONS} stations x 2.5 calls/s = 500 calls/s offered", ("--rate", "2.5")),
    Load("rate1000", f"{STATIONS} stations x 5 calls/s = 1,000 calls/s offered", ("--rate", "5")),
)


def load_average() -> list[float]:
    """/proc/loadavg's 1, 5 and 15 minute figures."""
    try:
        return [float(part) for part in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


@contextlib.contextmanager
def servers(workdir: Path) -> Iterator[dict[str, tuple[str, dict[str, int], infra.System | None]]]:
    """The three servers: name -> (station URL, process trees, the system or None)."""
    with (
        infra.baseline(workdir) as plain,
        infra.redis(workdir, name="baseline-redis-db") as baseline_db,
        infra.baseline(workdir, baseline_db.url, name="baseline-redis") as stored,
        infra.mosquitto(workdir) as broker,
        infra.redis(workdir, appendonly=True) as redis,
        infra.system(
            workdir, broker.url, redis.url, log_level="info", broker_passwords=broker.passwords, notifier=True
        ) as system,
    ):
        trees = {name: proc.pid for name, proc in system.processes.items()}
        trees.update(mosquitto=broker.pid, redis=redis.pid)
        yield {
            "baseline": (plain.url, {"baseline": plain.pid}, None),
            "baseline-redis": (stored.url, {"baseline": stored.pid, "redis": baseline_db.pid}, None),
            "csms": (system.gateway_url, trees, system),
        }


def summarize_run(report: dict[str, Any], server: str) -> dict[str, Any]:
    """The figures kept per run: throughput, latency, errors, CPU per answered call per process."""
    answered = int(report["results"])
    processes = {
        name: float(report["processes"][name]["cpu_seconds"])
        for name in SERVER_PROCESSES[server]
        if name in report["processes"]
    }
    server_cpu = sum(processes.values())
    rtt = report["round_trip_ms"]
    return {
        "calls_per_second": report["calls_per_second"],
        "answered": answered,
        "p50_ms": rtt["p50_ms"],
        "p95_ms": rtt["p95_ms"],
        "p99_ms": rtt["p99_ms"],
        "max_ms": rtt["max_ms"],
        "errors": report["errors"],
        "error_codes": report["error_codes"],
        "timeouts": report["timeouts"],
        "late_starts": report.get("late_starts"),
        "held": report["held"],
        "server_cpu_seconds": round(server_cpu, 2),
        "server_ms_per_call": round(1000 * server_cpu / answered, 4) if answered else None,
        "ms_per_call": {
            name: round(1000 * seconds / answered, 4) if answered else None
            for name, seconds in processes.items()
        },
        "generator_cpu_seconds": report["processes"]["generator"]["cpu_seconds"],
        "other_cpu_seconds": report["machine"]["other_cpu_seconds"],
        "busy_cores_before": report["machine"]["busy_cores_before"],
    }


def spread(values: Sequence[float | None]) -> dict[str, float | None]:
    """Median, min and max of the repeats (None when a run had no figure)."""
    present = [value for value in values if value is not None]
    if not present:
        return {"median": None, "min": None, "max": None}
    return {"median": statistics.median(present), "min": min(present), "max": max(present)}


def aggregate(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per load and server: the spread of each figure over the repeats, and the ratios to the baselines."""
    result: dict[str, dict[str, Any]] = {}
    for load in LOADS:
        per_server: dict[str, Any] = {}
        for server in SERVERS:
            mine = [
                entry["figures"] for entry in runs if entry["load"] == load.key and entry["server"] == server
            ]
            if not mine:
                continue
            names = SERVER_PROCESSES[server]
            per_server[server] = {
                "repeats": len(mine),
                **{
                    key: spread([figures[key] for figures in mine])
                    for key in ("calls_per_second", "p50_ms", "p99_ms", "max_ms", "server_ms_per_call")
                },
                "errors": sum(figures["errors"] for figures in mine),
                "timeouts": sum(figures["timeouts"] for figures in mine),
                "ms_per_call": {
                    name: spread([figures["ms_per_call"].get(name) for figures in mine]) for name in names
                },
                "load_average_1m": spread(
                    [entry["load_average_before"][0] for entry in runs_of(runs, load, server)]
                ),
                "other_cpu_seconds": spread([figures["other_cpu_seconds"] for figures in mine]),
            }
        result[load.key] = per_server
    return result


def runs_of(runs: list[dict[str, Any]], load: Load, server: str) -> list[dict[str, Any]]:
    return [
        entry
        for entry in runs
        if entry["load"] == load.key and entry["server"] == server and entry["load_average_before"]
    ]


def median_of(summary: dict[str, Any], load: str, server: str, key: str) -> float | None:
    value = summary.get(load, {}).get(server, {}).get(key, {}).get("median")
    return float(value) if value is not None else None


def _cell(spread_: dict[str, Any], digits: int = 1) -> str:
    if spread_["median"] is None:
        return "-"
    return f"{spread_['median']:,.{digits}f} ({spread_['min']:,.{digits}f}-{spread_['max']:,.{digits}f})"


def markdown(results: dict[str, Any]) -> str:
    """The results as the markdown page committed next to the JSON."""
    summary = results["summary"]
    lines = [
        f"# make bench-mix {results['date']}, {results['cpu_count']} cores, "
        f"commit {results['code'].get('commit')}",
        "",
        f"Mix: {results['mix']} ({results['mix_note']}); {STATIONS} stations; "
        f"{results['seconds']:g} s per run; "
        f"{results['repeats']} repeats, interleaved. csms: {results['csms_configuration']}.",
        "Each cell: median (min-max) over the repeats. Load average: 1-minute figure before each run "
        "(the machine is shared with other sessions; see 'other CPU s').",
        "",
    ]
    for load in LOADS:
        per_server = summary.get(load.key, {})
        if not per_server:
            continue
        lines += [f"## {load.title}", ""]
        lines.append("| | " + " | ".join(per_server) + " |")
        lines.append("|---|" + "---|" * len(per_server))
        rows = [
            ("answered calls/s", "calls_per_second", 1),
            ("round trip p50 ms", "p50_ms", 2),
            ("round trip p99 ms", "p99_ms", 2),
            ("round trip max ms", "max_ms", 2),
            ("server CPU ms per answered call", "server_ms_per_call", 3),
            ("load average (1 min) before", "load_average_1m", 2),
            ("other CPU s (rest of the machine)", "other_cpu_seconds", 1),
        ]
        for label, key, digits in rows:
            lines.append(
                f"| {label} | "
                + " | ".join(_cell(entry[key], digits) for entry in per_server.values())
                + " |"
            )
        lines.append(
            "| errors / timeouts (all repeats) | "
            + " | ".join(f"{entry['errors']} / {entry['timeouts']}" for entry in per_server.values())
            + " |"
        )
        for name in CSMS_PROCESSES:
            cells = [
                _cell(entry["ms_per_call"][name], 3) if name in entry["ms_per_call"] else ""
                for entry in per_server.values()
            ]
            lines.append(f"| CPU ms per call: {name} | " + " | ".join(cells) + " |")
        lines.append("")
    flat = "flat_out"
    csms_rate = median_of(summary, flat, "csms", "calls_per_second")
    base_rate = median_of(summary, flat, "baseline", "calls_per_second")
    stored_rate = median_of(summary, flat, "baseline-redis", "calls_per_second")
    csms_ms = median_of(summary, flat, "csms", "server_ms_per_call")
    p99 = median_of(summary, "rate1000", "csms", "p99_ms")
    lines += ["## Against the issue's targets (medians)", "", "| target | measured | met? |", "|---|---|---|"]

    def target(label: str, value: float | None, goal: float, text: str, lower_is_better: bool) -> None:
        met = value is not None and (value <= goal if lower_is_better else value >= goal)
        lines.append(f"| {label} | {text} | {'met' if met else 'MISSED'} |")

    def share(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    vs_base, vs_stored = share(csms_rate, base_rate), share(csms_rate, stored_rate)
    target(f"server CPU <= {TARGET_MS_PER_CALL} ms per answered call (flat out)", csms_ms, TARGET_MS_PER_CALL,
           f"{csms_ms:.3f} ms" if csms_ms is not None else "-", True)  # fmt: skip
    target(f">= {TARGET_VS_BASELINE}x the no-storage baseline (flat out)", vs_base, TARGET_VS_BASELINE,
           f"{vs_base:.2f}x" if vs_base else "-", False)  # fmt: skip
    target(f">= {TARGET_VS_BASELINE_REDIS}x the baseline with Redis writes (flat out)", vs_stored,
           TARGET_VS_BASELINE_REDIS, f"{vs_stored:.2f}x" if vs_stored else "-", False)  # fmt: skip
    target(
        f"p99 <= {TARGET_P99_MS_AT_1000:g} ms at 1,000 calls/s",
        p99,
        TARGET_P99_MS_AT_1000,
        f"{p99:,.1f} ms" if p99 is not None else "-",
        True,
    )
    if results.get("profile"):
        lines += [
            "",
            "## py-spy profile under the closed loop",
            "",
            "```",
            run.profile_text(results["profile"]),
            "```",
        ]
    return "\n".join(lines) + "\n"


def run_mix(arguments: argparse.Namespace) -> int:
    seconds: float = arguments.seconds
    run.QUIET.max_wait = arguments.quiet_wait
    net.raise_file_limit()
    loads = [load for load in LOADS if load.key in arguments.loads]
    selected = [server for server in SERVERS if server in arguments.servers]
    now = datetime.now(UTC)
    runs: list[dict[str, Any]] = []
    profile: dict[str, Any] | None = None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="csms-bench-mix-") as directory:
        workdir = Path(directory)
        try:
            with servers(workdir) as up:
                system = up["csms"][2]
                assert system is not None
                registration = register_stations(
                    system.api_url, infra.API_TOKEN, [f"bench-{index:05d}" for index in range(STATIONS)]
                )
                if registration["failed"]:
                    raise RuntimeError(f"registration failed: {registration}")
                for repeat in range(1, arguments.repeat + 1):
                    for load in loads:
                        scenario = run.Scenario(
                            load.key, load.title, STATIONS, (*load.arguments, "--mix", arguments.mix), seconds
                        )
                        for server in selected:
                            url, trees, _ = up[server]
                            before = load_average()
                            report = run.run_generator(
                                scenario, url, trees, workdir, f"{server}-{repeat}", ramp=100
                            )
                            figures = summarize_run(report, server)
                            runs.append(
                                {
                                    "repeat": repeat,
                                    "load": load.key,
                                    "server": server,
                                    "load_average_before": before,
                                    "load_average_after": load_average(),
                                    "figures": figures,
                                }
                            )
                            run.log(
                                f"#{repeat} {load.key:9} {server:15} {figures['calls_per_second']:8} calls/s "
                                f"p99 {figures['p99_ms']} ms, {figures['server_ms_per_call']} ms CPU/call, "
                                f"errors {figures['errors']}/{figures['timeouts']}, load {before[:1]}"
                            )
                            time.sleep(1)
                if arguments.profile:
                    scenario = run.Scenario(
                        "flat_out",
                        LOADS[0].title,
                        STATIONS,
                        ("--closed-loop", "--mix", arguments.mix),
                        seconds,
                    )
                    profile = run.profile_system(scenario, system, up["csms"][1], workdir, run.SCALES["full"])
        finally:
            run.keep_logs(workdir)
    results: dict[str, Any] = {
        "date": now.isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "code": run.code_version(),
        "mix": arguments.mix,
        "mix_note": "TransactionEvent 60 %, MeterValues 20 %, StatusNotification 10 %, Heartbeat 10 %, "
        "7 sampled values per sample; bench/frames.py REALISTIC_201"
        if arguments.mix == Mix.REALISTIC.value
        else "see bench/frames.py",
        "csms_configuration": "as make run ships it: five services with the notifier, LOG_LEVEL=info, "
        "Redis appendonly yes, broker from scripts/broker.py (make run's TLS listeners are not used here)",
        "seconds": seconds,
        "repeats": arguments.repeat,
        "runs": runs,
        "summary": aggregate(runs),
        "profile": profile,
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    text = markdown(results)
    print(text, flush=True)
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    tag = f"-{arguments.tag}" if arguments.tag else ""
    path = run.RESULTS / f"{now:%Y-%m-%d}-{os.cpu_count()}cores-mix{tag}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    path.with_suffix(".md").write_text(text)
    if profile:
        for name in ("gateway", "ocpp-handler", "shadow"):
            collapsed = run.RESULTS / f"profile-{name}.collapsed.tmp"
            if collapsed.exists():
                shutil.copy(collapsed, path.with_name(f"{path.stem}-profile-{name}.collapsed.txt"))
    print(f"results: {path} (took {results['elapsed_seconds']:.0f} s)", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mix", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each run, ramp included [15]")
    parser.add_argument("--repeat", type=int, default=3, help="runs per (load, server) [3]")
    parser.add_argument("--mix", choices=[mix.value for mix in Mix], default=Mix.REALISTIC.value)
    parser.add_argument(
        "--loads", nargs="+", choices=[load.key for load in LOADS], default=[load.key for load in LOADS]
    )
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument(
        "--profile", action="store_true", help="then py-spy profiles of the services (closed loop)"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=5.0, help="max seconds to wait for a calmer machine [5]"
    )
    parser.add_argument("--tag", default="", help="suffix of the results file name")
    return run_mix(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
