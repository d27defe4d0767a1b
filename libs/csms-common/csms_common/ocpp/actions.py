"""Which actions each side of an OCPP connection may initiate, per version.

The schema files name every action but not its direction. Station-initiated
actions are listed here from the specifications; the CSMS may initiate every
other action of the version, plus DataTransfer, which goes both ways.
"""

from __future__ import annotations

from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion

_V16_STATION = frozenset(
    {
        "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
        "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
        "StatusNotification", "StopTransaction",
        # Security whitepaper extension
        "LogStatusNotification", "SecurityEventNotification", "SignCertificate",
        "SignedFirmwareStatusNotification",
    }
)  # fmt: skip

_V201_STATION = frozenset(
    {
        "Authorize", "BootNotification", "ClearedChargingLimit", "DataTransfer",
        "FirmwareStatusNotification", "Get15118EVCertificate", "GetCertificateStatus", "Heartbeat",
        "LogStatusNotification", "MeterValues", "NotifyChargingLimit", "NotifyCustomerInformation",
        "NotifyDisplayMessages", "NotifyEVChargingNeeds", "NotifyEVChargingSchedule", "NotifyEvent",
        "NotifyMonitoringReport", "NotifyReport", "PublishFirmwareStatusNotification",
        "ReportChargingProfiles", "ReservationStatusUpdate", "SecurityEventNotification",
        "SignCertificate", "StatusNotification", "TransactionEvent",
    }
)  # fmt: skip

_V21_STATION = _V201_STATION | frozenset(
    {
        "BatterySwap", "ClosePeriodicEventStream", "GetCertificateChainStatus", "NotifyDERAlarm",
        "NotifyDERStartStop", "NotifyPeriodicEventStream", "NotifyPriorityCharging", "NotifySettlement",
        "OpenPeriodicEventStream", "PullDynamicScheduleUpdate", "ReportDERControl", "VatNumberValidation",
    }
)  # fmt: skip

STATION_INITIATED: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: _V16_STATION,
    OcppVersion.V20: _V201_STATION,
    OcppVersion.V201: _V201_STATION,
    OcppVersion.V21: _V21_STATION,
}

BOTH_DIRECTIONS = frozenset({"DataTransfer"})


def csms_initiated(schemas: SchemaRegistry, version: OcppVersion) -> frozenset[str]:
    """The actions the CSMS may send to a station of ``version``."""
    return (schemas.actions(version) - STATION_INITIATED[version]) | BOTH_DIRECTIONS
