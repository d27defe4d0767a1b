"""Firmware campaigns (pure): the request's checks and one step at a time."""

from __future__ import annotations

from typing import Any

import pytest

from csms_shadow.fleet.campaign_plan import (
    COMPLETED,
    FAILED,
    INSTALLED,
    PAUSED,
    PENDING,
    RUNNING,
    UPDATING,
    InvalidCampaign,
    failure_threshold,
    in_window,
    parse_campaign,
    step,
)

FIRMWARE = {"version": "3.0", "location": "https://fw.example/3.0.bin"}
TIMEOUT = 60.0


def _campaign(**spec: Any) -> dict[str, Any]:
    return {
        "campaignId": "c",
        "state": RUNNING,
        "batch": 0,
        "spec": {"firmware": FIRMWARE, "batchSize": 2, "maxFailures": 1, "window": None, **spec},
    }


def _reported(status: str | None, answer: str = "Accepted") -> dict[str, Any]:
    reported: dict[str, Any] = {"firmware": {**FIRMWARE, "requestId": 1, "answer": answer}}
    if status is not None:
        reported["firmwareStatus"] = {"status": status, "updatedAt": "t"}
    return reported


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"selector": "a=b", "firmware": FIRMWARE, "batchSize": 0, "maxFailures": 1}, "batchSize"),
        ({"selector": "a=b", "firmware": FIRMWARE, "batchSize": 5, "maxFailures": "x%"}, "maxFailures"),
        ({"selector": "a=b", "firmware": FIRMWARE, "batchSize": 5, "maxFailures": "101%"}, "maxFailures"),
        ({"selector": "a=b", "firmware": FIRMWARE, "batchSize": 5, "maxFailures": -1}, "maxFailures"),
        (
            {
                "selector": "a=b",
                "firmware": {**FIRMWARE, "location": "ftp://x"},
                "batchSize": 5,
                "maxFailures": 1,
            },
            "http:// or https://",
        ),
        (
            {
                "selector": "",
                "firmware": FIRMWARE,
                "batchSize": 5,
                "maxFailures": 1,
                "window": {"start": "25:00"},
            },
            "window",
        ),
        ({"firmware": FIRMWARE, "batchSize": 5, "maxFailures": 1}, "selector"),
        ({"selector": "", "firmware": FIRMWARE, "batchSize": 5, "maxFailures": 1, "extra": 1}, "extra"),
    ],
)
def test_bad_campaigns_are_refused(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidCampaign, match=message):
        parse_campaign(body)


def test_thresholds_and_windows() -> None:
    assert failure_threshold(3, 50) == 3
    assert failure_threshold("10%", 50) == 5
    assert failure_threshold("10%", 9) == 0
    assert in_window(None, 0)
    day = {"start": "01:00", "end": "05:00"}
    assert in_window(day, 3600) and not in_window(day, 5 * 3600) and not in_window(day, 0)
    night = {"start": "22:00", "end": "02:00"}
    assert in_window(night, 23 * 3600) and in_window(night, 3600) and not in_window(night, 12 * 3600)


BERLIN_WINTER_FRIDAY_2230 = 1764970200.0  # 2025-12-05 21:30 UTC = 22:30 in Berlin (CET), a Friday
HOUR = 3600.0


def test_windows_in_a_time_zone_and_on_days_of_the_week() -> None:
    window = {"start": "22:00", "end": "05:00", "timeZone": "Europe/Berlin"}
    friday = BERLIN_WINTER_FRIDAY_2230
    assert in_window(window, friday)  # 22:30 Berlin
    assert not in_window(window, friday - HOUR)  # 21:30 Berlin (22:30 would be in UTC+0's window)
    assert in_window(window, friday + 6 * HOUR)  # Saturday 04:30
    assert not in_window(window, friday + 7 * HOUR)  # Saturday 05:30
    # Summer time: 2025-07-04 is a Friday; 22:30 CEST is 20:30 UTC.
    assert in_window(window, 1751661000.0)
    only_fridays = {**window, "days": ["Fri"]}
    assert in_window(only_fridays, friday) and in_window(only_fridays, friday + 6 * HOUR)
    assert not in_window(only_fridays, friday + 24 * HOUR)  # Saturday 22:30
    assert not in_window(only_fridays, friday - 18 * HOUR)  # Friday 04:30 belongs to Thursday's night
    daytime = {"start": "09:00", "end": "17:00", "days": ["Mon", "Tue"]}  # UTC
    monday_noon = 1764590400.0  # 2025-12-01 12:00 UTC, a Monday
    assert in_window(daytime, monday_noon) and not in_window(daytime, monday_noon + 2 * 24 * HOUR)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"start": "22:00", "end": "05:00", "timeZone": "Mars/Olympus"}, "not a known IANA time zone"),
        ({"start": "22:00", "end": "05:00", "timeZone": "../../etc/passwd"}, "not a known IANA time zone"),
        ({"start": "22:00", "end": "05:00", "timeZone": 1}, "IANA time zone name"),
        ({"start": "22:00", "end": "05:00", "days": []}, "days of the week"),
        ({"start": "22:00", "end": "05:00", "days": ["Fri", "Fri"]}, "days of the week"),
        ({"start": "22:00", "end": "05:00", "days": ["Friday"]}, "days of the week"),
        ({"start": "22:00", "end": "05:00", "zone": "UTC"}, "window"),
    ],
)
def test_bad_windows_are_refused(window: dict[str, Any], message: str) -> None:
    body = {"selector": "", "firmware": FIRMWARE, "batchSize": 5, "maxFailures": 1, "window": window}
    with pytest.raises(InvalidCampaign, match=message):
        parse_campaign(body)


