"""Station messages for the billing tables: 1.6 and 2.0.1 payloads as real stations send them."""

from __future__ import annotations

from typing import Any

Message = tuple[str, dict[str, Any]]
TX_201 = "tx-bill-1"
TX_16 = 1001


def start16(timestamp: str, meter_start: int) -> Message:
    return (
        "StartTransaction",
        {"connectorId": 1, "idTag": "TAG-1", "meterStart": meter_start, "timestamp": timestamp},
    )


def stop16(timestamp: str, meter_stop: int) -> Message:
    return (
        "StopTransaction",
        {"transactionId": TX_16, "meterStop": meter_stop, "timestamp": timestamp, "reason": "Local"},
    )


def meter16(timestamp: str, *sampled: dict[str, Any]) -> Message:
    return (
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": TX_16,
            "meterValue": [{"timestamp": timestamp, "sampledValue": list(sampled)}],
        },
    )


def register16(value: str, **extra: str) -> dict[str, Any]:
    return {"value": value, "measurand": "Energy.Active.Import.Register", **extra}


def event201(
    seq_no: int,
    event_type: str,
    timestamp: str,
    trigger: str,
    wh: float | None = None,
    context: str = "Sample.Periodic",
    *,
    offline: bool = False,
    id_token: bool = True,
    charging_state: str | None = None,
    signed: dict[str, Any] | None = None,
) -> Message:
    info: dict[str, Any] = {"transactionId": TX_201}
    if charging_state is not None:
        info["chargingState"] = charging_state
    if event_type == "Ended":
        info["stoppedReason"] = "Local"
    payload: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": timestamp,
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": info,
        "evse": {"id": 1, "connectorId": 1},
    }
    if id_token:
        payload["idToken"] = {"idToken": "TAG-1", "type": "ISO14443"}
    if offline:
        payload["offline"] = True
    if wh is not None:
        sampled: dict[str, Any] = {
            "value": wh,
            "context": context,
            "measurand": "Energy.Active.Import.Register",
        }
        if signed is not None:
            sampled["signedMeterValue"] = signed
        payload["meterValue"] = [{"timestamp": timestamp, "sampledValue": [sampled]}]
    return "TransactionEvent", payload


def started(timestamp: str, wh: float, **options: Any) -> Message:
    return event201(0, "Started", timestamp, "Authorized", wh, "Transaction.Begin", **options)


def ended(seq_no: int, timestamp: str, wh: float | None, **options: Any) -> Message:
    return event201(seq_no, "Ended", timestamp, "StopAuthorized", wh, "Transaction.End", **options)


def energy_tariff(price: float, vat: float = 20, step: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "id": extra.pop("id", f"energy-{price}"),
        "currency": extra.pop("currency", "EUR"),
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": price, "vat": vat, "step_size": step}]}
        ],
        **extra,
    }
