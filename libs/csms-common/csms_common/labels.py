"""Station labels and Kubernetes label selectors (pure): checking, merging, parsing, matching.

Labels follow Kubernetes' rules: a key is an optional DNS-subdomain prefix and ``/`` and a name of
at most 63 characters (alphanumerics, ``-``, ``_``, ``.``, starting and ending alphanumeric); a
value is empty or a name of the same shape. A selector is a comma-separated list of requirements,
all of which must hold: ``key=value`` (or ``==``), ``key!=value``, ``key in (a,b)``,
``key notin (a,b)``, ``key`` (exists) and ``!key`` (does not exist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_LABELS = 32
"""Labels per station."""
MAX_SELECTOR_CHARS = 1024
MAX_REQUIREMENTS = 20
MAX_SET_VALUES = 50

_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
_PREFIX = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class InvalidLabels(ValueError):
    """A label key or value that breaks the rules, or too many labels."""


class InvalidSelector(ValueError):
    """A selector that does not parse."""


def valid_key(key: str) -> bool:
    prefix, slash, name = key.rpartition("/")
    if slash and not prefix:
        return False
    if prefix and (len(prefix) > 253 or not _PREFIX.match(prefix)):
        return False
    return bool(_NAME.match(name))


def valid_value(value: str) -> bool:
    return value == "" or bool(_NAME.match(value))


def merge_labels(current: Any, patch: Any) -> dict[str, str]:
    """``current`` with ``patch`` applied (a null value removes the label); raises InvalidLabels."""
    if not isinstance(patch, dict):
        raise InvalidLabels("labels must be an object of strings")
    merged = dict(current) if isinstance(current, dict) else {}
    for key, value in patch.items():
        if not valid_key(key):
            raise InvalidLabels(f"label key '{key[:80]}' is not a valid Kubernetes label key")
        if value is None:
            merged.pop(key, None)
            continue
        if not isinstance(value, str) or not valid_value(value):
            raise InvalidLabels(f"label '{key}' must be a string of at most 63 label characters")
        merged[key] = value
    if len(merged) > MAX_LABELS:
        raise InvalidLabels(f"a station may have at most {MAX_LABELS} labels")
    return merged


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    """One of ``=``, ``!=``, ``in``, ``notin``, ``exists``, ``!``."""
    values: frozenset[str] = frozenset()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        # != and notin also hold for a station without the label, as in Kubernetes.
        return not present or labels[self.key] not in self.values


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Any) -> bool:
        own = labels if isinstance(labels, dict) else {}
        return all(requirement.matches(own) for requirement in self.requirements)


_SET = re.compile(r"^(?P<key>[^\s()=!,]+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_EQUALITY = re.compile(r"^(?P<key>[^\s()=!,]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s()=!,]*)$")


def _split(selector: str) -> list[str]:
    """Split on the commas that are not inside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(selector):
        if char == "(":
            depth += 1
            if depth > 1:
                raise InvalidSelector("nested parentheses")
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise InvalidSelector("unbalanced parentheses")
        elif char == "," and depth == 0:
            parts.append(selector[start:index])
            start = index + 1
    if depth != 0:
        raise InvalidSelector("unbalanced parentheses")
    parts.append(selector[start:])
    return [part.strip() for part in parts]


def _key(key: str) -> str:
    if not valid_key(key):
        raise InvalidSelector(f"'{key[:80]}' is not a valid label key")
    return key


def _value(value: str) -> str:
    if not valid_value(value):
        raise InvalidSelector(f"'{value[:80]}' is not a valid label value")
    return value


def parse_selector(selector: str) -> Selector:
    """Parse a Kubernetes label selector; the empty selector matches every station."""
    if len(selector) > MAX_SELECTOR_CHARS:
        raise InvalidSelector(f"selector longer than {MAX_SELECTOR_CHARS} characters")
    if not selector.strip():
        return Selector(())
    parts = _split(selector)
    if len(parts) > MAX_REQUIREMENTS:
        raise InvalidSelector(f"more than {MAX_REQUIREMENTS} requirements")
    requirements: list[Requirement] = []
    for part in parts:
        if not part:
            raise InvalidSelector("empty requirement")
        set_match = _SET.match(part)
        equality = _EQUALITY.match(part)
        if set_match:
            values = [value.strip() for value in set_match["values"].split(",")]
            if not values or any(value == "" for value in values) or len(values) > MAX_SET_VALUES:
                raise InvalidSelector(f"'{part[:80]}' needs 1 to {MAX_SET_VALUES} values in its parentheses")
            requirements.append(
                Requirement(_key(set_match["key"]), set_match["op"], frozenset(_value(v) for v in values))
            )
        elif equality:
            operator = "!=" if equality["op"] == "!=" else "="
            requirements.append(
                Requirement(_key(equality["key"]), operator, frozenset({_value(equality["value"])}))
            )
        elif part.startswith("!"):
            requirements.append(Requirement(_key(part[1:].strip()), "!"))
        elif valid_key(part):
            requirements.append(Requirement(part, "exists"))
        else:
            raise InvalidSelector(f"cannot parse '{part[:80]}'")
    return Selector(tuple(requirements))
