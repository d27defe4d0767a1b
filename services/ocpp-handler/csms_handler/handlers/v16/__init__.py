"""Handlers of OCPP 1.6 station-initiated calls (core and security extension), and their routing table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from csms_common.ocpp.types.v16 import (
    AuthorizeRequest,
    AuthorizeResponse,
    BootNotificationRequest,
    BootNotificationResponse,
    DataTransferRequest,
    DataTransferResponse,
    DiagnosticsStatusNotificationRequest,
    DiagnosticsStatusNotificationResponse,
    FirmwareStatusNotificationRequest,
    FirmwareStatusNotificationResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LogStatusNotificationRequest,
    LogStatusNotificationResponse,
    MeterValuesRequest,
    MeterValuesResponse,
    SecurityEventNotificationRequest,
    SecurityEventNotificationResponse,
    SignCertificateRequest,
    SignCertificateResponse,
    SignedFirmwareStatusNotificationRequest,
    SignedFirmwareStatusNotificationResponse,
    StartTransactionRequest,
    StartTransactionResponse,
    StatusNotificationRequest,
    StatusNotificationResponse,
    StopTransactionRequest,
    StopTransactionResponse,
)
from csms_handler.context import AnyRoute, Route
from csms_handler.handlers.v16.authorize import authorize, authorize_needs
from csms_handler.handlers.v16.boot_notification import boot_notification, boot_notification_needs
from csms_handler.handlers.v16.data_transfer import data_transfer
from csms_handler.handlers.v16.diagnostics_status_notification import diagnostics_status_notification
from csms_handler.handlers.v16.firmware_status_notification import firmware_status_notification
from csms_handler.handlers.v16.heartbeat import heartbeat
from csms_handler.handlers.v16.log_status_notification import log_status_notification
from csms_handler.handlers.v16.meter_values import meter_values
from csms_handler.handlers.v16.security_event_notification import security_event_notification
from csms_handler.handlers.v16.sign_certificate import sign_certificate, sign_certificate_needs
from csms_handler.handlers.v16.signed_firmware_status_notification import signed_firmware_status_notification
from csms_handler.handlers.v16.start_transaction import start_transaction, start_transaction_needs
from csms_handler.handlers.v16.status_notification import status_notification
from csms_handler.handlers.v16.stop_transaction import stop_transaction, stop_transaction_needs
from csms_handler.route_table import frozen_table


class V16Routes(TypedDict):
    """The route type of each station-initiated action handled: mypy checks every handler against it."""

    Authorize: Route[AuthorizeRequest, AuthorizeResponse]
    BootNotification: Route[BootNotificationRequest, BootNotificationResponse]
    DataTransfer: Route[DataTransferRequest, DataTransferResponse]
    DiagnosticsStatusNotification: Route[
        DiagnosticsStatusNotificationRequest, DiagnosticsStatusNotificationResponse
    ]
    FirmwareStatusNotification: Route[FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse]
    Heartbeat: Route[HeartbeatRequest, HeartbeatResponse]
    MeterValues: Route[MeterValuesRequest, MeterValuesResponse]
    StartTransaction: Route[StartTransactionRequest, StartTransactionResponse]
    StatusNotification: Route[StatusNotificationRequest, StatusNotificationResponse]
    StopTransaction: Route[StopTransactionRequest, StopTransactionResponse]
    LogStatusNotification: Route[LogStatusNotificationRequest, LogStatusNotificationResponse]
    SecurityEventNotification: Route[SecurityEventNotificationRequest, SecurityEventNotificationResponse]
    SignCertificate: Route[SignCertificateRequest, SignCertificateResponse]
    SignedFirmwareStatusNotification: Route[
        SignedFirmwareStatusNotificationRequest, SignedFirmwareStatusNotificationResponse
    ]


V16_TYPED_ROUTES: V16Routes = {
    "Authorize": Route(authorize, authorize_needs),
    "BootNotification": Route(boot_notification, boot_notification_needs),
    "DataTransfer": Route(data_transfer),
    "DiagnosticsStatusNotification": Route(diagnostics_status_notification),
    "FirmwareStatusNotification": Route(firmware_status_notification),
    "Heartbeat": Route(heartbeat),
    "MeterValues": Route(meter_values),
    "StartTransaction": Route(start_transaction, start_transaction_needs),
    "StatusNotification": Route(status_notification),
    "StopTransaction": Route(stop_transaction, stop_transaction_needs),
    # OCPP 1.6 security extension (Improved security for OCPP 1.6-J).
    "LogStatusNotification": Route(log_status_notification),
    "SecurityEventNotification": Route(security_event_notification),
    "SignCertificate": Route(sign_certificate, sign_certificate_needs),
    "SignedFirmwareStatusNotification": Route(signed_firmware_status_notification),
}

V16_ROUTES: Mapping[str, AnyRoute] = frozen_table(V16_TYPED_ROUTES, Route)
