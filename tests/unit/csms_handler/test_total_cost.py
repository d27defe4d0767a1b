"""TransactionEvent Ended: the handler asks for the session's final cost and answers totalCost (I02)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import CallContext, Lookups
from csms_handler.handlers.v201.transaction_event import transaction_event, transaction_event_needs

METER = [
    {"timestamp": "2025-01-14T11:00:00Z", "sampledValue": [{"value": 6000.0, "context": "Transaction.End"}]}
]


def event(event_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "timestamp": "2025-01-14T11:00:00Z",
        "triggerReason": "StopAuthorized",
        "seqNo": 3,
        "transactionInfo": {"transactionId": "tx-9", "stoppedReason": "Local"},
        "evse": {"id": 1, "connectorId": 1},
        **extra,
    }


def context(lookups: Lookups) -> CallContext:
    return CallContext("CP-1", OcppVersion.V201, "m1", datetime(2030, 1, 1, tzinfo=UTC), 300, lookups)


def test_ended_asks_for_the_cost_with_the_event_and_its_meter_values() -> None:
    needs = transaction_event_needs(event("Ended", meterValue=METER, offline=True))

    assert needs.pending_transaction is not None
    assert needs.pending_transaction["transactionId"] == "tx-9"
    assert needs.pending_transaction["fields"]["status"] == "Ended"
    assert needs.pending_transaction["event"]["seqNo"] == 3
    assert needs.pending_transaction["meterValues"] == METER
    assert needs.pending_transaction["offline"] is True


def test_started_and_updated_need_no_cost() -> None:
    assert transaction_event_needs(event("Started")).pending_transaction is None
    assert transaction_event_needs(event("Updated")).is_empty


def test_ended_answers_the_total_including_vat() -> None:
    cost = {"currency": "EUR", "lines": [], "totalCost": {"excl_vat": 1.5, "incl_vat": 1.8}}
    reply = transaction_event(event("Ended"), context(Lookups(cost=cost)))

    assert reply.payload == {"totalCost": 1.8}


def test_ended_without_a_tariff_answers_no_total() -> None:
    assert transaction_event(event("Ended"), context(Lookups())).payload == {}


def test_started_asks_for_the_prices_and_shows_them() -> None:
    started = event("Started", idToken={"idToken": "TAG-1", "type": "ISO14443"})
    assert transaction_event_needs(started).price_for == "TAG-1"

    reply = transaction_event(started, context(Lookups(price_text="0.36 EUR/kWh (VAT incl.)")))
    assert reply.payload["updatedPersonalMessage"] == {
        "format": "UTF8",
        "content": "0.36 EUR/kWh (VAT incl.)",
    }


def test_started_without_a_tariff_shows_no_message() -> None:
    reply = transaction_event(event("Started"), context(Lookups()))
    assert "updatedPersonalMessage" not in reply.payload
