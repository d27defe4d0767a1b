"""The shadow service's budgets: capped maps, document size and keys, event logs, command owners."""

from __future__ import annotations

from typing import Any

import pytest

from csms_shadow.documents.budget import (
    DocumentBudget,
    count_keys,
    document_problem,
    trim_capped_maps,
    trim_events,
)
from csms_shadow.documents.document import empty_shadow, merge_reported
from csms_shadow.transactions.records import ForeignCommand, merge_command

BUDGET = DocumentBudget(max_bytes=1000, max_keys=50, map_caps={"reservations": 3})


def test_a_capped_map_keeps_its_most_recently_updated_entries() -> None:
    shadow = empty_shadow(0)
    for reservation in range(6):
        shadow = merge_reported(
            shadow, {"reservations": {str(reservation): {"status": "Expired"}}}, 100 + reservation
        )
    # Reservation 0 is updated again last: it is the newest.
    shadow = merge_reported(shadow, {"reservations": {"0": {"status": "Removed"}}}, 200)
    assert trim_capped_maps(shadow, BUDGET) == 3
    assert sorted(shadow["state"]["reported"]["reservations"]) == ["0", "4", "5"]
    assert sorted(shadow["metadata"]["reported"]["reservations"]) == ["0", "4", "5"]
    assert trim_capped_maps(shadow, BUDGET) == 0


def test_reported_configuration_evicts_the_oldest_keys_that_are_not_desired() -> None:
    budget = DocumentBudget(max_bytes=10000, max_keys=500, map_caps={"configuration": 3})
    shadow = empty_shadow(0)
    shadow["state"]["desired"] = {"configuration": {"K0": "wanted", "K1": "wanted"}}
    for key in range(6):
        shadow = merge_reported(shadow, {"configuration": {f"K{key}": "v"}}, 100 + key)
    # K0 and K1 are the oldest but desired: K2, K3 and K4 make room, the newest (K5) stays.
    assert trim_capped_maps(shadow, budget) == 3
    assert sorted(shadow["state"]["reported"]["configuration"]) == ["K0", "K1", "K5"]
    assert sorted(shadow["metadata"]["reported"]["configuration"]) == ["K0", "K1", "K5"]


def test_keys_are_counted_through_every_level() -> None:
    assert count_keys({"a": {"b": [{"c": 1, "d": 2}], "e": 3}}) == 5
    assert count_keys([]) == 0


@pytest.mark.parametrize(
    ("size", "keys", "previous", "problem"),
    [
        (1000, 50, 0, None),
        (1001, 10, 0, "document_bytes"),
        (900, 51, 0, "document_keys"),
        # A document already above the budget may take updates that do not make it larger.
        (1500, 10, 1600, None),
        (1601, 10, 1600, "document_bytes"),
    ],
)
def test_a_document_may_not_grow_beyond_its_budget(
    size: int, keys: int, previous: int, problem: str | None
) -> None:
    assert document_problem(size, keys, previous, BUDGET) == problem


def test_an_event_log_keeps_the_first_and_the_newest_entries() -> None:
    record: dict[str, Any] = {"events": [{"seqNo": number} for number in range(10)]}
    assert trim_events(record, 4) == 6
    assert [event["seqNo"] for event in record["events"]] == [0, 7, 8, 9]
    assert record["eventsDropped"] == 6
    assert trim_events(record, 4) == 0


def test_a_command_record_belongs_to_its_station() -> None:
    sent = merge_command(None, {"messageId": "m", "state": "sent", "chargePointId": "CP-A"})
    answered = merge_command(sent, {"messageId": "m", "state": "answered", "chargePointId": "CP-A"})
    assert answered["state"] == "answered"
    with pytest.raises(ForeignCommand):
        merge_command(sent, {"messageId": "m", "state": "error", "chargePointId": "CP-B"})
