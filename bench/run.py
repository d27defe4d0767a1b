"""``make bench``: the baseline and the full system under the same load, in one table.

1. private mosquitto and redis-server on free ports (bench/infra.py);
2. the baseline (bench/baseline.py) alone: scenarios (a) throughput, (b) latency, (c) remote start;
3. the four services (LOG_LEVEL=warning): the same three scenarios against the gateway;
4. one table with both, their ratio, the issue's targets and CPU seconds / peak RSS of every process;
   the figures go to bench/results/<date>-<cores>cores.json (and .txt).

``BENCH_SCALE=short`` (or ``--scale short``) runs shorter scenarios (about a minute in all).
``--capacity`` (``make bench-capacity``) instead holds N idle stations on one gateway process and reports
memory per 1,000 connections. ``--profile`` adds a py-spy profile of the services under scenario (a).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import infra, net, procstats
from bench.loadgen import register_stations
from bench.stats import ratio

RESULTS = Path(__file__).resolve().parent / "results"
SUT_PROCESSES = ("gateway", "ocpp-handler", "shadow", "remote-api", "notifier", "mosquitto", "redis")
ALL_PROCESSES = ("generator", "baseline", *SUT_PROCESSES)

TARGET_THROUGHPUT_RATIO = 1.5
TARGET_LATENCY_P99_MS = 30.0
TARGET_REMOTE_START_P99_MS = 20.0
TARGET_CAPACITY_STATIONS = 20_000
TARGET_MB_PER_1K = 20.0

QUIET_BUSY_CORES = 0.35
"""Before each run, wait until the rest of the machine uses less than this (it is shared)..."""
QUIET_MAX_WAIT = {"full": 10.0, "short": 5.0}
"""... but never longer than this per scenario (BENCH_QUIET_WAIT overrides); the CPU others used
during a run is reported either way."""


@dataclass
class Quiet:
    max_wait: float = 20.0


QUIET = Quiet()


@dataclass(frozen=True)
class Scale:
    stations: int
    throughput_seconds: float
    latency_seconds: float
    latency_rate: float
    light_seconds: float
    light_rate: float
    probe_stations: int
    probe_requests: int
    ramp: float


SCALES = {
    "full": Scale(200, 20, 20, 5, 15, 0.5, 50, 200, 100),
    "short": Scale(200, 6, 6, 5, 5, 0.5, 50, 40, 200),
}


@dataclass(frozen=True)
class Variant:
    """Deployment settings that differ from the defaults (none by default: the system as shipped)."""

    redis_query: str = ""
    """Appended to REDIS_URL, e.g. ``max_connections=1000`` (redis-py reads pool options there)."""
    service_env: tuple[tuple[str, str], ...] = ()
    """Extra environment variables for the four services, e.g. GATEWAY_STATION_RATE=1000."""
    mosquitto_extra: str = ""
    """Extra mosquitto.conf lines, e.g. ``set_tcp_nodelay true``."""

    @property
    def is_default(self) -> bool:
        return not (self.redis_query or self.service_env or self.mosquitto_extra)

    def describe(self) -> str:
        if self.is_default:
            return (
                "as make run ships it (service defaults, LOG_LEVEL=info, notifier, Redis AOF; "
                "broker from scripts/broker.py)"
            )
        parts = [f"REDIS_URL ?{self.redis_query}"] if self.redis_query else []
        parts += [f"{key}={value}" for key, value in self.service_env]
        parts += [f"mosquitto: {line}" for line in self.mosquitto_extra.splitlines() if line]
        return "; ".join(parts)

    @classmethod
    def from_arguments(cls, arguments: argparse.Namespace) -> Variant:
        env: list[tuple[str, str]] = []
        for item in arguments.service_env:
            key, separator, value = item.partition("=")
            if not separator or not key:
                raise SystemExit(f"--service-env wants NAME=VALUE, not {item!r}")
            env.append((key, value))
        extra = "".join(f"{line}\n" for line in arguments.mosquitto)
        return cls(arguments.redis_query, tuple(env), extra)


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    stations: int
    arguments: tuple[str, ...]
    duration: float
    probe: int = 0


def scenarios(scale: Scale) -> list[Scenario]:
    return [
        Scenario(
            "throughput",
            f"(a) throughput: {scale.stations} stations, closed loop, {scale.throughput_seconds:g} s",
            scale.stations,
            ("--closed-loop",),
            scale.throughput_seconds,
        ),
        Scenario(
            "latency",
            f"(b) latency: {scale.stations} stations x {scale.latency_rate:g} calls/s, "
            f"{scale.latency_seconds:g} s",
            scale.stations,
            ("--rate", f"{scale.latency_rate:g}"),
            scale.latency_seconds,
        ),
        Scenario(
            "light",
            f"(b') light load: {scale.stations} stations x {scale.light_rate:g} calls/s, "
            f"{scale.light_seconds:g} s (no target: base latency)",
            scale.stations,
            ("--rate", f"{scale.light_rate:g}"),
            scale.light_seconds,
        ),
        Scenario(
            "remote_start",
            f"(c) remote start: {scale.probe_stations} stations, {scale.probe_requests} sequential "
            "POST /remote-start-transaction",
            scale.probe_stations,
            ("--rate", "0.1", "--mix", "heartbeat"),
            # Bounded: the generator ends the run as soon as the last probe is answered.
            60.0,
            scale.probe_requests,
        ),
    ]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------ one generator run


def run_generator(
    scenario: Scenario,
    url: str,
    trees: dict[str, int],
    workdir: Path,
    label: str,
    *,
    ramp: float,
    api: str | None = None,
    token: str = "",
    extra: Sequence[str] = (),
    processes: int = 1,
    metrics_urls: dict[str, str] | None = None,
    wait_quiet: bool = True,
) -> dict[str, Any]:
    """Run bench.loadgen against ``url`` while sampling every process; its report plus ``processes``."""
    report_path = workdir / f"{label}-{scenario.key}.json"
    command = [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--url",
        url,
        "--no-register",
        "--stations",
        str(scenario.stations),
        "--duration",
        f"{scenario.duration:g}",
        "--ramp",
        f"{ramp:g}",
        "--processes",
        str(processes),
        "--json",
        str(report_path),
        "--quiet",
        *scenario.arguments,
        *extra,
    ]
    if scenario.probe:
        assert api is not None
        command += ["--api", api, "--token", token, "--probe-remote-start", str(scenario.probe)]
    busy, waited = procstats.wait_for_quiet(QUIET_BUSY_CORES, QUIET.max_wait if wait_quiet else 0.0)
    if waited > 1.5:
        log(f"  waited {waited:.0f} s for other work on the machine to calm down (busy {busy:.2f} cores)")
    metrics_before = {name: scrape_counters(url) for name, url in (metrics_urls or {}).items()}
    sampler = procstats.Sampler(trees)
    sampler.start()
    machine_before = procstats.machine_busy_seconds()
    generator = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sampler_with_generator = procstats.Sampler({"generator": generator.pid})
    sampler_with_generator.start()
    try:
        output, _ = generator.communicate(timeout=2 * scenario.duration + 180)
    except subprocess.TimeoutExpired:
        generator.kill()
        output, _ = generator.communicate(timeout=10)
    generator_usage = sampler_with_generator.stop()["generator"]
    usages = sampler.stop()
    machine_seconds = procstats.machine_busy_seconds() - machine_before
    if generator.returncode != 0 or not report_path.exists():
        raise RuntimeError(f"the load generator failed ({generator.returncode}):\n{output.decode()[-3000:]}")
    report: dict[str, Any] = json.loads(report_path.read_text())
    stations = scenario.stations
    processes_usage = {name: usage.as_dict(stations) for name, usage in usages.items()}
    # The generator's own getrusage (self + reaped workers) is exact; its peak RSS is the larger figure.
    generator_usage.cpu_seconds = float(report["resources"]["cpu_seconds"])
    generator_usage.peak_rss_kb = max(generator_usage.peak_rss_kb, int(report["resources"]["peak_rss_kb"]))
    processes_usage["generator"] = generator_usage.as_dict(stations)
    report["processes"] = processes_usage
    ours = sum(float(usage["cpu_seconds"] or 0) for usage in processes_usage.values())
    report["machine"] = {
        "busy_cpu_seconds": round(machine_seconds, 2),
        "other_cpu_seconds": round(max(0.0, machine_seconds - ours), 2),
        "busy_cores_before": round(busy, 2),
        "waited_for_quiet_seconds": round(waited, 1),
    }
    if metrics_urls:
        report["service_metrics"] = {
            name: counter_delta(metrics_before.get(name, {}), scrape_counters(url))
            for name, url in metrics_urls.items()
        }
    return report


# ---------------------------------------------------------------- the runs


def run_baseline(selected: list[Scenario], workdir: Path, scale: Scale) -> dict[str, dict[str, Any]]:
    reports: dict[str, dict[str, Any]] = {}
    with infra.baseline(workdir) as baseline:
        log(f"baseline listening on {baseline.url}")
        for scenario in selected:
            log(f"baseline {scenario.title}")
            reports[scenario.key] = run_generator(
                scenario,
                baseline.url,
                {"baseline": baseline.pid},
                workdir,
                "baseline",
                ramp=scale.ramp,
                api=baseline.env["API_URL"],
            )
            summarize_line("baseline", reports[scenario.key])
            time.sleep(1)
    return reports


@contextlib.contextmanager
def full_system(
    workdir: Path, variant: Variant, extra: dict[str, dict[str, str]] | None = None
) -> Iterator[tuple[infra.System, dict[str, int]]]:
    with (
        infra.mosquitto(workdir, variant.mosquitto_extra) as broker,
        infra.redis(workdir, appendonly=True) as redis,
        infra.system(
            workdir,
            broker.url,
            redis.url + (f"?{variant.redis_query}" if variant.redis_query else ""),
            # As make run and the chart ship it: LOG_LEVEL=info, the notifier running, Redis with AOF.
            log_level="info",
            overrides={
                name: {**dict(variant.service_env), **(extra or {}).get(name, {})}
                for name in (*infra.MODULES, "notifier")
            },
            broker_passwords=broker.passwords,
            notifier=True,
        ) as system,
    ):
        trees = {name: proc.pid for name, proc in system.processes.items()}
        trees["mosquitto"] = broker.pid
        trees["redis"] = redis.pid
        yield system, trees


def run_system(
    selected: list[Scenario], workdir: Path, scale: Scale, profile: bool, variant: Variant
) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
    reports: dict[str, dict[str, Any]] = {}
    profiles: dict[str, Any] | None = None
    with full_system(workdir, variant) as (system, trees):
        log(f"system up: gateway {system.gateway_url}, remote-api {system.api_url}")
        stations = max(scenario.stations for scenario in selected)
        registration = register_stations(
            system.api_url, infra.API_TOKEN, [f"bench-{index:05d}" for index in range(stations)]
        )
        log(f"registered {registration['registered']}/{stations} stations in {registration['seconds']} s")
        if registration["failed"]:
            raise RuntimeError(f"registration failed: {registration}")
        for scenario in selected:
            log(f"csms {scenario.title}")
            reports[scenario.key] = run_generator(
                scenario,
                system.gateway_url,
                trees,
                workdir,
                "csms",
                ramp=scale.ramp,
                api=system.api_url,
                token=infra.API_TOKEN,
                metrics_urls={
                    name: f"{system.processes[name].url}/metrics"
                    for name in ("gateway", "ocpp-handler", "shadow", "remote-api")
                },
            )
            summarize_line("csms", reports[scenario.key])
            time.sleep(1)
        if profile:
            profiles = profile_system(selected[0], system, trees, workdir, scale)
    return reports, profiles


def summarize_line(label: str, report: dict[str, Any]) -> None:
    rtt = report["round_trip_ms"]
    probe = report.get("probe")
    extra = ""
    if probe:
        extra = (
            f", remote start p50 {probe['to_station_ms']['p50_ms']} p99 {probe['to_station_ms']['p99_ms']} ms"
        )
    log(
        f"  {label}: {report['calls_per_second']} calls/s, p50 {rtt['p50_ms']} p99 {rtt['p99_ms']} ms, "
        f"held {report['held']}/{report['stations']}, errors {report['errors']}, "
        f"timeouts {report['timeouts']}{extra}"
    )


# ----------------------------------------------------------------- profiling


def py_spy() -> str | None:
    candidate = Path(sys.executable).parent / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


CATEGORIES = (
    ("jsonschema validation", ("jsonschema/", "referencing/", "rpds", "csms_common/ocpp/schemas.py")),
    ("paho-mqtt (packets, properties, socket I/O)", ("paho/",)),
    ("redis-py", ("redis/",)),
    ("websockets", ("websockets/",)),
    ("json encode/decode", ("json/",)),
    ("copy.deepcopy (shadow merge)", ("copy.py",)),
    ("logging", ("logging/",)),
    ("asyncio event loop and sockets", ("asyncio/", "selectors.py")),
    ("service code (csms_*)", ("csms_",)),
)


def category_of(frame: str) -> str:
    for name, markers in CATEGORIES:
        if any(marker in frame for marker in markers):
            return name
    return "other (stdlib, interpreter)"


def summarize_collapsed(text: str, top: int = 12) -> dict[str, Any]:
    """Top frames of a py-spy ``--format raw`` (collapsed stacks) profile: own time and inclusive."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    total = 0
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames_ = [re.sub(r"\s+", " ", frame.strip()) for frame in stack.split(";") if frame.strip()]
        if not frames_:
            continue
        own[frames_[-1]] += count
        categories[category_of(frames_[-1])] += count
        for frame in set(frames_):
            inclusive[frame] += count

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"frame": frame, "percent": round(100 * count / total, 1)}
            for frame, count in counter.most_common(top)
        ]

    return {
        "samples": total,
        "own": share(own),
        "inclusive": share(inclusive),
        "own_by_library": share(categories),
    }


