"""Firmware campaigns (pure): the checked request, and one step of a campaign.

A campaign sets the desired ``firmware`` of its stations batch by batch (the reconciler sends
UpdateFirmware, once per version and location, so a station is never updated twice however often a
step is repeated). A batch starts when no station of the previous one is still updating, within
the window if there is one (a time of day in an IANA zone, optionally on some days of the week);
a station is done when it reports the version Installed, failed when it refused or failed it
(firmware_plan.py) or made no progress for the progress timeout. Past ``maxFailures`` failures
(since the last resume) the campaign pauses by itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csms_shadow.documents.desired import InvalidDesired, check_desired_patch
from csms_shadow.documents.document import JsonObject
from csms_shadow.fleet.firmware_plan import FIRMWARE, FIRMWARE_STATUS, firmware_failure, firmware_installed

PENDING = "pending"
UPDATING = "updating"
INSTALLED = "installed"
FAILED = "failed"
STATION_STATES = (PENDING, UPDATING, INSTALLED, FAILED)

RUNNING = "running"
PAUSED = "paused"
CANCELLED = "cancelled"
COMPLETED = "completed"

MAX_BATCH_SIZE = 1000
MAX_CAMPAIGN_STATIONS = 2000
"""Stations one campaign may cover (narrow the selector beyond); every one is listed by GET."""
TIMEOUT_REASON = "Timeout"
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
WINDOW_FIELDS = frozenset({"start", "end", "timeZone", "days"})
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Indexed by ``datetime.weekday()``."""
MAX_ZONE_CHARS = 64
_PERCENT = re.compile(r"^(\d{1,3})%$")


class InvalidCampaign(ValueError):
    """A campaign request that cannot run as asked."""


@dataclass(frozen=True)
class CampaignSpec:
    selector: str
    firmware: JsonObject
    batch_size: int
    max_failures: int | str
    window: JsonObject | None

    def as_json(self) -> JsonObject:
        return {
            "selector": self.selector,
            "firmware": self.firmware,
            "batchSize": self.batch_size,
            "maxFailures": self.max_failures,
            "window": self.window,
        }


def parse_campaign(body: Any) -> CampaignSpec:
    """The checked request ``{"selector", "firmware", "batchSize", "maxFailures", "window"?}``."""
    if not isinstance(body, dict):
        raise InvalidCampaign("a campaign is a JSON object")
    unknown = set(body) - {"selector", "firmware", "batchSize", "maxFailures", "window"}
    if unknown:
        raise InvalidCampaign(f"unknown campaign field '{sorted(unknown)[0][:50]}'")
    selector = body.get("selector")
    if not isinstance(selector, str):
        raise InvalidCampaign("'selector' must be a label selector string (empty: every station)")
    firmware = body.get("firmware")
    if not isinstance(firmware, dict):
        raise InvalidCampaign(
            "'firmware' must be an object {version, location, signature?, signingCertificate?}"
        )
    try:
        check_desired_patch({FIRMWARE: firmware})
    except InvalidDesired as error:
        raise InvalidCampaign(str(error)) from None
    firmware = {key: value for key, value in firmware.items() if value is not None}
    batch_size = body.get("batchSize")
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or not 1 <= batch_size <= MAX_BATCH_SIZE
    ):
        raise InvalidCampaign(f"'batchSize' must be an integer from 1 to {MAX_BATCH_SIZE}")
    max_failures = body.get("maxFailures")
    if isinstance(max_failures, str):
        match = _PERCENT.match(max_failures)
        if match is None or int(match.group(1)) > 100:
            raise InvalidCampaign("'maxFailures' must be a count or a percentage like \"10%\"")
    elif isinstance(max_failures, bool) or not isinstance(max_failures, int) or max_failures < 0:
        raise InvalidCampaign("'maxFailures' must be a count (0 or more) or a percentage like \"10%\"")
    window = body.get("window")
    if window is not None:
        _check_window(window)
    return CampaignSpec(selector, firmware, batch_size, max_failures, window)


def _check_window(window: Any) -> None:
    if not isinstance(window, dict) or not {"start", "end"} <= set(window) <= WINDOW_FIELDS:
        raise InvalidCampaign(
            '\'window\' must be {"start": "HH:MM", "end": "HH:MM", "timeZone"?: IANA zone, "days"?: [...]}'
        )
    for name in ("start", "end"):
        if not isinstance(window[name], str) or not _TIME_OF_DAY.match(window[name]):
            raise InvalidCampaign(f"window '{name}' must be a time of day HH:MM")
    if window["start"] == window["end"]:
        raise InvalidCampaign("window 'start' and 'end' must differ")
    if "timeZone" in window:
        zone_of(window)
    if "days" in window:
        days = window["days"]
        if (
            not isinstance(days, list)
            or not days
            or len(set(days)) != len(days)
            or not all(day in WEEKDAYS for day in days)
        ):
            names = ", ".join(WEEKDAYS)
            raise InvalidCampaign(f"window 'days' must be distinct days of the week from {names}")


