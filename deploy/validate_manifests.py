#!/usr/bin/env python3
"""Schema-validate rendered manifests, or write the committed plain manifests.

Validate (run with the kubernetes-validate virtualenv's Python):
    validate_manifests.py --kubernetes-validate .tools/.../kubernetes-validate --oldest 1.29.0 RENDER...
  splits every rendered file into its objects, drops the custom resources whose schemas kubernetes-validate
  does not ship (Prometheus Operator's ServiceMonitor and PrometheusRule) and says so, then runs
  `kubernetes-validate --strict` against the oldest supported Kubernetes version and the newest one the
  installed kubernetes-validate knows.

Write (standard library only):
    validate_manifests.py --header deploy/k8s/values.yaml --write deploy/k8s/csms.yaml RENDER
  writes one render with a header naming its source, for deploy/k8s/.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# API groups of custom resources: kubernetes-validate has no schema for them; skipped (and counted).
CUSTOM_RESOURCE_GROUPS = ("monitoring.coreos.com/",)


def documents(text: str) -> list[str]:
    """The YAML documents of a multi-document file that contain an object (not only comments)."""
    parts = re.split(r"^---\s*$", text, flags=re.MULTILINE)
    return [part.strip("\n") + "\n" for part in parts if re.search(r"^kind:", part, flags=re.MULTILINE)]


def field(document: str, name: str) -> str:
    match = re.search(rf"^{name}:\s*(\S+)", document, flags=re.MULTILINE)
    return match.group(1) if match else "?"


def object_name(document: str) -> str:
    match = re.search(r"^metadata:\n(?:[ ].*\n)*?  name:\s*(\S+)", document, flags=re.MULTILINE)
    return match.group(1) if match else "?"


def newest_version() -> str:
    from kubernetes_validate import utils  # the kubernetes-validate virtualenv

    return str(utils.latest_version())


def validate(arguments: argparse.Namespace) -> int:
    versions = [arguments.oldest, arguments.newest or newest_version()]
    skipped: collections.Counter[str] = collections.Counter()
    total = 0
    with tempfile.TemporaryDirectory(prefix="csms-validate-") as scratch:
        files: list[str] = []
        for render in arguments.renders:
            kept: list[str] = []
            for document in documents(Path(render).read_text()):
                if field(document, "apiVersion").startswith(CUSTOM_RESOURCE_GROUPS):
                    skipped[field(document, "kind")] += 1
                    continue
                kept.append(document)
            target = Path(scratch) / Path(render).name
            target.write_text("---\n".join(kept))
            files.append(str(target))
            total += len(kept)
        for version in versions:
            result = subprocess.run(
                [arguments.kubernetes_validate, "--strict", "--quiet", "-k", version, *files],
                capture_output=True,
                text=True,
                check=False,
            )
            output = (result.stdout + result.stderr).strip()
            if result.returncode != 0 or "ERROR" in output:
                print(output)
                print(f"kubernetes-validate: FAILED against Kubernetes {version}", file=sys.stderr)
                return 1
            if output:
                print(output)
    renders = ", ".join(Path(render).stem for render in arguments.renders)
    print(
        f"kubernetes-validate: {total} manifests from {len(arguments.renders)} renders ({renders}) valid with"
        f" --strict against Kubernetes {' and '.join(versions)}"
    )
    if skipped:
        kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(skipped.items()))
        print(
            f"kubernetes-validate: skipped {sum(skipped.values())} custom resources ({kinds}):"
            " their CRD schemas (Prometheus Operator) are not shipped with kubernetes-validate"
        )
    return 0


def write(arguments: argparse.Namespace) -> int:
    (render,) = arguments.renders
    objects = documents(Path(render).read_text())
    header = (
        "# Plain Kubernetes manifests of csms, GENERATED from the Helm chart deploy/helm/csms with\n"
        f"# {arguments.header} (release csms, namespace csms): do not edit, run\n"
        "#   make -f deploy/deploy.mk deploy-k8s\n"
        "# `make -f deploy/deploy.mk deploy-k8s-check` fails when this file differs from the chart.\n"
        "# Create the Secrets listed in deploy/k8s/values.yaml first; this file contains no secret value.\n"
    )
    Path(arguments.write).write_text(header + "---\n" + "---\n".join(objects))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("renders", nargs="+", help="files written by helm template")
    parser.add_argument("--kubernetes-validate", help="path of the kubernetes-validate command")
    parser.add_argument("--oldest", default="1.29.0", help="oldest Kubernetes version to validate against")
    parser.add_argument("--newest", help="newest version (default: the newest kubernetes-validate ships)")
    parser.add_argument("--write", help="write the single render to this file instead of validating")
    parser.add_argument("--header", default="deploy/k8s/values.yaml", help="values file named in the header")
    arguments = parser.parse_args()
    if arguments.write:
        return write(arguments)
    if not arguments.kubernetes_validate:
        parser.error("--kubernetes-validate is required to validate")
    return validate(arguments)


if __name__ == "__main__":
    raise SystemExit(main())
