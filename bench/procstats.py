"""CPU seconds and resident memory of running processes, from /proc (Linux only)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def parse_stat(text: str) -> tuple[int, float]:
    """(parent pid, CPU seconds user+system) from the text of /proc/<pid>/stat.

    The command name (field 2) may contain spaces and parentheses, so fields are counted after
    the last ')'.
    """
    rest = text[text.rindex(")") + 2 :].split()
    # rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    parent = int(rest[1])
    ticks = int(rest[11]) + int(rest[12])
    return parent, ticks / CLOCK_TICKS


def parse_status_kb(text: str, key: str) -> int | None:
    """A ``kB`` value such as VmRSS or VmHWM from the text of /proc/<pid>/status."""
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def _read(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    text = _read(f"/proc/{pid}/stat")
    return None if text is None else parse_stat(text)[1]


def rss_kb(pid: int) -> int | None:
    text = _read(f"/proc/{pid}/status")
    return None if text is None else parse_status_kb(text, "VmRSS")


def hwm_kb(pid: int) -> int | None:
    text = _read(f"/proc/{pid}/status")
    return None if text is None else parse_status_kb(text, "VmHWM")


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (``echo 5 > /proc/PID/clear_refs``); False where not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (gunicorn's worker, the generator's workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        text = _read(f"/proc/{entry}/stat")
        if text is None:
            continue
        with contextlib.suppress(ValueError, IndexError):
            parent, _ = parse_stat(text)
            children.setdefault(parent, []).append(int(entry))
    found = [pid]
    index = 0
    while index < len(found):
        found.extend(children.get(found[index], []))
        index += 1
    return found


def file_limits(pid: int) -> tuple[int, int] | None:
    """(soft, hard) RLIMIT_NOFILE of a running process."""
    text = _read(f"/proc/{pid}/limits")
    if text is None:
        return None
    for line in text.splitlines():
        if line.startswith("Max open files"):
            parts = line.split()
            return int(parts[3]), int(parts[4])
    return None


@dataclass
class Usage:
    """One named process tree over a measured interval."""

    name: str
    cpu_seconds: float = 0.0
    peak_rss_kb: int = 0
    last_rss_kb: int = 0
    pids: list[int] = field(default_factory=list)

    def as_dict(self, stations: int | None = None) -> dict[str, float | int | None]:
        per = 1000 / stations if stations else None
        return {
            "cpu_seconds": round(self.cpu_seconds, 3),
            "peak_rss_mb": round(self.peak_rss_kb / 1024, 1),
            "cpu_seconds_per_1k_stations": round(self.cpu_seconds * per, 3) if per else None,
            "peak_rss_mb_per_1k_stations": round(self.peak_rss_kb / 1024 * per, 1) if per else None,
        }


class Sampler:
    """Measures named process trees between ``start`` and ``stop``: CPU deltas, peak RSS.

    Peak RSS is the larger of a 0.25 s sampling of VmRSS and VmHWM (reset at ``start`` where
    /proc/PID/clear_refs allows it), summed over a tree's processes.
    """

    def __init__(self, trees: dict[str, int], interval: float = 0.25) -> None:
        self._roots = dict(trees)
        self._interval = interval
        self._start_cpu: dict[int, float] = {}
        self._end_cpu: dict[int, float] = {}
        self._peak: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._pids: dict[str, list[int]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _refresh(self) -> None:
        for name, root in self._roots.items():
            known = self._pids.setdefault(name, [])
            for pid in descendants(root):
                if pid not in known:
                    known.append(pid)
                    self._start_cpu.setdefault(pid, cpu_seconds(pid) or 0.0)
                    reset_peak(pid)

    def _sample(self) -> None:
        for pids in self._pids.values():
            for pid in pids:
                rss = rss_kb(pid)
                if rss is None:
                    continue
                self._last[pid] = rss
                self._peak[pid] = max(self._peak.get(pid, 0), rss, hwm_kb(pid) or 0)
                cpu = cpu_seconds(pid)
                if cpu is not None:
                    self._end_cpu[pid] = cpu

    def start(self) -> None:
        self._refresh()
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        rounds = 0
        while not self._stop.wait(self._interval):
            rounds += 1
            if rounds % 8 == 0:
                self._refresh()
            self._sample()

    def stop(self) -> dict[str, Usage]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._sample()
        usages: dict[str, Usage] = {}
        for name, pids in self._pids.items():
            usage = Usage(name, pids=list(pids))
            for pid in pids:
                usage.cpu_seconds += max(0.0, self._end_cpu.get(pid, 0.0) - self._start_cpu.get(pid, 0.0))
                usage.peak_rss_kb += self._peak.get(pid, 0)
                usage.last_rss_kb += self._last.get(pid, 0)
            usages[name] = usage
        return usages

    def current_rss_kb(self, name: str) -> int:
        return sum(rss_kb(pid) or 0 for pid in self._pids.get(name, []))


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (/proc/stat: user+nice+system+irq+softirq+steal)."""
    text = _read("/proc/stat") or ""
    for line in text.splitlines():
        if line.startswith("cpu "):
            values = [int(part) for part in line.split()[1:]]
            # user nice system idle iowait irq softirq steal
            busy = (
                values[0]
                + values[1]
                + values[2]
                + values[5]
                + values[6]
                + (values[7] if len(values) > 7 else 0)
            )
            return busy / CLOCK_TICKS
    return 0.0


def wait_for_quiet(
    max_busy_cores: float, max_wait: float, interval: float = 1.0, *, own: float = 0.0
) -> tuple[float, float]:
    """Wait (at most ``max_wait`` s) until the machine's busy cores over ``interval`` drop below the limit.

    ``own`` is a busy level that is ours (e.g. idle services). Returns (busy cores last seen, seconds waited).
    """
    started = time.monotonic()
    busy = 0.0
    while True:
        before = machine_busy_seconds()
        time.sleep(interval)
        busy = (machine_busy_seconds() - before) / interval
        waited = time.monotonic() - started
        if busy - own <= max_busy_cores or waited >= max_wait:
            return busy, waited
