#!/usr/bin/env python3
"""Check that a rendered chart keeps the stations' and the services' traffic on TLS (docs/broker-trust.md).

On the chart's default render (and any other given with ``--strict``): the gateway's Service exposes wss
only (no plain ws port), the gateway runs its own TLS listener (so security profiles 2 and 3 work: TLS is
never terminated in front of it), EMQX exposes no plain MQTT port, and every service's MQTT_URL is
``mqtts://``. On every render: an Ingress for the gateway either passes TLS through to the wss port or
forwards to a plain ws port that the values enabled explicitly.

    python3 deploy/check_tls_defaults.py --strict .tools/render/default.yaml .tools/render/k8s.yaml \\
        .tools/render/external.yaml .tools/render/bundled-tls.yaml     (needs PyYAML)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml


def documents(path: Path) -> Iterator[dict[str, Any]]:
    for document in yaml.safe_load_all(path.read_text()):
        if isinstance(document, dict):
            yield document


def component(document: dict[str, Any]) -> str:
    labels = document.get("metadata", {}).get("labels", {}) or {}
    return str(labels.get("app.kubernetes.io/component", ""))


def containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    spec = document.get("spec", {}).get("template", {}).get("spec", {})
    return list(spec.get("containers", []))


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {variable["name"]: variable.get("value") for variable in container.get("env", [])}


def problems(path: Path, strict: bool) -> list[str]:
    found: list[str] = []
    docs = list(documents(path))
    for document in docs:
        kind, name = document.get("kind"), document.get("metadata", {}).get("name", "?")
        if kind == "Service" and component(document) == "gateway" and not name.endswith("-metrics"):
            ports = {port.get("name") for port in document["spec"].get("ports", [])}
            if strict and ports != {"wss"}:
                found.append(f"Service {name} exposes {sorted(ports)}, not wss alone")
        emqx_ports = {port.get("name") for port in document.get("spec", {}).get("ports", []) or []}
        if strict and kind == "Service" and component(document) == "emqx" and "mqtt" in emqx_ports:
            found.append(f"Service {name} exposes plain MQTT")
        if kind in ("Deployment", "StatefulSet"):
            for container in containers(document):
                env = env_of(container)
                url = env.get("MQTT_URL")
                if strict and isinstance(url, str) and not url.startswith("mqtts://"):
                    found.append(f"{kind} {name}: MQTT_URL {url} is not TLS")
                if strict and component(document) == "gateway" and not env.get("GATEWAY_TLS_PORT"):
                    found.append(f"{kind} {name}: the gateway has no TLS listener")
        if kind == "Ingress" and component(document) == "gateway":
            annotations = document.get("metadata", {}).get("annotations", {}) or {}
            backend_ports = {
                path_rule["backend"]["service"]["port"]["name"]
                for rule in document["spec"].get("rules", [])
                for path_rule in rule.get("http", {}).get("paths", [])
            }
            passthrough = annotations.get("nginx.ingress.kubernetes.io/ssl-passthrough") == "true"
            if passthrough and backend_ports != {"wss"}:
                found.append(f"Ingress {name} passes TLS through to {sorted(backend_ports)}, not wss")
            if not passthrough and backend_ports != {"ws"}:
                found.append(f"Ingress {name} terminates TLS but forwards to {sorted(backend_ports)}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--strict", type=Path, action="append", default=[], help="a render held to the defaults"
    )
    parser.add_argument("renders", type=Path, nargs="*", help="other renders (Ingress consistency only)")
    arguments = parser.parse_args()
    failures = [
        f"{path.name}: {problem}"
        for path, strict in [*((p, True) for p in arguments.strict), *((p, False) for p in arguments.renders)]
        for problem in problems(path, strict)
    ]
    for failure in failures:
        print(f"tls defaults: {failure}", file=sys.stderr)
    if failures:
        return 1
    strict_names = ", ".join(path.stem for path in arguments.strict)
    renders = len(arguments.strict) + len(arguments.renders)
    print(
        f"tls defaults: {strict_names}: stations reach the gateway over wss only (TLS in the gateway), "
        f"services reach EMQX over mqtts only; gateway Ingresses consistent in {renders} renders"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
