"""Sites and circuits as a tree: parsed from the API's body, checked for cycles, depth and count."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csms_common.smart_charging.limits import (
    NOMINAL_VOLTAGE,
    InvalidLimit,
    Limit,
    ScheduleEntry,
    parse_limit,
    parse_schedule,
)

MAX_SITES = 1000
MAX_DEPTH = 8
"""A site and its ancestors: deeper trees are refused (every allocation walks them)."""
MAX_NAME = 100
_ID = re.compile(r"^[A-Za-z0-9._:-]{1,48}$")


class InvalidSite(ValueError):
    """A site the CSMS refuses, with the reason."""


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    limit: Limit
    schedule: tuple[ScheduleEntry, ...] = ()
    parent: str | None = None
    time_zone: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "name": self.name, "limit": self.limit.as_json()}
        if self.schedule:
            body["schedule"] = [
                {"start": entry.start.isoformat().replace("+00:00", "Z"), "limit": entry.limit.as_json()}
                for entry in self.schedule
            ]
        if self.parent is not None:
            body["parent"] = self.parent
        if self.time_zone is not None:
            body["timeZone"] = self.time_zone
        return body


def is_site_id(value: Any) -> bool:
    return isinstance(value, str) and _ID.match(value) is not None


def parse_site(site_id: str, body: Any, voltage: float = NOMINAL_VOLTAGE) -> Site:
    """``PUT /sites/{id}``'s body → a :class:`Site` (the tree is checked by :func:`check_tree`)."""
    if not is_site_id(site_id):
        raise InvalidSite("site id must be 1-48 of A-Z a-z 0-9 . _ : -")
    if not isinstance(body, Mapping):
        raise InvalidSite("body must be an object")
    unknown = set(body) - {"id", "name", "limit", "schedule", "parent", "timeZone"}
    if unknown:
        raise InvalidSite(f"unknown fields {sorted(unknown)}")
    if "id" in body and body["id"] != site_id:
        raise InvalidSite("id in the body differs from the path")
    name = body.get("name", site_id)
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
        raise InvalidSite(f"name must be a string of 1-{MAX_NAME} characters")
    if "limit" not in body:
        raise InvalidSite("limit is required")
    parent = body.get("parent")
    if parent is not None and not is_site_id(parent):
        raise InvalidSite("parent must be a site id")
    if parent == site_id:
        raise InvalidSite("a site cannot be its own parent")
    time_zone = body.get("timeZone")
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidSite(f"unknown timeZone {time_zone!r}") from None
    try:
        limit = parse_limit(body["limit"], voltage)
        schedule = parse_schedule(body.get("schedule", []), voltage)
    except InvalidLimit as error:
        raise InvalidSite(str(error)) from None
    return Site(site_id, name, limit, schedule, parent, time_zone)


def ancestors(sites: Mapping[str, Site], site_id: str) -> tuple[str, ...]:
    """The site and its ancestors, nearest first (a stored tree has no cycle: check_tree refused it)."""
    chain: list[str] = []
    current: str | None = site_id
    while current is not None and current in sites and len(chain) <= MAX_DEPTH:
        chain.append(current)
        current = sites[current].parent
    return tuple(chain)


def check_tree(sites: Mapping[str, Site], site: Site) -> None:
    """Refuse ``site`` if storing it makes a cycle, too deep a tree, too many sites or a dangling parent."""
    if site.id not in sites and len(sites) >= MAX_SITES:
        raise InvalidSite(f"at most {MAX_SITES} sites")
    tree = {**sites, site.id: site}
    if site.parent is not None and site.parent not in tree:
        raise InvalidSite(f"parent {site.parent!r} does not exist")
    for start in (site.id, *(child.id for child in tree.values() if site.id in _chain(tree, child.id))):
        chain = _chain(tree, start)
        if len(chain) > MAX_DEPTH:
            raise InvalidSite(f"site tree deeper than {MAX_DEPTH}")


def _chain(tree: Mapping[str, Site], start: str) -> list[str]:
    chain = [start]
    current = tree[start].parent
    while current is not None:
        if current in chain:
            raise InvalidSite(
                f"parent {tree[start].parent!r} makes a cycle: {' -> '.join([*chain, current])}"
            )
        chain.append(current)
        if current not in tree or len(chain) > MAX_DEPTH + 1:
            break
        current = tree[current].parent
    return chain


def check_removal(sites: Mapping[str, Site], site_id: str) -> None:
    """A site with children cannot be removed (they would lose their ancestor's limit)."""
    children = sorted(site.id for site in sites.values() if site.parent == site_id)
    if children:
        raise InvalidSite(f"site {site_id!r} has child sites {children[:5]}")
