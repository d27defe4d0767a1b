"""SignCertificate's CSMS side and the certificate records API.

A station's CSR reaches here inside the ocpp-handler's lookup (``signCertificate``): it is checked
(:mod:`csms_shadow.certificates.csr_checks`), counted against the station's CSR budget, and answered
Accepted or Rejected with a reason. An accepted one is signed a moment later (after the station has its
answer) and sent back with CertificateSigned on ``{cp}/call``; the issued certificate is recorded for
``GET /charge-points/{id}/certificates`` and can be revoked there.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime
import logging
from collections.abc import Awaitable, Callable

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from redis.exceptions import RedisError

from csms_common.mqtt_message import PublishError
from csms_common.runtime import every
from csms_common.station_id import validate_station_id
from csms_common.topics import RegistryMethod
from csms_shadow.certificates.ca_config import CaSettings
from csms_shadow.certificates.ca_metrics import (
    CERTIFICATES_ISSUED,
    CERTIFICATES_REVOKED,
    CRL_PUBLISHED,
    CSR_REQUESTS,
    OCSP_ANSWERS,
    RENEWALS_REQUESTED,
    SIGNING_FAILURES,
)
from csms_shadow.certificates.certificate_authority import (
    BuiltInAuthority,
    CertificateAuthority,
    IssuedCertificate,
    SigningFailed,
)
from csms_shadow.certificates.certificate_store import CertificateStore, InstalledCertificates
from csms_shadow.certificates.csr_checks import check_csr
from csms_shadow.certificates.ocsp_checker import OcspChecker
from csms_shadow.certificates.ocsp_responder import ocsp_response
from csms_shadow.commands.station_calls import StationCalls
from csms_shadow.documents.document import JsonObject

logger = logging.getLogger(__name__)

Answer = tuple[int, JsonObject]
CERTIFICATE_METHODS = frozenset(
    {
        RegistryMethod.CERTIFICATE_LIST,
        RegistryMethod.CERTIFICATE_REVOKE,
        RegistryMethod.CERTIFICATE_INVENTORY,
        RegistryMethod.OCSP,
    }
)
GET_INSTALLED_CERTIFICATE_IDS = "GetInstalledCertificateIds"
CERTIFICATE_SIGNED = "CertificateSigned"
STATION_CERTIFICATE = "ChargingStationCertificate"

CrlSink = Callable[[bytes], Awaitable[None]]


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _rejected(outcome: str, reason_code: str, detail: str) -> JsonObject:
    CSR_REQUESTS.labels(outcome=outcome).inc()
    return {"status": "Rejected", "reasonCode": reason_code, "additionalInfo": detail[:512]}


def certificate_record(station_id: str, issued: IssuedCertificate, certificate_type: str) -> JsonObject:
    certificate = issued.certificate
    key = certificate.public_key()
    key_type = (
        "RSA"
        if isinstance(key, rsa.RSAPublicKey)
        else "EC"
        if isinstance(key, ec.EllipticCurvePublicKey)
        else "?"
    )
    bits = (
        key.key_size
        if isinstance(key, rsa.RSAPublicKey)
        else key.curve.key_size
        if isinstance(key, ec.EllipticCurvePublicKey)
        else 0
    )
    return {
        "serialNumber": issued.serial,
        "chargePointId": station_id,
        "certificateType": certificate_type,
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "keyType": key_type,
        "keyBits": bits,
        "notBefore": _iso(certificate.not_valid_before_utc),
        "notAfter": _iso(certificate.not_valid_after_utc),
        "issuedAt": _iso(datetime.datetime.now(datetime.UTC)),
        "status": "issued",
        "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }


MAX_CONTRACT_CHAIN = 4
"""AuthorizeRequest.iso15118CertificateHashData: at most 4 certificates."""


class CertificateRequests:
    def __init__(
        self,
        settings: CaSettings,
        authority: CertificateAuthority | None,
        store: CertificateStore,
        calls: StationCalls,
        publish_crl: CrlSink | None = None,
        ocsp: OcspChecker | None = None,
        installed: InstalledCertificates | None = None,
    ) -> None:
        self._ocsp = ocsp
        self._installed = installed
        self._settings = settings
        self._authority = authority
        self._store = store
        self._calls = calls
        self._publish_crl = publish_crl
        self._signing: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ the CRL

    async def publish_revocation_list(self) -> bool:
        """Publish the CA's current CRL (revoked, unexpired serials); False when the CA keeps its own."""
        if self._authority is None or self._publish_crl is None:
            return False
        now = datetime.datetime.now(datetime.UTC)
        revocations = await self._store.revocations(now)
        crl = self._authority.revocation_list({entry.serial: entry.revoked_at for entry in revocations})
        if crl is None:
            return False
        await self._publish_crl(crl)
        CRL_PUBLISHED.inc()
        logger.info("CRL published", extra={"revoked": len(revocations)})
        return True

    async def run(self, stopping: asyncio.Event) -> None:
        """Publish the CRL at start and every ``crl_refresh`` seconds (it also goes out on revocation)."""
        while not stopping.is_set():
            delay = self._settings.crl_refresh
            try:
                if not await self.publish_revocation_list():
                    return
            except (OSError, PublishError, RedisError) as error:
                # The broker not connected yet (at start) or Redis away: try again soon.
                logger.warning("CRL not published", extra={"error": str(error)})
                delay = min(delay, 0.5)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)

    # ----------------------------------------------------------- SignCertificate

    async def sign_request(self, station_id: str, body: object) -> JsonObject:
        """The answer to a station's SignCertificate (``status``, ``reasonCode``, ``additionalInfo``)."""
        if self._authority is None:
            return _rejected("no_ca", "NotSupported", "no certificate authority configured")
        request = body if isinstance(body, dict) else {}
        certificate_type = request.get("certificateType") or STATION_CERTIFICATE
        if certificate_type != STATION_CERTIFICATE:
            return _rejected(
                "unsupported_type", "NotSupported", "only ChargingStationCertificate is signed here"
            )
        # Counted before anything is parsed: a flood of junk costs the CA no more than good requests.
        if await self._store.count_request(station_id, self._settings.csr_window) > self._settings.csr_limit:
            logger.info("CSR rate limited", extra={"station_id": station_id})
            return _rejected(
                "rate_limited",
                "TooManyRequests",
                f"at most {self._settings.csr_limit} signing requests per {self._settings.csr_window} s",
            )
        verdict = check_csr(request.get("csr"), station_id, self._settings.organization)
        if verdict.refusal is not None or verdict.request is None:
            outcome = verdict.refusal.value if verdict.refusal else "malformed"
            logger.info(
                "CSR refused", extra={"station_id": station_id, "reason": outcome, "detail": verdict.detail}
            )
            return _rejected(outcome, "InvalidCSR", verdict.detail)
        if len(self._signing) >= self._settings.max_signing:
            return _rejected("busy", "Busy", "the certificate authority is busy, retry later")
        CSR_REQUESTS.labels(outcome="accepted").inc()
        task = asyncio.create_task(self._issue(station_id, verdict.request, certificate_type))
        self._signing.add(task)
        task.add_done_callback(self._signing.discard)
        return {"status": "Accepted"}

    async def _issue(
        self, station_id: str, request: x509.CertificateSigningRequest, certificate_type: str
    ) -> None:
        assert self._authority is not None
        await asyncio.sleep(self._settings.send_delay)
        try:
            issued = await self._authority.sign(request)
        except SigningFailed as error:
            SIGNING_FAILURES.inc()
            logger.warning("certificate not signed", extra={"station_id": station_id, "error": str(error)})
            return
        record = certificate_record(station_id, issued, certificate_type)
        # The chain alone: what 1.6 (security extension) and 2.x both take; 2.x's optional
        # certificateType defaults to the station certificate, the only kind signed here.
        payload: JsonObject = {"certificateChain": issued.chain_pem}
        message_id = await self._calls.send(station_id, CERTIFICATE_SIGNED, payload, any_version=True)
        record["certificateSignedMessageId"] = message_id
        await self._store.add(station_id, record)
        CERTIFICATES_ISSUED.inc()
        logger.info(
            "certificate issued",
            extra={
                "station_id": station_id,
                "serial": issued.serial,
                "not_after": record["notAfter"],
                "sent": message_id is not None,
            },
        )

    async def wait_idle(self) -> None:
        """Until the signings in progress are done (tests, shutdown)."""
        if self._signing:
            await asyncio.gather(*self._signing, return_exceptions=True)

    # ------------------------------------------------------------------- the API

    # ------------------------------------------------------------------ renewal

    async def request_renewals(self, owns: Callable[[str], bool], limit: int = 100) -> int:
        """Ask connected stations whose certificates expire within ``renew_before`` to send a new
        CSR; how many were asked. A station not connected is asked at a later look."""
        now = datetime.datetime.now(datetime.UTC)
        due = await self._store.expiring(now + datetime.timedelta(seconds=self._settings.renew_before), limit)
        asked = 0
        for station_id, serial in due:
            if not owns(station_id):
                continue
            record = await self._store.get(station_id, serial)
            if record is None or record.get("status") == "revoked":
                await self._store.renewal_requested(station_id, serial, None)
                continue
            protocol = await self._calls.protocol(station_id)
            if protocol is None:
                continue
            if protocol == "ocpp1.6":  # the 1.6 security extension's names
                action, payload = "ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}
            else:
                action, payload = "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
            message_id = await self._calls.send(station_id, action, payload, any_version=True)
            if message_id is None:
                continue
            record["renewalRequestedAt"] = _iso(now)
            await self._store.renewal_requested(station_id, serial, record)
            RENEWALS_REQUESTED.inc()
            asked += 1
            logger.info(
                "certificate renewal requested",
                extra={"station_id": station_id, "serial": serial, "not_after": record.get("notAfter")},
            )
        return asked

    async def renew(self, stopping: asyncio.Event, owns: Callable[[str], bool]) -> None:
        """Every ``renew_check`` seconds: :meth:`request_renewals`."""
        if self._authority is None:
            return
        async for _ in every(self._settings.renew_check, stopping):
            try:
                await self.request_renewals(owns)
            except (OSError, PublishError, RedisError) as error:
                logger.warning("certificate renewals skipped", extra={"error": str(error)})

    async def certificate_status(self, station_id: str, data: object) -> JsonObject:
        """GetCertificateStatus: the OCSP answer of the responder the station names, or Failed."""
        if self._ocsp is None:
            return {"status": "Failed", "reasonCode": "NotSupported", "additionalInfo": "no OCSP client"}
        return await self._ocsp.status(station_id, data)

    async def contract_status(self, station_id: str, chain: object) -> str:
        """Authorize with ``iso15118CertificateHashData`` (C07): an AuthorizeCertificateStatusEnumType.

        Every certificate of the chain (at most 4, as the schema allows) is asked for by OCSP; one revoked
        makes the chain revoked; one unknown to its responder, or a check that failed (responder down,
        slow, not allowed), makes it a chain error: nothing is accepted that could not be checked.
        """
        if self._ocsp is None:
            return "CertChainError"
        if not isinstance(chain, list) or not chain:
            return "NoCertificateAvailable"
        for data in chain[:MAX_CONTRACT_CHAIN]:
            answer = await self._ocsp.status(station_id, data)
            if answer.get("status") != "Accepted":
                return "CertChainError"
            try:
                response = ocsp.load_der_ocsp_response(base64.b64decode(str(answer["ocspResult"])))
            except (ValueError, KeyError):
                return "CertChainError"
            if response.certificate_status is ocsp.OCSPCertStatus.REVOKED:
                return "CertificateRevoked"
            if response.certificate_status is not ocsp.OCSPCertStatus.GOOD:
                return "CertChainError"
        return "Accepted"

    async def ocsp_answer(self, body: JsonObject) -> Answer:
        """The built-in CA's OCSP responder (``POST /ocsp`` of the remote-api)."""
        if not isinstance(self._authority, BuiltInAuthority):
            return 404, {"error": "no built-in certificate authority"}
        try:
            request = base64.b64decode(str(body.get("request", "")), validate=True)
        except binascii.Error as error:
            raise ValueError("request must be base64 DER") from error
        now = datetime.datetime.now(datetime.UTC)
        revoked = {entry.serial: entry.revoked_at for entry in await self._store.revocations(now)}
        validity = datetime.timedelta(seconds=self._settings.ocsp_validity)
        answer = ocsp_response(self._authority, request, revoked, now, validity)
        OCSP_ANSWERS.inc()
        return 200, {"response": base64.b64encode(answer).decode("ascii")}

    async def on_command(self, station_id: str, command: JsonObject) -> None:
        """A recorded command: a GetInstalledCertificateIds answer becomes the station's inventory."""
        if (
            self._installed is None
            or command.get("action") != GET_INSTALLED_CERTIFICATE_IDS
            or command.get("state") != "answered"
            or not isinstance(command.get("payload"), dict)
        ):
            return
        inventory = await self._installed.store(
            station_id, command["payload"], datetime.datetime.now(datetime.UTC)
        )
        logger.info(
            "installed certificates recorded",
            extra={"station_id": station_id, "count": len(inventory["certificates"])},
        )

    async def forget(self, station_id: str) -> None:
        """The station was deleted: its certificate records go (revocations stay on the CRL)."""
        dropped = await self._store.forget(station_id)
        if dropped:
            logger.info("certificate records dropped", extra={"station_id": station_id, "records": dropped})

    async def handle(self, method: RegistryMethod, body: JsonObject) -> Answer:
        if method is RegistryMethod.OCSP:
            return await self.ocsp_answer(body)
        station_id = validate_station_id(body.get("chargePointId"))
        if method is RegistryMethod.CERTIFICATE_INVENTORY:
            if self._installed is None:
                return 404, {"error": "no inventory kept"}
            return 200, await self._installed.get(station_id)
        if method is RegistryMethod.CERTIFICATE_LIST:
            return 200, {"chargePointId": station_id, "certificates": await self._store.records(station_id)}
        serial = body.get("serialNumber")
        if not isinstance(serial, str) or not 0 < len(serial) <= 40:
            raise ValueError("serialNumber must be the hex serial number of an issued certificate")
        record = await self._store.get(station_id, serial.lower())
        if record is None:
            return 404, {"error": f"no certificate {serial} issued to {station_id}"}
        was_revoked = record.get("status") == "revoked"
        revoked = await self._store.revoke(station_id, record, datetime.datetime.now(datetime.UTC))
        if not was_revoked:
            CERTIFICATES_REVOKED.inc()
            logger.info("certificate revoked", extra={"station_id": station_id, "serial": serial})
            await self.publish_revocation_list()
        return 200, revoked