def profile_system(
    scenario: Scenario, system: infra.System, trees: dict[str, int], workdir: Path, scale: Scale
) -> dict[str, Any]:
    """Scenario (a) again, with py-spy recording the gateway, handler and shadow (numbers not kept)."""
    spy = py_spy()
    if spy is None:
        log("py-spy not found (.venv/bin/pip install py-spy): no profile")
        return {"error": "py-spy not installed"}
    seconds = max(3, int(scenario.duration) - 3)
    recorders: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    procstats.wait_for_quiet(QUIET_BUSY_CORES, QUIET.max_wait)
    log(f"profiling gateway, ocpp-handler, shadow for {seconds} s under {scenario.title}")
    for name in ("gateway", "ocpp-handler", "shadow"):
        output = workdir / f"profile-{name}.txt"
        command = [spy, "record", "--pid", str(system.processes[name].pid), "--duration", str(seconds)]
        command += ["--rate", "200", "--format", "raw", "--nonblocking", "--output", str(output)]
        recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        recorders[name] = (recorder, output)
    report = run_generator(
        scenario,
        system.gateway_url,
        trees,
        workdir,
        "profiled",
        ramp=scale.ramp,
        api=system.api_url,
        wait_quiet=False,
    )
    profiles: dict[str, Any] = {"calls_per_second_while_profiled": report["calls_per_second"]}
    for name, (recorder, output) in recorders.items():
        try:
            _, errors = recorder.communicate(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            _, errors = recorder.communicate(timeout=5)
        if output.exists():
            summary = summarize_collapsed(output.read_text(errors="replace"))
            summary["busy_percent"] = round(100 * summary["samples"] / (200 * seconds), 1)
            profiles[name] = summary
            RESULTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(output, RESULTS / f"profile-{name}.collapsed.tmp")
        else:
            profiles[name] = {"error": errors.decode(errors="replace")[-500:]}
    return profiles


# ---------------------------------------------------------------------- table


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _usage_cell(usage: dict[str, Any] | None) -> str:
    if not usage:
        return "-"
    return (
        f"{usage['cpu_seconds']:.1f} s ({usage['cpu_seconds_per_1k_stations']:.1f}/1k) "
        f"{usage['peak_rss_mb']:.0f} MB ({usage['peak_rss_mb_per_1k_stations']:.0f}/1k)"
    )


def sut_cpu(report: dict[str, Any], names: Sequence[str]) -> float:
    return float(
        sum(report["processes"][name]["cpu_seconds"] for name in names if name in report["processes"])
    )


WIDTHS = (44, 32, 32, 9, 16)


class Table:
    """Rows of label | baseline | csms | ratio | target."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def row(self, label: str, base: str = "", csms: str = "", rat: str = "", target: str = "") -> None:
        w = WIDTHS
        text = f"{label:<{w[0]}}{base:>{w[1]}}{csms:>{w[2]}}{rat:>{w[3]}}  {target:<{w[4]}}"
        self.lines.append(text.rstrip())

    def text(self, line: str) -> None:
        self.lines.append(line)

    def rule(self) -> None:
        self.lines.append("-" * (sum(WIDTHS) + 2))


def _field(report: dict[str, Any] | None, *path: str) -> Any:
    value: Any = report
    for part in path:
        if value is None:
            return None
        value = value.get(part)
    return value


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _scenario_rows(table: Table, key: str, base: dict[str, Any] | None, csms: dict[str, Any] | None) -> None:
    def metric(label: str, *path: str, digits: int = 1, target: str = "") -> None:
        b, c = _field(base, *path), _field(csms, *path)
        table.row(f"  {label}", _num(b, digits), _num(c, digits), _ratio_text(ratio(c, b)), target)

    both = (base, csms)
    if key != "remote_start":
        held = [f"{r['held']}/{r['stations']}" if r else "-" for r in both]
        table.row("  connections held", held[0], held[1])
        throughput_target = ""
        if key == "throughput" and base and csms:
            value = ratio(csms["calls_per_second"], base["calls_per_second"])
            met = value is not None and value >= TARGET_THROUGHPUT_RATIO
            throughput_target = f">= {TARGET_THROUGHPUT_RATIO}x {_verdict(met)}"
        metric("calls/s (steady window)", "calls_per_second", target=throughput_target)
        latency_target = ""
        if key == "latency" and csms:
            p99 = csms["round_trip_ms"]["p99_ms"]
            met = p99 is not None and p99 <= TARGET_LATENCY_P99_MS
            latency_target = f"<= {TARGET_LATENCY_P99_MS:g} ms {_verdict(met)}"
        metric("round trip p50 ms", "round_trip_ms", "p50_ms", digits=2)
        metric("round trip p95 ms", "round_trip_ms", "p95_ms", digits=2)
        metric("round trip p99 ms", "round_trip_ms", "p99_ms", digits=2, target=latency_target)
        metric("round trip max ms", "round_trip_ms", "max_ms", digits=2)
        metric("connect time p50 ms", "connect_ms", "p50_ms", digits=2)
        metric("connect time p99 ms", "connect_ms", "p99_ms", digits=2)
    else:
        probe_target = ""
        if csms and csms.get("probe"):
            p99 = csms["probe"]["to_station_ms"]["p99_ms"]
            met = p99 is not None and p99 <= TARGET_REMOTE_START_P99_MS
            probe_target = f"<= {TARGET_REMOTE_START_P99_MS:g} ms {_verdict(met)}"
        arrived = [f"{r['probe']['arrived']}/{r['probe']['requests']}" if r else "-" for r in both]
        table.row("  frames arrived / requests", arrived[0], arrived[1])
        metric("request -> station p50 ms", "probe", "to_station_ms", "p50_ms", digits=2)
        metric("request -> station p99 ms", "probe", "to_station_ms", "p99_ms", digits=2, target=probe_target)
        metric("request -> station max ms", "probe", "to_station_ms", "max_ms", digits=2)
        metric("HTTP answer p50 ms", "probe", "http_answer_ms", "p50_ms", digits=2)
        metric("HTTP answer p99 ms", "probe", "http_answer_ms", "p99_ms", digits=2)
    errors = [f"{r['errors']} / {r['timeouts']}" if r else "-" for r in both]
    table.row("  errors / timeouts", errors[0], errors[1])
    if key in ("latency", "light"):
        late = [str(r["late_starts"]) if r else "-" for r in both]
        table.row("  late starts (answer after next slot)", late[0], late[1])
    table.row("  CPU s (per 1k st), peak RSS (per 1k st)")
    for name in ALL_PROCESSES:
        b_usage = base["processes"].get(name) if base else None
        c_usage = csms["processes"].get(name) if csms else None
        if b_usage is not None or c_usage is not None:
            table.row(f"    {name}", _usage_cell(b_usage), _usage_cell(c_usage))
    others = [f"{r['machine']['other_cpu_seconds']:.1f} s" if r and r.get("machine") else "-" for r in both]
    table.row("    other processes (shared machine)", others[0], others[1])
    if base and csms:
        b_cpu = sut_cpu(base, ("baseline",))
        c_cpu = sut_cpu(csms, SUT_PROCESSES)
        table.row(
            "    server CPU s (all server processes)",
            _num(b_cpu, 2),
            _num(c_cpu, 2),
            _ratio_text(ratio(c_cpu, b_cpu)),
        )
        if key != "remote_start":
            b_per = b_cpu / base["results"] * 1e6 if base["results"] else None
            c_per = c_cpu / csms["results"] * 1e6 if csms["results"] else None
            table.row(
                "    server CPU ms per 1k answered calls",
                _num(b_per, 0),
                _num(c_per, 0),
                _ratio_text(ratio(c_per, b_per)),
            )


def build_table(results: dict[str, Any]) -> str:
    table = Table()
    title = f"make bench {results['date']} {results['cpu_count']} cores, scale {results['scale']}"
    table.row(title, "baseline", "csms", "ratio", "target")
    code = results.get("code") or {}
    version = f"commit {code.get('commit')}"
    if code.get("modified_files"):
        version += f" + {code['modified_files']} modified files"
    table.text(f"csms: {results.get('variant', 'as shipped')}; {version}")
    table.rule()
    for scenario in results["scenarios"]:
        table.text(scenario["title"])
        _scenario_rows(table, scenario["key"], scenario.get("baseline"), scenario.get("csms"))
    table.rule()
    return "\n".join(table.lines)


def profile_text(profiles: dict[str, Any] | None, top: int = 8) -> str:
    if not profiles:
        return ""
    lines = [
        f"py-spy profile under scenario (a) ({profiles.get('calls_per_second_while_profiled')} calls/s):"
    ]
    for name in ("gateway", "ocpp-handler", "shadow"):
        profile = profiles.get(name)
        if not isinstance(profile, dict) or "own" not in profile:
            lines.append(f"  {name}: {profile}")
            continue
        lines.append(f"  {name}: busy {profile['busy_percent']}% of one core; own time by library:")
        lines.extend(f"    {entry['percent']:5.1f}%  {entry['frame']}" for entry in profile["own_by_library"])
        lines.append("   top functions (own time):")
        lines.extend(f"    {entry['percent']:5.1f}%  {entry['frame']}" for entry in profile["own"][:top])
    return "\n".join(lines)


# ------------------------------------------------------------------- capacity


def scrape_counters(metrics_url: str) -> dict[str, float]:
    """The csms_* counters and gauges of a service's /metrics (no histogram buckets), summed by name."""
    try:
        with urllib.request.urlopen(metrics_url, timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return {}
    values: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("csms_") or "_bucket" in line or "_created" in line:
            continue
        name_labels, _, value = line.rpartition(" ")
        try:
            values[name_labels] = float(value)
        except ValueError:
            continue
    return values


def counter_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """What changed in a run: counters as differences, gauges as their final value; zeros left out."""
    changed: dict[str, float] = {}
    for key, value in after.items():
        name = key.split("{", 1)[0]
        is_counter = name.endswith(("_total", "_count", "_sum"))
        delta = value - before.get(key, 0.0) if is_counter else value
        if delta:
            changed[key] = round(delta, 4)
    return changed


def scrape_gauge(metrics_url: str, name: str) -> float | None:
    try:
        with urllib.request.urlopen(metrics_url, timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return None
    total = 0.0
    found = False
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            with contextlib.suppress(ValueError):
                total += float(line.rsplit(" ", 1)[1])
                found = True
    return total if found else None


def idle_load_arguments(rate: float, hold: float) -> tuple[str, ...]:
    """The generator's options for idle stations held by heartbeats (capacity runs)."""
    return (
        "--rate",
        f"{rate:g}",
        "--mix",
        "heartbeat",
        "--call-timeout",
        "30",
        "--connect-timeout",
        "30",
        "--hold",
        f"{hold:g}",
    )


def run_capacity(arguments: argparse.Namespace) -> int:
    variant = Variant.from_arguments(arguments)
    stations: int = arguments.stations
    file_limit = net.raise_file_limit()
    log(f"file descriptors: {file_limit.soft}/{file_limit.hard} ({file_limit.note}); children inherit them")
    processes = arguments.processes or (1 if stations <= 2000 else 2)
    ramp = arguments.ramp
    call_rate: float = arguments.rate
    hold = arguments.hold
    duration = stations / ramp + hold
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="csms-bench-") as directory:
        workdir = Path(directory)
        # Registration is set-up, not measurement; the API's gevent workers take concurrent requests
        # without a thread count to raise.
        extra: dict[str, dict[str, str]] = {}
        with full_system(workdir, variant, extra) as (system, trees):
            gateway = system.processes["gateway"]
            limits = procstats.file_limits(gateway.pid)
            log(f"gateway pid {gateway.pid}, RLIMIT_NOFILE {limits}; registering {stations} stations")
            if limits is not None and stations + 64 > limits[0]:
                log(
                    f"WARNING: the gateway may open only {limits[0]} files; {stations} connections plus its "
                    "own sockets need more (raise the hard limit: ulimit -Hn, or CAP_SYS_RESOURCE)"
                )
            registration = register_stations(
                system.api_url,
                infra.API_TOKEN,
                [f"bench-{index:05d}" for index in range(stations)],
                concurrency=32,
            )
            log(f"registered {registration['registered']} in {registration['seconds']} s")
            time.sleep(1)
            idle_rss = procstats.rss_kb(gateway.pid) or 0
            scenario = Scenario(
                "capacity",
                f"capacity: {stations} stations x {call_rate:g} calls/s on one gateway",
                stations,
                idle_load_arguments(call_rate, hold),
                duration,
            )
            series: list[tuple[float, int, float | None]] = []
            metrics_url = f"{gateway.url}/metrics"
            stop_sampling = threading.Event()

            def sample_gateway() -> None:
                while not stop_sampling.wait(2.0):
                    series.append(
                        (
                            time.monotonic(),
                            procstats.rss_kb(gateway.pid) or 0,
                            scrape_gauge(metrics_url, "csms_gateway_connected_stations"),
                        )
                    )

            sampler_thread = threading.Thread(target=sample_gateway, daemon=True)
            sampler_thread.start()
            log(f"{scenario.title}: ramp {ramp:g}/s, hold {hold:g} s, {processes} generator process(es)")
            try:
                report = run_generator(
                    scenario,
                    system.gateway_url,
                    trees,
                    workdir,
                    "capacity",
                    ramp=ramp,
                    processes=processes,
                )
            finally:
                stop_sampling.set()
                sampler_thread.join(timeout=5)
                keep_logs(workdir)
    # The gateway's RSS when it held the most connections (its own gauge), against its idle RSS.
    measured = [(gauge, rss) for _, rss, gauge in series if gauge is not None]
    peak_connected, held_rss = max(measured, default=(0.0, max((rss for _, rss, _ in series), default=0)))
    connected = int(peak_connected) or report["held"]
    per_1k_total = held_rss / 1024 / connected * 1000 if connected else None
    per_1k_marginal = (held_rss - idle_rss) / 1024 / connected * 1000 if connected else None
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "machine": platform.platform(),
        "variant": variant.describe(),
        "code": code_version(),
        "stations": stations,
        "rate_per_station": call_rate,
        "ramp_per_second": ramp,
        "hold_seconds": hold,
        "generator_processes": processes,
        "file_limit_runner": file_limit.as_dict(),
        "gateway_file_limit": limits,
        "registration": registration,
        "gateway_idle_rss_mb": round(idle_rss / 1024, 1),
        "gateway_rss_at_peak_mb": round(held_rss / 1024, 1),
        "gateway_peak_connected": peak_connected,
        "mb_per_1k_connections_total": round(per_1k_total, 2) if per_1k_total else None,
        "mb_per_1k_connections_marginal": round(per_1k_marginal, 2) if per_1k_marginal else None,
        "generator": report,
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    rtt = report["round_trip_ms"]
    met = per_1k_marginal is not None and per_1k_marginal <= TARGET_MB_PER_1K and connected >= stations
    verdict = "met" if met else "see README"
    errors = f"{report['errors']} {report['error_codes'] or ''}".strip()
    text = "\n".join(
        [
            f"make bench-capacity {result['date']} {result['cpu_count']} cores: "
            f"{stations} stations x {call_rate:g} calls/s, one gateway process",
            f"  system              {variant.describe()}",
            f"  connections held    {report['held']}/{stations} (gateway gauge peak {peak_connected:.0f}); "
            f"connect failures {report['connect_failures']} {report['connect_errors'] or ''}",
            f"  file descriptors    runner {file_limit.soft}/{file_limit.hard} ({file_limit.note}); "
            f"gateway {limits}",
            f"  registration        {registration['registered']} in {registration['seconds']} s "
            f"({registration['per_second']}/s)",
            f"  connect time        p50 {_num(report['connect_ms']['p50_ms'], 2)} ms, "
            f"p99 {_num(report['connect_ms']['p99_ms'], 2)} ms, ramp {report['ramp_seconds']} s",
            f"  gateway RSS         idle {idle_rss / 1024:.1f} MB, with connections {held_rss / 1024:.1f} MB",
            f"  MB per 1,000 conns  {_num(per_1k_marginal, 2)} marginal (RSS growth / connections), "
            f"{_num(per_1k_total, 2)} total RSS / connections (target <= {TARGET_MB_PER_1K:g}: {verdict})",
            f"  calls/s             {report['calls_per_second']} (round trip "
            f"p50 {_num(rtt['p50_ms'], 2)}, p99 {_num(rtt['p99_ms'], 2)}, max {_num(rtt['max_ms'], 2)} ms)",
            f"  errors / timeouts   {errors} / {report['timeouts']}; disconnects {report['disconnects']}",
            "  CPU s / peak RSS MB "
            + ", ".join(
                f"{name} {usage['cpu_seconds']:.1f}/{usage['peak_rss_mb']:.0f}"
                for name, usage in report["processes"].items()
            ),
        ]
    )
    print(text, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = f"-{arguments.tag}" if arguments.tag else ""
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-{os.cpu_count()}cores-capacity-{stations}{tag}.json"
    result["table"] = text
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}", flush=True)
    return 0


# ----------------------------------------------------------------------- main


def code_version() -> dict[str, Any]:
    """The commit measured and how many files the system runs (services, libs, scripts) differed from it.

    Read-only git commands only.
    """
    root = Path(__file__).resolve().parent.parent

    def git(*arguments: str) -> str:
        try:
            result = subprocess.run(
                ["git", *arguments], cwd=root, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return result.stdout.strip() if result.returncode == 0 else ""

    status = git("status", "--porcelain", "--untracked-files=no", "--", "services", "libs", "scripts")
    changed = [line for line in status.splitlines() if line]
    return {"commit": git("rev-parse", "--short", "HEAD") or None, "modified_files": len(changed)}


def keep_logs(workdir: Path) -> None:
    """The last run's service logs and generator reports, in bench/results/last-run.tmp/ (git-ignored)."""
    target = RESULTS / "last-run.tmp"
    with contextlib.suppress(OSError):
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True, exist_ok=True)
        for path in workdir.iterdir():
            if path.suffix in (".log", ".json", ".conf", ".txt") and path.is_file():
                shutil.copy(path, target / path.name)


def run_bench(arguments: argparse.Namespace) -> int:
    scale_name: str = arguments.scale
    scale = SCALES[scale_name]
    variant = Variant.from_arguments(arguments)
    selected = [scenario for scenario in scenarios(scale) if scenario.key in arguments.only]
    file_limit = net.raise_file_limit()
    started = time.monotonic()
    now = datetime.now(UTC)
    log(f"system variant: {variant.describe()}")
    with tempfile.TemporaryDirectory(prefix="csms-bench-") as directory:
        workdir = Path(directory)
        try:
            baseline_reports = {} if arguments.no_baseline else run_baseline(selected, workdir, scale)
            csms_reports, profiles = run_system(selected, workdir, scale, arguments.profile, variant)
        finally:
            keep_logs(workdir)
    results: dict[str, Any] = {
        "date": now.isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "scale": scale_name,
        "variant": variant.describe(),
        "code": code_version(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "file_limit": file_limit.as_dict(),
        "scenarios": [
            {
                "key": scenario.key,
                "title": scenario.title,
                "baseline": baseline_reports.get(scenario.key),
                "csms": csms_reports.get(scenario.key),
            }
            for scenario in selected
        ],
        "profiles": profiles,
    }
    table = build_table(results)
    results["table"] = table
    results["elapsed_seconds"] = round(time.monotonic() - started, 1)
    print(table, flush=True)
    if profiles:
        print(profile_text(profiles), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = ("" if scale_name == "full" else f"-{scale_name}") + (
        f"-{arguments.tag}" if arguments.tag else ""
    )
    path = RESULTS / f"{now:%Y-%m-%d}-{os.cpu_count()}cores{suffix}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    path.with_suffix(".txt").write_text(table + "\n" + profile_text(profiles) + "\n")
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    print(f"results: {shown} (took {results['elapsed_seconds']:.0f} s)", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="make bench / make bench-capacity (see bench/README.md)"
    )
    parser.add_argument(
        "--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE", "full") or "full"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["throughput", "latency", "light", "remote_start"],
        default=["throughput", "latency", "light", "remote_start"],
        help="run only these scenarios",
    )
    parser.add_argument("--profile", action="store_true", help="also profile the services with py-spy")
    parser.add_argument(
        "--redis-query",
        default=os.environ.get("BENCH_REDIS_QUERY", ""),
        help="variant: appended to the services' REDIS_URL, e.g. max_connections=1000 [none]",
    )
    parser.add_argument(
        "--service-env",
        action="append",
        default=os.environ.get("BENCH_SERVICE_ENV", "").split(),
        metavar="NAME=VALUE",
        help="variant: extra environment variable for every service (repeatable)",
    )
    parser.add_argument(
        "--mosquitto",
        action="append",
        default=[line for line in os.environ.get("BENCH_MOSQUITTO", "").split(";") if line.strip()],
        metavar="LINE",
        help="variant: extra mosquitto.conf line such as 'set_tcp_nodelay true' (env BENCH_MOSQUITTO)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="run only the system (variants)")
    parser.add_argument("--tag", default="", help="suffix of the results file name (e.g. a variant's name)")
    parser.add_argument("--capacity", action="store_true", help="the capacity run instead of the comparison")
    parser.add_argument("--stations", type=int, default=5000, help="capacity: stations to hold [5000]")
    parser.add_argument("--ramp", type=float, default=50.0, help="capacity: connections per second [50]")
    parser.add_argument("--rate", type=float, default=0.1, help="capacity: calls/s per station [0.1]")
    parser.add_argument("--hold", type=float, default=30.0, help="capacity: seconds to hold them all [30]")
    parser.add_argument("--processes", type=int, default=0, help="capacity: generator processes [auto]")
    arguments = parser.parse_args(argv)
    if arguments.scale not in SCALES:
        parser.error(f"BENCH_SCALE must be one of {', '.join(SCALES)}")
    QUIET.max_wait = float(os.environ.get("BENCH_QUIET_WAIT", QUIET_MAX_WAIT.get(arguments.scale, 20.0)))
    if arguments.capacity:
        return run_capacity(arguments)
    return run_bench(arguments)


if __name__ == "__main__":
    sys.exit(main())
