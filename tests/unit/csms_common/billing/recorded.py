"""Replays a recorded station message sequence through the real handlers and the shadow's record
merge, as the running system does, and builds the session from what would be stored."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from csms_common.billing.samples import appended, sample_entry
from csms_common.billing.session import SessionInputs, build_session
from csms_common.billing.tariffs import Tariff
from csms_common.ocpp.frames import CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import Lookups, TokenStatus, TransactionRecord
from csms_handler.processor import FrameProcessor, StationFrame
from csms_handler.routing import shipped_routing
from csms_shadow.transactions.records import already_applied, merge_record

STATION = "CP-BILL"
NOW = datetime(2030, 1, 1, tzinfo=UTC)


@dataclass
class Replayed:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    samples: dict[str, list[Any]] = field(default_factory=dict)
    thinned: dict[str, int] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)

    def session(
        self, tariffs: tuple[Tariff, ...] = (), max_power_w: Decimal | None = Decimal(22000)
    ) -> dict[str, Any]:
        [(transaction_id, record)] = self.records.items()
        inputs = SessionInputs(
            STATION,
            record,
            self.samples.get(transaction_id, []),
            tariffs,
            max_power_w,
            samples_thinned=self.thinned.get(transaction_id, 0),
        )
        return build_session(inputs, NOW)


def replay(
    schemas: SchemaRegistry, version: OcppVersion, messages: list[tuple[str, dict[str, Any]]], cap: int = 500
) -> Replayed:
    processor = FrameProcessor(schemas, shipped_routing(), heartbeat_interval=300)
    replayed = Replayed()
    for index, (action, payload) in enumerate(messages):
        frame = StationFrame(STATION, version, json.dumps([2, f"m{index}", action, payload]).encode())
        lookups = Lookups(
            tokens={"TAG-1": TokenStatus("Accepted")},
            transaction_id=1001 if action == "StartTransaction" else None,
        )
        outcome = processor.process(frame, NOW, lookups)
        assert isinstance(outcome.reply, CallResult), f"{action} refused: {outcome.error}"
        replayed.replies.append(outcome.reply.payload)
        for effect in outcome.effects:
            if not isinstance(effect, TransactionRecord):
                continue
            current = replayed.records.get(effect.transaction_id)
            if already_applied(current, effect.event):
                continue
            record = merge_record(current, effect.fields, effect.event)
            record["transactionId"] = effect.transaction_id
            replayed.records[effect.transaction_id] = record
            if effect.meter_values:
                entry = sample_entry(
                    effect.meter_values,
                    offline=effect.offline,
                    seq_no=(effect.event or {}).get("seqNo"),
                )
                entries, dropped = appended(replayed.samples.get(effect.transaction_id, []), entry, cap)
                replayed.samples[effect.transaction_id] = entries
                replayed.thinned[effect.transaction_id] = (
                    replayed.thinned.get(effect.transaction_id, 0) + dropped
                )
    return replayed
