"""Every third-party package the code imports is declared in the pyproject.toml that owns the file.

Each `import`/`from` in the scanned trees is read with `ast` (also those under `if TYPE_CHECKING:` or in a
function), its top-level module mapped to the installed distribution(s) that provide it, and that
distribution looked for in the owning project's requirements:

- sdk/python/: the csms-sdk project's `dependencies` (it is installed on its own, without the services);
- services/, libs/: the csms project's `dependencies`;
- scripts/, bench/, tests/: the csms project's `dependencies` and the `dev` extra (`make venv`), plus the
  extra a file is only run with (OPTIONAL_EXTRA_OF). A module no installed distribution provides (an extra
  not installed) is taken to come from the distribution of its own name.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOT_PROJECT = ROOT / "pyproject.toml"
SDK_PROJECT = ROOT / "sdk" / "python" / "pyproject.toml"

FIRST_PARTY = frozenset(
    {"csms_common", "csms_gateway", "csms_handler", "csms_api", "csms_shadow", "csms_notifier", "csms_sdk"}
    | {"tests", "bench", "scripts"}
)
TOOLING = ("scripts", "bench", "tests")
SCANNED = ("services", "libs", "sdk/python", *TOOLING)
# Files run only after installing an optional extra (see the comments in pyproject.toml).
OPTIONAL_EXTRA_OF = {"scripts/charging_chart.py": "charts"}
# The SDK's own requirement on the services' side: the csms project's tooling (tests, scripts) drives the API
# through it; `make venv` installs it from sdk/python (not from an index), so the root project cannot list it.
INSTALLED_FROM_THE_TREE = {"csms-sdk"}
# Modules that exist only for type checkers (typeshed's), imported under `if TYPE_CHECKING:`.
TYPE_CHECKER_ONLY = frozenset({"_typeshed"})


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match is not None, requirement
    return normalized(match.group(1))


def project(path: Path) -> dict[str, object]:
    with path.open("rb") as file:
        document = tomllib.load(file)
    table = document["project"]
    assert isinstance(table, dict)
    return table


def declared(path: Path, extras: tuple[str, ...] = ()) -> frozenset[str]:
    table = project(path)
    requirements = list(table.get("dependencies", []))  # type: ignore[call-overload]
    optional = table.get("optional-dependencies", {})
    assert isinstance(optional, dict)
    for extra in extras:
        requirements += optional[extra]
    return frozenset(requirement_name(requirement) for requirement in requirements)


def allowed_for(relative: str) -> frozenset[str]:
    if relative.startswith("sdk/python/"):
        return declared(SDK_PROJECT)
    if relative.startswith(TOOLING):
        extra = OPTIONAL_EXTRA_OF.get(relative)
        extras = ("dev", extra) if extra else ("dev",)
        return declared(ROOT_PROJECT, extras) | INSTALLED_FROM_THE_TREE
    return declared(ROOT_PROJECT)


def source_files() -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if not {".venv", "node_modules", "build", "__pycache__"} & set(path.parts):
                yield path


def imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


def third_party(names: set[str]) -> set[str]:
    known = sys.stdlib_module_names | FIRST_PARTY | TYPE_CHECKER_ONLY
    return {name for name in names if name not in known}


def undeclared_imports() -> list[str]:
    providers = importlib.metadata.packages_distributions()
    problems = []
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        allowed = allowed_for(relative)
        for module in sorted(third_party(imported_top_levels(path))):
            # A module of an extra that is not installed (matplotlib without `charts`) is taken by its name.
            distributions = {normalized(name) for name in providers.get(module, [normalized(module)])}
            if not distributions & allowed:
                problems.append(
                    f"{relative}: {module} (from {', '.join(sorted(distributions))}) is not declared"
                )
    return problems


def test_every_imported_package_is_declared() -> None:
    assert undeclared_imports() == []


def test_the_scan_sees_the_imports() -> None:
    """The check could pass by reading nothing: it must find the services' and the SDK's known imports."""
    files = {path.relative_to(ROOT).as_posix() for path in source_files()}
    assert "services/gateway/csms_gateway/server.py" in files
    assert "sdk/python/src/csms_sdk/client.py" in files
    assert "websockets" in third_party(imported_top_levels(ROOT / "services/gateway/csms_gateway/server.py"))
    assert "httpx" in third_party(imported_top_levels(ROOT / "sdk/python/src/csms_sdk/client.py"))


@pytest.mark.parametrize(
    ("relative", "distribution", "allowed"),
    [
        ("services/gateway/csms_gateway/server.py", "websockets", True),
        ("services/gateway/csms_gateway/server.py", "pytest", False),  # dev only
        ("sdk/python/src/csms_sdk/client.py", "httpx", True),
        ("sdk/python/src/csms_sdk/client.py", "redis", False),  # the services', not the SDK's
        ("scripts/charging_chart.py", "matplotlib", True),
        ("scripts/devrun.py", "matplotlib", False),  # the charts extra is for the chart only
        ("tests/e2e/test_x.py", "pytest", True),
    ],
)
def test_which_project_owns_a_file(relative: str, distribution: str, allowed: bool) -> None:
    assert (distribution in allowed_for(relative)) is allowed
