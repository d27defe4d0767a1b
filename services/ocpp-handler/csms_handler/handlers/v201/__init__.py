"""Handlers of OCPP 2.0.1 station-initiated calls (also used for 2.0 and 2.1), and their routing table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from csms_common.ocpp.types.v201 import (
    AuthorizeRequest,
    AuthorizeResponse,
    BootNotificationRequest,
    BootNotificationResponse,
    ClearedChargingLimitRequest,
    ClearedChargingLimitResponse,
    DataTransferRequest,
    DataTransferResponse,
    FirmwareStatusNotificationRequest,
    FirmwareStatusNotificationResponse,
    Get15118EVCertificateRequest,
    Get15118EVCertificateResponse,
    GetCertificateStatusRequest,
    GetCertificateStatusResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LogStatusNotificationRequest,
    LogStatusNotificationResponse,
    MeterValuesRequest,
    MeterValuesResponse,
    NotifyChargingLimitRequest,
    NotifyChargingLimitResponse,
    NotifyCustomerInformationRequest,
    NotifyCustomerInformationResponse,
    NotifyDisplayMessagesRequest,
    NotifyDisplayMessagesResponse,
    NotifyEVChargingNeedsRequest,
    NotifyEVChargingNeedsResponse,
    NotifyEVChargingScheduleRequest,
    NotifyEVChargingScheduleResponse,
    NotifyEventRequest,
    NotifyEventResponse,
    NotifyMonitoringReportRequest,
    NotifyMonitoringReportResponse,
    NotifyReportRequest,
    NotifyReportResponse,
    PublishFirmwareStatusNotificationRequest,
    PublishFirmwareStatusNotificationResponse,
    ReportChargingProfilesRequest,
    ReportChargingProfilesResponse,
    ReservationStatusUpdateRequest,
    ReservationStatusUpdateResponse,
    SecurityEventNotificationRequest,
    SecurityEventNotificationResponse,
    SignCertificateRequest,
    SignCertificateResponse,
    StatusNotificationRequest,
    StatusNotificationResponse,
    TransactionEventRequest,
    TransactionEventResponse,
)
from csms_handler.context import AnyRoute, Route
from csms_handler.handlers.v201.authorize import authorize, authorize_needs
from csms_handler.handlers.v201.boot_notification import boot_notification, boot_notification_needs
from csms_handler.handlers.v201.cleared_charging_limit import cleared_charging_limit
from csms_handler.handlers.v201.data_transfer import data_transfer
from csms_handler.handlers.v201.firmware_status_notification import firmware_status_notification
from csms_handler.handlers.v201.get_15118_ev_certificate import (
    get_15118_ev_certificate,
    get_15118_ev_certificate_needs,
)
from csms_handler.handlers.v201.get_certificate_status import (
    get_certificate_status,
    get_certificate_status_needs,
)
from csms_handler.handlers.v201.heartbeat import heartbeat
from csms_handler.handlers.v201.log_status_notification import log_status_notification
from csms_handler.handlers.v201.meter_values import meter_values
from csms_handler.handlers.v201.notify_charging_limit import notify_charging_limit
from csms_handler.handlers.v201.notify_customer_information import notify_customer_information
from csms_handler.handlers.v201.notify_display_messages import notify_display_messages
from csms_handler.handlers.v201.notify_ev_charging_needs import notify_ev_charging_needs
from csms_handler.handlers.v201.notify_ev_charging_schedule import notify_ev_charging_schedule
from csms_handler.handlers.v201.notify_event import notify_event
from csms_handler.handlers.v201.notify_monitoring_report import notify_monitoring_report
from csms_handler.handlers.v201.notify_report import notify_report
from csms_handler.handlers.v201.publish_firmware_status_notification import (
    publish_firmware_status_notification,
)
from csms_handler.handlers.v201.report_charging_profiles import report_charging_profiles
from csms_handler.handlers.v201.reservation_status_update import reservation_status_update
from csms_handler.handlers.v201.security_event_notification import security_event_notification
from csms_handler.handlers.v201.sign_certificate import sign_certificate, sign_certificate_needs
from csms_handler.handlers.v201.status_notification import status_notification
from csms_handler.handlers.v201.transaction_event import transaction_event, transaction_event_needs
from csms_handler.route_table import frozen_table


class V201Routes(TypedDict):
    """The route type of each station-initiated action handled: mypy checks every handler against it."""

    BootNotification: Route[BootNotificationRequest, BootNotificationResponse]
    Heartbeat: Route[HeartbeatRequest, HeartbeatResponse]
    StatusNotification: Route[StatusNotificationRequest, StatusNotificationResponse]
    TransactionEvent: Route[TransactionEventRequest, TransactionEventResponse]
    Authorize: Route[AuthorizeRequest, AuthorizeResponse]
    MeterValues: Route[MeterValuesRequest, MeterValuesResponse]
    NotifyReport: Route[NotifyReportRequest, NotifyReportResponse]
    NotifyEvent: Route[NotifyEventRequest, NotifyEventResponse]
    SecurityEventNotification: Route[SecurityEventNotificationRequest, SecurityEventNotificationResponse]
    LogStatusNotification: Route[LogStatusNotificationRequest, LogStatusNotificationResponse]
    FirmwareStatusNotification: Route[FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse]
    PublishFirmwareStatusNotification: Route[
        PublishFirmwareStatusNotificationRequest, PublishFirmwareStatusNotificationResponse
    ]
    DataTransfer: Route[DataTransferRequest, DataTransferResponse]
    SignCertificate: Route[SignCertificateRequest, SignCertificateResponse]
    Get15118EVCertificate: Route[Get15118EVCertificateRequest, Get15118EVCertificateResponse]
    GetCertificateStatus: Route[GetCertificateStatusRequest, GetCertificateStatusResponse]
    ReservationStatusUpdate: Route[ReservationStatusUpdateRequest, ReservationStatusUpdateResponse]
    NotifyChargingLimit: Route[NotifyChargingLimitRequest, NotifyChargingLimitResponse]
    ClearedChargingLimit: Route[ClearedChargingLimitRequest, ClearedChargingLimitResponse]
    ReportChargingProfiles: Route[ReportChargingProfilesRequest, ReportChargingProfilesResponse]
    NotifyEVChargingNeeds: Route[NotifyEVChargingNeedsRequest, NotifyEVChargingNeedsResponse]
    NotifyEVChargingSchedule: Route[NotifyEVChargingScheduleRequest, NotifyEVChargingScheduleResponse]
    NotifyMonitoringReport: Route[NotifyMonitoringReportRequest, NotifyMonitoringReportResponse]
    NotifyDisplayMessages: Route[NotifyDisplayMessagesRequest, NotifyDisplayMessagesResponse]
    NotifyCustomerInformation: Route[NotifyCustomerInformationRequest, NotifyCustomerInformationResponse]


V201_TYPED_ROUTES: V201Routes = {
    "BootNotification": Route(boot_notification, boot_notification_needs),
    "Heartbeat": Route(heartbeat),
    "StatusNotification": Route(status_notification),
    "TransactionEvent": Route(transaction_event, transaction_event_needs),
    "Authorize": Route(authorize, authorize_needs),
    "MeterValues": Route(meter_values),
    "NotifyReport": Route(notify_report),
    "NotifyEvent": Route(notify_event),
    "SecurityEventNotification": Route(security_event_notification),
    "LogStatusNotification": Route(log_status_notification),
    "FirmwareStatusNotification": Route(firmware_status_notification),
    "PublishFirmwareStatusNotification": Route(publish_firmware_status_notification),
    "DataTransfer": Route(data_transfer),
    "SignCertificate": Route(sign_certificate, sign_certificate_needs),
    "Get15118EVCertificate": Route(get_15118_ev_certificate, get_15118_ev_certificate_needs),
    "GetCertificateStatus": Route(get_certificate_status, get_certificate_status_needs),
    "ReservationStatusUpdate": Route(reservation_status_update),
    "NotifyChargingLimit": Route(notify_charging_limit),
    "ClearedChargingLimit": Route(cleared_charging_limit),
    "ReportChargingProfiles": Route(report_charging_profiles),
    "NotifyEVChargingNeeds": Route(notify_ev_charging_needs),
    "NotifyEVChargingSchedule": Route(notify_ev_charging_schedule),
    "NotifyMonitoringReport": Route(notify_monitoring_report),
    "NotifyDisplayMessages": Route(notify_display_messages),
    "NotifyCustomerInformation": Route(notify_customer_information),
}

V201_ROUTES: Mapping[str, AnyRoute] = frozen_table(V201_TYPED_ROUTES, Route)
