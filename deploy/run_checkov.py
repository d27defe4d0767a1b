#!/usr/bin/env python3
"""Run checkov on rendered manifests and print one summary line per render (plus the skips and their reasons).

    run_checkov.py --checkov .tools/venv-checkov/bin/checkov --config deploy/checkov.yaml RENDER...

Fails when any check fails. Every skip must carry a written reason (a `checkov.io/skipN: CHECK=reason`
annotation); a skip without one fails too.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("renders", nargs="+")
    parser.add_argument("--checkov", required=True)
    parser.add_argument("--config", required=True)
    arguments = parser.parse_args()

    # Files, not a directory: checkov ignores directories whose path has a hidden component such as .tools/.
    files = [argument for render in arguments.renders for argument in ("-f", render)]
    result = subprocess.run(
        [arguments.checkov, "--config-file", arguments.config, *files, "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
        print("checkov: no JSON report (see above)", file=sys.stderr)
        return 1
    reports = report if isinstance(report, list) else [report]
    results = collections.defaultdict(lambda: {"passed": 0, "failed": [], "skipped": []})
    for part in reports:
        checks = part.get("results", {})
        for kind in ("passed_checks", "failed_checks", "skipped_checks"):
            for check in checks.get(kind, []):
                render = Path(check.get("file_path", "?")).name
                entry = results[render]
                if kind == "passed_checks":
                    entry["passed"] += 1
                elif kind == "failed_checks":
                    entry["failed"].append(check)
                else:
                    entry["skipped"].append(check)
    status = 0
    reasons: dict[str, dict[str, set[str]]] = collections.defaultdict(lambda: collections.defaultdict(set))
    for render in sorted(results):
        entry = results[render]
        print(
            f"checkov: {render}: {entry['passed']} passed, {len(entry['failed'])} failed,"
            f" {len(entry['skipped'])} skipped"
        )
        for check in entry["failed"]:
            status = 1
            print(f"  FAILED {check['check_id']} {check['check_name']}: {check['resource']}", file=sys.stderr)
        for check in entry["skipped"]:
            reason = ((check.get("check_result") or {}).get("suppress_comment") or "").strip()
            if not reason or reason == "No comment provided":
                status = 1
                print(f"  SKIPPED WITHOUT A REASON {check['check_id']}: {check['resource']}", file=sys.stderr)
            reasons[check["check_id"]][reason].add(f"{render}:{check['resource']}")
    if not results:
        print("checkov: no results (did the renders contain Kubernetes objects?)", file=sys.stderr)
        return 1
    for check_id in sorted(reasons):
        by_reason = reasons[check_id]
        count = sum(len(objects) for objects in by_reason.values())
        first = min(by_reason, key=len)
        more = f" (+{len(by_reason) - 1} similar reasons)" if len(by_reason) > 1 else ""
        print(f"checkov: skipped {check_id} on {count} objects: {first}{more}")
    total_passed = sum(entry["passed"] for entry in results.values())
    total_failed = sum(len(entry["failed"]) for entry in results.values())
    total_skipped = sum(len(entry["skipped"]) for entry in results.values())
    print(
        f"checkov: total {total_passed} passed, {total_failed} failed,"
        f" {total_skipped} skipped (each with a reason)"
    )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