def test_batches_go_one_after_another() -> None:
    order = ["a", "b", "c"]
    stations = {station_id: {"state": PENDING} for station_id in order}
    first = step(_campaign(), stations, order, {}, 100.0, TIMEOUT)
    assert (first.batch, first.started) == (1, ["a", "b"])
    stations.update(first.stations)
    campaign = {**_campaign(), "batch": 1}
    # While a and b update, nothing else starts.
    waiting = step(campaign, stations, order, {"a": _reported("Downloading")}, 101.0, TIMEOUT)
    assert waiting.started == [] and waiting.state is None
    stations.update(waiting.stations)
    done = step(
        campaign,
        stations,
        order,
        {"a": _reported("Installed"), "b": _reported("Installed")},
        102.0,
        TIMEOUT,
    )
    assert done.finished == {"a": INSTALLED, "b": INSTALLED}
    assert (done.batch, done.started) == (2, ["c"])
    stations.update(done.stations)
    last = step({**campaign, "batch": 2}, stations, order, {"c": _reported("Installed")}, 103.0, TIMEOUT)
    assert last.state == COMPLETED


def test_failures_and_timeouts_pause_past_max_failures() -> None:
    order = ["a", "b", "c", "d"]
    stations: dict[str, Any] = {
        "a": {"state": UPDATING, "since": 0.0, "progress": None},
        "b": {"state": UPDATING, "since": 0.0, "progress": None},
        "c": {"state": PENDING},
        "d": {"state": PENDING},
    }
    first = step(
        _campaign(),
        stations,
        order,
        {"a": _reported("InstallationFailed"), "b": _reported(None)},
        10.0,
        TIMEOUT,
    )
    assert first.stations["a"]["state"] == FAILED and first.stations["a"]["reason"] == "InstallationFailed"
    assert first.stations["b"]["state"] == UPDATING  # progress seen: the timeout counts from now
    assert first.state is None and first.started == []
    stations.update(first.stations)
    # No progress for longer than the timeout: failed; 2 failures > maxFailures 1: paused, nothing new.
    second = step(_campaign(), stations, order, {"b": _reported(None)}, 10.0 + TIMEOUT + 1, TIMEOUT)
    assert second.stations["b"]["reason"] == "Timeout"
    assert second.state == PAUSED and second.started == []
    stations.update(second.stations)
    # Resumed with the failures acknowledged: the next batch starts.
    resumed = step({**_campaign(), "acknowledgedFailures": 2}, stations, order, {}, 80.0, TIMEOUT)
    assert resumed.started == ["c", "d"] and resumed.state is None


def test_refused_update_fails_at_once_and_outside_the_window_nothing_starts() -> None:
    order = ["a", "b"]
    window = {"start": "01:00", "end": "02:00"}
    campaign = _campaign(maxFailures=5, window=window)
    stations: dict[str, Any] = {"a": {"state": UPDATING, "since": 0.0}, "b": {"state": PENDING}}
    closed = step(campaign, stations, order, {"a": _reported(None, "Rejected")}, 1.0, TIMEOUT)
    assert closed.finished == {"a": FAILED}
    assert closed.started == [] and closed.state is None
    stations.update(closed.stations)
    opened = step(campaign, stations, order, {}, 3700.0, TIMEOUT)
    assert opened.started == ["b"]
