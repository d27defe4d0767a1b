"""Generate TypedDicts of every OCPP message from the official JSON schemas the ocpp library ships.

One module per version under ``libs/csms-common/csms_common/ocpp/types/`` (v16, v201, v21):
``{Action}Request`` and ``{Action}Response`` for every action, the objects they contain
(2.x definitions keep their names, such as ``ChargingStationType``; 1.6's inline objects
are named after their path, such as ``MeterValuesRequestMeterValue``) and every enum as a
``Literal``. TypedDicts are plain dicts at run time: the types cost nothing, and mypy checks
that a handler builds its action's reply and reads only fields its request has.

    python scripts/generate_ocpp_types.py          # rewrite the modules
    python scripts/generate_ocpp_types.py --check  # exit 1 if a checked-in module is stale

tests/unit/csms_common/test_ocpp_types.py fails when the checked-in files differ from this
script's output (after an upgrade of the ocpp library, say).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import keyword
import re
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TYPES_DIRECTORY = ROOT / "libs" / "csms-common" / "csms_common" / "ocpp" / "types"
VERSIONS = {"v16": "1.6", "v201": "2.0.1", "v21": "2.1"}
"""Module name (also the ocpp library's schema directory) → the OCPP version it holds."""

LINE_LENGTH = 110
_IGNORED_KEYWORDS = {"description", "javaType", "comment", "$schema", "$id", "id", "title", "tsEnumNames"}


class SchemaNotSupported(ValueError):
    """A schema uses a construct this generator does not translate."""


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _skeleton(schema: Any, definitions: dict[str, Any], depth: int = 0) -> Any:
    """The schema with references resolved and prose removed: equal skeletons are the same type."""
    if depth > 30:
        raise SchemaNotSupported("references nest deeper than 30 levels (a recursive type?)")
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _skeleton(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions, depth + 1)
        return {
            key: _skeleton(value, definitions, depth)
            for key, value in sorted(schema.items())
            if key not in _IGNORED_KEYWORDS
        }
    if isinstance(schema, list):
        return [_skeleton(item, definitions, depth) for item in schema]
    return schema


@dataclass
class ModuleWriter:
    """Collects the aliases and classes of one version's module, sharing equal types by name."""

    version: str
    aliases: dict[str, str] = field(default_factory=dict)
    classes: dict[str, list[str]] = field(default_factory=dict)
    skeletons: dict[str, str] = field(default_factory=dict)

    def _claim(self, name: str, skeleton: Any, fallback: str) -> tuple[str, bool]:
        """(the name to use, whether it still has to be written) for a type of this skeleton."""
        key = json.dumps(skeleton, sort_keys=True, default=str)
        for candidate in (name, fallback):
            known = self.skeletons.get(candidate)
            if known is None:
                self.skeletons[candidate] = key
                return candidate, True
            if known == key:
                return candidate, False
        raise SchemaNotSupported(f"{name} and {fallback} both name different types")

    def type_of(self, schema: dict[str, Any], hint: str, definitions: dict[str, Any], prefix: str) -> str:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return self.named(name, definitions[name], definitions, prefix)
        if "enum" in schema:
            return self.named(hint, schema, definitions, prefix)
        kind = schema.get("type")
        if kind == "object":
            if schema.get("properties"):
                return self.named(hint, schema, definitions, prefix)
            return "dict[str, Any]"
        if kind == "array":
            return f"list[{self.type_of(schema.get('items', {}), hint, definitions, prefix)}]"
        simple = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
        if isinstance(kind, str) and kind in simple:
            return simple[kind]
        if kind is None:  # any JSON value, such as DataTransfer's data
            return "Any"
        raise SchemaNotSupported(f"{hint}: type {kind!r}")

    def named(self, name: str, schema: dict[str, Any], definitions: dict[str, Any], prefix: str) -> str:
        """A named type (enum alias or TypedDict); equal types of one name are written once."""
        chosen, new = self._claim(name, _skeleton(schema, definitions), prefix + name)
        if not new:
            return chosen
        if "enum" in schema:
            self.aliases[chosen] = _literal(chosen, schema["enum"])
        else:
            self.classes[chosen] = self._fields(chosen, schema, definitions, prefix)
        return chosen

    def _fields(
        self, name: str, schema: dict[str, Any], definitions: dict[str, Any], prefix: str
    ) -> list[str]:
        required = set(schema.get("required", ()))
        lines = []
        for key, value in schema.get("properties", {}).items():
            if not key.isidentifier() or keyword.iskeyword(key):
                raise SchemaNotSupported(f"{name}.{key} is not a Python identifier")
            annotation = self.type_of(value, name + _pascal(key), definitions, prefix)
            lines.append(f"    {key}: {annotation if key in required else f'NotRequired[{annotation}]'}")
        return lines or ["    pass"]

    def add_message(self, class_name: str, schema: dict[str, Any]) -> None:
        definitions = schema.get("definitions", {})
        prefix = class_name
        self.named(class_name, schema, definitions, prefix)

    def render(self, ocpp_version: str) -> str:
        version = VERSIONS[self.version]
        body: list[str] = [self.aliases[name] for name in sorted(self.aliases)]
        for name in sorted(self.classes):
            body += ["", "", f"class {name}(TypedDict):", *self.classes[name]]
        text = "\n".join(body)
        imported = [name for name in ("Any", "Literal", "NotRequired") if re.search(rf"\b{name}\[?", text)]
        lines = [
            f'"""OCPP {version} messages as TypedDicts: every action\'s request and response.',
            "",
            "Generated by scripts/generate_ocpp_types.py from the JSON schemas of the ocpp library",
            f"{ocpp_version}; do not edit (tests/unit/csms_common/test_ocpp_types.py checks it is current).",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            f"from typing import {', '.join([*imported, 'TypedDict'])}",
            "",
            *body,
            "",
        ]
        return "\n".join(lines)


def _literal(name: str, values: list[Any]) -> str:
    members = [json.dumps(value) for value in values]
    one_line = f"{name} = Literal[{', '.join(members)}]"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    return "\n".join([f"{name} = Literal[", *(f"    {member}," for member in members), "]"])


def message_files(directory: str) -> list[tuple[str, Path]]:
    """(class name, schema file) per message: 1.6 names a request's file after the action alone."""
    files = []
    schema_directory = resources.files("ocpp") / directory / "schemas"
    for entry in sorted(schema_directory.iterdir(), key=lambda item: item.name):
        stem = entry.name.removesuffix(".json")
        if not entry.name.endswith(".json"):
            continue
        class_name = stem if re.search(r"(Request|Response)$", stem) else stem + "Request"
        files.append((class_name, Path(str(entry))))
    return files


def render(module: str) -> str:
    """The module's source, formatted as `ruff format` would."""
    writer = ModuleWriter(module)
    for class_name, path in message_files(module):
        writer.add_message(class_name, json.loads(path.read_text(encoding="utf-8-sig")))
    source = writer.render(importlib.metadata.version("ocpp"))
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", f"{module}.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return formatted.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale modules (exit 1)")
    arguments = parser.parse_args()
    stale = []
    for module in VERSIONS:
        path = TYPES_DIRECTORY / f"{module}.py"
        source = render(module)
        if path.exists() and path.read_text() == source:
            continue
        stale.append(path)
        if not arguments.check:
            path.write_text(source)
    for path in stale:
        print(f"{'stale' if arguments.check else 'wrote'} {path.relative_to(ROOT)}")
    return 1 if stale and arguments.check else 0


if __name__ == "__main__":
    sys.exit(main())