def zone_of(window: JsonObject) -> ZoneInfo:
    """The window's time zone (UTC when it names none); InvalidCampaign for an unknown one."""
    name = window.get("timeZone", "UTC")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_ZONE_CHARS:
        raise InvalidCampaign("window 'timeZone' must be an IANA time zone name like \"Europe/Berlin\"")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        # ValueError: not a zone key at all (an absolute or relative path, say).
        raise InvalidCampaign(f"window 'timeZone' '{name}' is not a known IANA time zone") from error


def failure_threshold(max_failures: int | str, total: int) -> int:
    """Failures allowed before the campaign pauses: the count, or the percentage of its stations."""
    if isinstance(max_failures, str):
        return math.floor(total * int(max_failures.rstrip("%")) / 100)
    return max_failures


def in_window(window: JsonObject | None, now: float) -> bool:
    """Whether a new batch may start at ``now`` (epoch seconds): the time of day in the window's
    zone (UTC by default, daylight saving time followed); a window may run over midnight, and then
    belongs to the day it starts on (``"days": ["Fri"]`` with 22:00-05:00 includes Saturday 02:00)."""
    if window is None:
        return True
    local = datetime.fromtimestamp(now, zone_of(window))
    seconds_of_day = local.hour * 3600 + local.minute * 60 + local.second
    start = _minutes(window["start"]) * 60
    end = _minutes(window["end"]) * 60
    if start < end:
        inside, day = start <= seconds_of_day < end, local.weekday()
    elif seconds_of_day >= start:
        inside, day = True, local.weekday()
    else:
        inside, day = seconds_of_day < end, (local.weekday() - 1) % 7
    days = window.get("days")
    return inside and (days is None or WEEKDAYS[day] in days)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def progress_signature(reported: JsonObject) -> str:
    """What changes whenever the station says something about its update."""
    firmware = _object(reported.get(FIRMWARE))
    status = _object(reported.get(FIRMWARE_STATUS))
    parts = (firmware.get("requestId"), firmware.get("answer"), status.get("status"), status.get("updatedAt"))
    return "/".join(str(part) for part in parts)


def _object(value: Any) -> JsonObject:
    return value if isinstance(value, dict) else {}


@dataclass
class Step:
    stations: dict[str, JsonObject] = field(default_factory=dict)
    """Station records changed by this step."""
    state: str | None = None
    """The campaign's new state, when it changes."""
    batch: int | None = None
    """The number of the batch this step started."""
    started: list[str] = field(default_factory=list)
    """Stations whose desired firmware this step sets."""
    finished: dict[str, str] = field(default_factory=dict)
    """Station → installed | failed, for metrics and logs."""


def step(
    campaign: JsonObject,
    stations: dict[str, JsonObject],
    order: list[str],
    reported: dict[str, JsonObject],
    now: float,
    progress_timeout: float,
) -> Step:
    """One step: settle updating stations from their reported state, pause past maxFailures, start
    the next batch when the current one is done. ``reported`` holds the updating stations'."""
    firmware = campaign["spec"]["firmware"]
    result = Step()
    current = {station_id: dict(record) for station_id, record in stations.items()}
    for station_id, record in current.items():
        if record["state"] != UPDATING:
            continue
        have = reported.get(station_id) or {}
        changed = dict(record)
        failure = firmware_failure(firmware, have)
        if firmware_installed(firmware, have):
            changed.update(state=INSTALLED, since=now)
        elif failure is not None:
            changed.update(state=FAILED, reason=failure, since=now)
        else:
            signature = progress_signature(have)
            if signature != record.get("progress"):
                changed.update(progress=signature, since=now)
            elif now - float(record.get("since", now)) > progress_timeout:
                changed.update(state=FAILED, reason=TIMEOUT_REASON, since=now)
        if changed != record:
            current[station_id] = changed
            result.stations[station_id] = changed
            if changed["state"] in (INSTALLED, FAILED):
                result.finished[station_id] = changed["state"]
    state = campaign["state"]
    failed = sum(1 for record in current.values() if record["state"] == FAILED)
    threshold = failure_threshold(campaign["spec"]["maxFailures"], len(order))
    if state == RUNNING and failed - int(campaign.get("acknowledgedFailures", 0)) > threshold:
        state = result.state = PAUSED
    if state != RUNNING or any(record["state"] == UPDATING for record in current.values()):
        return result
    waiting = [station_id for station_id in order if current[station_id]["state"] == PENDING]
    if not waiting:
        result.state = COMPLETED
        return result
    if not in_window(campaign["spec"].get("window"), now):
        return result
    result.batch = int(campaign.get("batch", 0)) + 1
    for station_id in waiting[: int(campaign["spec"]["batchSize"])]:
        record = {"state": UPDATING, "batch": result.batch, "since": now, "progress": None}
        result.stations[station_id] = record
        result.started.append(station_id)
    return result


def counts_of(stations: dict[str, JsonObject]) -> dict[str, int]:
    counts = dict.fromkeys(STATION_STATES, 0)
    for record in stations.values():
        counts[str(record["state"])] += 1
    return counts
