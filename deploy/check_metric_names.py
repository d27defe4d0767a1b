#!/usr/bin/env python3
"""Check that every metric the dashboard and the alerts query is one the services export.

The exported names are read statically (``ast``) from ``services/*/csms_*/metrics.py`` and
``libs/csms-common/csms_common/metrics.py``: each ``Counter``/``Gauge``/``Histogram``/``Summary`` call with a
literal name. On the wire a counter ``x`` is ``x_total``, a histogram ``x`` is
``x_bucket``/``x_sum``/``x_count``, a summary ``x`` is ``x``/``x_sum``/``x_count``. Every PromQL
expression of ``dashboard.json`` (targets and template queries) and of ``alerts.yaml`` must name at least
one such series and no other metric.

    python3 deploy/check_metric_names.py               # the check (standard library only)
    .venv/bin/python deploy/check_metric_names.py --exposition
        # prints what /metrics of the four services serves (imports their metrics modules), for
        # `promtool check metrics`; fails if the static reading and the real registry disagree
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "deploy" / "helm" / "csms" / "files"
METRIC_TYPES = {"Counter", "Gauge", "Histogram", "Summary", "Info", "Enum"}

# PromQL words that are not metric names: functions, aggregations, keywords.
PROMQL_WORDS = {
    "sum",
    "min",
    "max",
    "avg",
    "count",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "group",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "offset",
    "bool",
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "deriv",
    "predict_linear",
    "histogram_quantile",
    "abs",
    "absent",
    "absent_over_time",
    "ceil",
    "floor",
    "round",
    "clamp",
    "clamp_min",
    "clamp_max",
    "exp",
    "ln",
    "log2",
    "log10",
    "sqrt",
    "scalar",
    "vector",
    "sort",
    "sort_desc",
    "time",
    "timestamp",
    "label_replace",
    "label_join",
    "changes",
    "resets",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
    "quantile_over_time",
    "present_over_time",
    "label_values",
    "inf",
    "nan",
}


def metric_files() -> list[Path]:
    files = sorted(ROOT.glob("services/*/csms_*/metrics.py"))
    files += sorted(ROOT.glob("libs/csms-common/csms_common/metrics.py"))
    return files


def declared_metrics() -> dict[str, tuple[str, Path]]:
    """Metric name as declared → (type, file), read from the source without importing it."""
    declared: dict[str, tuple[str, Path]] = {}
    for path in metric_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            kind = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if kind not in METRIC_TYPES or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                declared[first.value] = (kind, path)
    return declared


def exported_series(declared: dict[str, tuple[str, Path]]) -> dict[str, str]:
    """Series names on the wire → the declared metric they belong to."""
    series: dict[str, str] = {}
    for name, (kind, _) in declared.items():
        if kind == "Counter":
            base = name.removesuffix("_total")
            series[f"{base}_total"] = name
        elif kind == "Histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                series[name + suffix] = name
        elif kind == "Summary":
            for suffix in ("", "_sum", "_count"):
                series[name + suffix] = name
        elif kind == "Info":
            series[f"{name}_info"] = name
        else:
            series[name] = name
    return series


def dashboard_expressions(path: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            title = node.get("title") or node.get("name") or where
            for key, value in node.items():
                if key in ("expr", "definition") and isinstance(value, str):
                    found.append((f"{path.name}: {title}", value))
                elif key == "query" and isinstance(value, str) and node.get("type") == "query":
                    found.append((f"{path.name}: variable {title}", value))
                else:
                    walk(value, str(title))
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(json.loads(path.read_text()), path.name)
    return found


def alert_expressions(path: Path) -> list[tuple[str, str]]:
    """The `expr` of every rule; a small reader for this plain rules file (no YAML library needed)."""
    found: list[tuple[str, str]] = []
    lines = path.read_text().splitlines()
    name = "?"
    i = 0
    while i < len(lines):
        line = lines[i]
        match = re.match(r"\s*-\s*(alert|record):\s*(\S+)", line)
        if match:
            name = match.group(2)
        match = re.match(r"(\s*)expr:\s*(.*)$", line)
        if match:
            indent, value = len(match.group(1)), match.group(2).strip()
            if value in ("|", "|-", ">", ">-"):
                block: list[str] = []
                i += 1
                while i < len(lines) and (
                    not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
                ):
                    block.append(lines[i].strip())
                    i += 1
                found.append((f"{path.name}: {name}", " ".join(block)))
                continue
            found.append((f"{path.name}: {name}", value.strip("'\"")))
        i += 1
    return found


def metric_names_in(expr: str) -> tuple[set[str], set[str]]:
    """(csms_* names, other identifiers used as a metric selector) in one PromQL expression."""
    text = re.sub(r"label_values\(([^,()]*),[^)]*\)", r"\1", expr)  # Grafana: label_values(metric, label)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)  # label values and strings
    text = re.sub(r"\{[^}]*\}", "{}", text)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)  # label lists
    text = re.sub(r"\$\w+|\$\{[^}]*\}|\[[^\]]*\]", "", text)  # Grafana variables, ranges
    text = re.sub(r"\b\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y)?\b", "", text)  # numbers and durations (offset 10m)
    names = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", text))
    words = {n for n in names if n.lower() not in PROMQL_WORDS and not re.fullmatch(r"[0-9eE]+", n)}
    return {n for n in words if n.startswith("csms_")}, {n for n in words if not n.startswith("csms_")}


def check() -> int:
    declared = declared_metrics()
    if not declared:
        print("metric names: no metric declarations found in the services' metrics modules", file=sys.stderr)
        return 1
    series = exported_series(declared)
    expressions = dashboard_expressions(FILES / "dashboard.json") + alert_expressions(FILES / "alerts.yaml")
    problems: list[str] = []
    used: set[str] = set()
    for where, expr in expressions:
        csms_names, others = metric_names_in(expr)
        for name in sorted(csms_names):
            if name in series:
                used.add(name)
            else:
                hint = ""
                if name in declared and declared[name][0] == "Histogram":
                    hint = " (a histogram: use _bucket, _sum or _count)"
                problems.append(f"{where}: {name} is not exported by any service{hint}")
        for name in sorted(others):
            problems.append(f"{where}: {name} is not a csms metric (only the services' metrics may be used)")
        if not csms_names:
            problems.append(f"{where}: no csms metric in {expr!r}")
    for problem in problems:
        print(f"metric names: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"metric names: {len(expressions)} expressions in dashboard.json and alerts.yaml"
        f" use {len(used)} series,"
        f" all exported ({len(declared)} metrics declared in {len(metric_files())} metrics modules)"
    )
    return 0


def exposition() -> int:
    """Print the services' /metrics exposition; the static reading must match the real registry."""
    import importlib

    from prometheus_client import REGISTRY, generate_latest

    for path in metric_files():
        module = ".".join(path.relative_to(path.parents[1]).with_suffix("").parts)
        importlib.import_module(module)
    registered = {metric.name for metric in REGISTRY.collect() if metric.name.startswith("csms_")}
    declared = {name.removesuffix("_total") for name, (kind, _) in declared_metrics().items()}
    if registered != declared:
        print(
            f"metric names: static reading {sorted(declared)} != registry {sorted(registered)}",
            file=sys.stderr,
        )
        return 1
    sys.stdout.write(generate_latest(REGISTRY).decode())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--exposition", action="store_true", help="print the services' metrics exposition")
    arguments = parser.parse_args()
    return exposition() if arguments.exposition else check()


if __name__ == "__main__":
    raise SystemExit(main())
