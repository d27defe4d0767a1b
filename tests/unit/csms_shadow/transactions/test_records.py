"""Transaction records: fields merge, each 2.x event is logged once by its seqNo."""

from __future__ import annotations

from csms_shadow.transactions.records import already_applied, merge_record

STARTED = {
    "seqNo": 0,
    "eventType": "Started",
    "triggerReason": "Authorized",
    "timestamp": "t0",
    "meterValues": 1,
}
ENDED = {
    "seqNo": 1,
    "eventType": "Ended",
    "triggerReason": "StopAuthorized",
    "timestamp": "t1",
    "meterValues": 1,
}


def test_events_are_appended_in_arrival_order() -> None:
    record = merge_record(None, {"status": "Started"}, STARTED)
    record = merge_record(record, {"status": "Ended"}, ENDED)
    assert record == {"status": "Ended", "events": [STARTED, ENDED]}


def test_a_logged_seqno_is_recognised_as_applied() -> None:
    record = merge_record(None, {"status": "Started"}, STARTED)
    assert already_applied(record, dict(STARTED))
    assert not already_applied(record, ENDED)


def test_records_without_events_never_count_as_applied() -> None:
    # OCPP 1.6 records have no event log; their fields simply merge again.
    assert not already_applied(None, STARTED)
    assert not already_applied({"status": "Started"}, None)
    assert not already_applied({"events": [STARTED]}, {"eventType": "Started"})


def test_none_removes_a_field() -> None:
    assert merge_record({"a": 1, "b": 2}, {"a": None}) == {"b": 2}


def test_a_late_older_event_does_not_reopen_an_ended_record() -> None:
    record = merge_record(None, {"status": "Ended", "endTime": "t1"}, ENDED)
    record = merge_record(record, {"status": "Started", "startTime": "t0"}, STARTED)
    assert record["status"] == "Ended"
    assert record["startTime"] == "t0"  # what the record lacked is filled in
    assert [event["seqNo"] for event in record["events"]] == [0, 1]


def test_a_late_16_start_does_not_reopen_an_ended_record() -> None:
    """1.6 records have no event log: a StartTransaction copy handled after the StopTransaction
    only fills in what the record lacks (found by tests/e2e/test_partitions.py)."""
    record = merge_record(None, {"status": "Started", "meterStart": 0, "startTime": "t0"})
    record = merge_record(record, {"status": "Ended", "meterStop": 1000, "endTime": "t1"})
    late = merge_record(record, {"status": "Started", "meterStart": 0, "startTime": "t0", "idTag": "A"})
    assert late == {**record, "idTag": "A"}
    assert late["status"] == "Ended"


def test_a_16_record_still_takes_updates_without_a_status_after_it_ended() -> None:
    record = merge_record(None, {"status": "Ended", "meterStop": 1000})
    assert merge_record(record, {"stoppedReason": "Local"})["stoppedReason"] == "Local"
