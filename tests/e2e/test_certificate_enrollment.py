"""SignCertificate end to end: a profile-3 station on the TLS listener sends a CSR, the built-in CA
(in the shadow service) signs it, CertificateSigned brings it back, and the station reconnects with
its new certificate. Bad CSRs and a CSR flood are Rejected with the reason; records and revocation
over the API. A private system: the shadow runs with CA_MODE=builtin on the test's dev CA."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import http.server
import json
import re
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as call_result201

from scripts.pki import Pki, make_pki
from tests.support import infra
from tests.support.api import Api
from tests.support.certificates import PrivateKey, key_pem, name, new_key
from tests.support.polling import wait_until
from tests.support.stations import Station16, Station201, running
from tests.support.system import System

pytestmark = pytest.mark.e2e

ORGANIZATION = "Example CPO"
CSR_LIMIT = 4
OCSP_TIMEOUT = 1.0


class ContractService:
    """A stand-in contract-certificate service: answers every EXI request with a made-up EXI response."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                requests.append(body)
                answer = json.dumps(
                    {"status": "Accepted", "exiResponse": "EXI:" + body["exiRequest"]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/contract-certificates"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("enrollment-pki"))


@pytest.fixture(scope="module")
def ca_system(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[System]:
    with (
        infra.mosquitto(tmp_path_factory.mktemp("ca-broker")) as broker,
        infra.redis(tmp_path_factory.mktemp("ca-redis")) as redis,
    ):
        system = System(Path(tmp_path_factory.mktemp("ca")), broker.url, redis.url, broker.passwords)
        api_port, silent_port, closed_port = infra.free_ports(3)
        silent = socket.create_server(("127.0.0.1", silent_port))  # accepts, never answers
        contract_service = ContractService()
        system.test_ports = {"silent": silent_port, "closed": closed_port}  # type: ignore[attr-defined]
        system.contract_service = contract_service  # type: ignore[attr-defined]
        ocsp_url = f"http://127.0.0.1:{api_port}/ocsp"
        overrides: dict[str, dict[str, str]] = {
            "shadow": {
                "CA_MODE": "builtin",
                "CA_CERT": str(pki.ca),
                "CA_KEY": str(pki.directory / "ca.key"),
                "CA_ORGANIZATION": ORGANIZATION,
                "CA_CSR_LIMIT": str(CSR_LIMIT),
                "CA_VALIDITY_DAYS": "20",
                "CA_SEND_DELAY": "0.2",
                "CA_OCSP_URL": ocsp_url,
                "CA_OCSP_RESPONDERS": ",".join(
                    (ocsp_url, f"http://127.0.0.1:{silent_port}/", f"http://127.0.0.1:{closed_port}/")
                ),
                "CA_OCSP_TIMEOUT": str(OCSP_TIMEOUT),
                # Issued for 20 days, due for renewal 3 s after issue, looked for every second.
                "CA_RENEW_BEFORE": str(20 * 24 * 3600 - 3),
                "CA_RENEW_CHECK": "1",
                "CA_CONTRACT_SERVICE_URL": contract_service.url,
            },
            "remote-api": {"API_PORT": str(api_port)},
            "gateway": {
                "GATEWAY_TLS_CERT": str(pki.server_cert),
                "GATEWAY_TLS_KEY": str(pki.server_key),
                "GATEWAY_TLS_EC_CERT": str(pki.server_ec_cert),
                "GATEWAY_TLS_EC_KEY": str(pki.server_ec_key),
                "GATEWAY_TLS_CLIENT_CA": str(pki.ca),
                "GATEWAY_TLS_CRL_FROM_CA": "true",
                "GATEWAY_REGISTRATION_CACHE": "0",
            },
        }
        try:
            for service in ("shadow", "ocpp-handler", "gateway", "remote-api"):
                extra = ("GATEWAY_TLS_PORT",) if service == "gateway" else ()
                if service == "remote-api":
                    tls_port = system.processes["ca-gateway"].env["GATEWAY_TLS_PORT"]
                    overrides["remote-api"]["API_STATION_WSS_URL"] = f"wss://127.0.0.1:{tls_port}/"
                system.start(service, label=f"ca-{service}", extra_ports=extra, **overrides.get(service, {}))
            for process in system.processes.values():
                system.wait_ready(process)
            system.gateway_url = f"wss://127.0.0.1:{system.processes['ca-gateway'].env['GATEWAY_TLS_PORT']}"
            system.api_url = system.processes["ca-remote-api"].admin_url
            yield system
        finally:
            system.stop_all()
            silent.close()
            contract_service.close()


@pytest.fixture
def ca_api(ca_system: System) -> Api:
    return Api(ca_system.api_url)


def register_profile_3(api: Api, station_id: str) -> None:
    response = api.post("/charge-points", json={"chargePointId": station_id, "securityProfile": 3})
    assert response.status_code == 201, response.text


def make_csr(common_name: str, key: PrivateKey, organization: str | None = ORGANIZATION) -> str:
    request = x509.CertificateSigningRequestBuilder().subject_name(name(common_name, organization))
    return request.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


class EnrollingStation201(Station201):
    """A 2.0.1 station that takes CertificateSigned and keeps the chain."""

    @on("CertificateSigned")
    async def on_certificate_signed(self, **payload: Any) -> call_result201.CertificateSigned:
        await self._record("CertificateSigned", payload)
        return call_result201.CertificateSigned(status="Accepted")


class RenewingStation201(EnrollingStation201):
    """Answers TriggerMessage SignChargingStationCertificate the way a station does: by sending a CSR."""

    @on("TriggerMessage")
    async def on_trigger_message(self, **payload: Any) -> call_result201.TriggerMessage:
        await self._record("TriggerMessage", payload)
        return call_result201.TriggerMessage(status="Accepted")


class EnrollingStation16(Station16):
    @on("CertificateSigned")
    async def on_certificate_signed(self, **payload: Any) -> call_result16.CertificateSigned:
        self.received.put_nowait(("CertificateSigned", payload, 0.0))
        return call_result16.CertificateSigned(status="Accepted")

    @on("ExtendedTriggerMessage")
    async def on_extended_trigger(self, **payload: Any) -> call_result16.ExtendedTriggerMessage:
        self.received.put_nowait(("ExtendedTriggerMessage", payload, 0.0))
        return call_result16.ExtendedTriggerMessage(status="Accepted")

    @on("ChangeConfiguration")
    async def on_change_configuration(self, **payload: Any) -> call_result16.ChangeConfiguration:
        self.received.put_nowait(("ChangeConfiguration", payload, 0.0))
        return call_result16.ChangeConfiguration(status="Accepted")


HASH_DATA = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "ab" * 32,
    "issuerKeyHash": "cd" * 32,
    "serialNumber": "1a2b",
}


class CertificateStoreStation201(EnrollingStation201):
    """Installs, lists and deletes certificates the way a station does (one installed root here)."""

    @on("InstallCertificate")
    async def on_install_certificate(self, **payload: Any) -> call_result201.InstallCertificate:
        await self._record("InstallCertificate", payload)
        return call_result201.InstallCertificate(status="Accepted")

    @on("GetInstalledCertificateIds")
    async def on_get_installed(self, **payload: Any) -> call_result201.GetInstalledCertificateIds:
        await self._record("GetInstalledCertificateIds", payload)
        chain = [
            {
                "certificate_type": "CSMSRootCertificate",
                "certificate_hash_data": {
                    "hash_algorithm": "SHA256",
                    "issuer_name_hash": HASH_DATA["issuerNameHash"],
                    "issuer_key_hash": HASH_DATA["issuerKeyHash"],
                    "serial_number": HASH_DATA["serialNumber"],
                },
            }
        ]
        return call_result201.GetInstalledCertificateIds(status="Accepted", certificate_hash_data_chain=chain)

    @on("DeleteCertificate")
    async def on_delete_certificate(self, **payload: Any) -> call_result201.DeleteCertificate:
        await self._record("DeleteCertificate", payload)
        return call_result201.DeleteCertificate(status="Accepted")


class UpgradingStation201(EnrollingStation201):
    @on("SetNetworkProfile")
    async def on_set_network_profile(self, **payload: Any) -> call_result201.SetNetworkProfile:
        await self._record("SetNetworkProfile", payload)
        return call_result201.SetNetworkProfile(status="Accepted")

    @on("SetVariables")
    async def on_set_variables(self, **payload: Any) -> call_result201.SetVariables:
        await self._record("SetVariables", payload)
        data = payload["set_variable_data"][0]
        return call_result201.SetVariables(
            set_variable_result=[
                {"attribute_status": "Accepted", "component": data["component"], "variable": data["variable"]}
            ]
        )

    @on("Reset")
    async def on_reset(self, **payload: Any) -> call_result201.Reset:
        await self._record("Reset", payload)
        return call_result201.Reset(status="Accepted")


def tls_context(pki: Pki, cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    context.load_cert_chain(str(cert), str(key))
    return context


@contextlib.asynccontextmanager
async def connected(
    system: System, station_id: str, context: ssl.SSLContext, version: str = "ocpp2.0.1"
) -> AsyncIterator[Any]:
    async with websockets.connect(
        f"{system.gateway_url}/{station_id}", subprotocols=[version], ssl=context, open_timeout=5
    ) as ws:
        station_class = EnrollingStation201 if version == "ocpp2.0.1" else EnrollingStation16
        async with running(station_class(station_id, ws)) as station:
            yield station


async def next_call(station: Any, action: str, timeout: float = 10) -> dict[str, Any]:
    received_action, payload, _ = await asyncio.wait_for(station.received.get(), timeout)
    assert received_action == action
    return dict(payload)


def opens(system: System, station_id: str, context: ssl.SSLContext) -> bool:
    async def attempt() -> bool:
        try:
            async with connected(system, station_id, context) as station:
                response = await station.call(call201.Heartbeat())
                return bool(response.current_time)
        except (ssl.SSLError, ConnectionError, websockets.InvalidHandshake, websockets.ConnectionClosed):
            return False

    return asyncio.run(attempt())


def metric(system: System, label: str, pattern: str) -> float:
    with urllib.request.urlopen(f"{system.processes[label].admin_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    match = re.search(pattern + r" ([0-9.e+]+)", text)
    return float(match[1]) if match else 0.0


def test_profile_3_station_enrolls_and_reconnects_with_its_new_certificate(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str, tmp_path: Path
) -> None:
    register_profile_3(ca_api, station_id)
    factory_cert, factory_key = pki.client(station_id)
    new_private_key = ec.generate_private_key(ec.SECP256R1())

    async def enroll() -> str:
        async with connected(ca_system, station_id, tls_context(pki, factory_cert, factory_key)) as station:
            response = await station.call(
                call201.SignCertificate(
                    csr=make_csr(station_id, new_private_key), certificate_type="ChargingStationCertificate"
                )
            )
            assert response.status == "Accepted", response
            signed = await next_call(station, "CertificateSigned")
            return str(signed["certificate_chain"])

    chain_pem = asyncio.run(enroll())
    chain = x509.load_pem_x509_certificates(chain_pem.encode())
    issued, ca_certificate = chain[0], chain[1]
    assert ca_certificate == x509.load_pem_x509_certificate(pki.ca.read_bytes())
    issued.verify_directly_issued_by(ca_certificate)
    assert issued.public_key() == new_private_key.public_key()
    assert issued.subject == name(station_id, ORGANIZATION)
    lifetime = issued.not_valid_after_utc - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(days=19) < lifetime <= datetime.timedelta(days=20)

    cert_path, key_path = tmp_path / "new.pem", tmp_path / "new.key"
    cert_path.write_text(chain_pem)
    key_path.write_bytes(key_pem(new_private_key))
    assert opens(ca_system, station_id, tls_context(pki, cert_path, key_path))

    serial = format(issued.serial_number, "x")
    records = wait_until(
        lambda: ca_api.get(f"/charge-points/{station_id}/certificates").json()["certificates"],
        message="the issued certificate is recorded",
    )
    assert [record["serialNumber"] for record in records] == [serial]
    assert records[0]["status"] == "issued" and records[0]["keyType"] == "EC" and records[0]["keyBits"] == 256
    assert records[0]["notAfter"] == issued.not_valid_after_utc.isoformat().replace("+00:00", "Z")

    revoked = ca_api.request("DELETE", f"/charge-points/{station_id}/certificates/{serial}")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    listed = ca_api.get(f"/charge-points/{station_id}/certificates").json()["certificates"]
    assert listed[0]["status"] == "revoked"
    # The CRL reaches the gateway over MQTT: the next handshake with that certificate fails.
    refused_before = metric(ca_system, "ca-gateway", 'csms_gateway_tls_refusals_total{reason="revoked"}')
    new_context = tls_context(pki, cert_path, key_path)
    wait_until(
        lambda: not opens(ca_system, station_id, new_context),
        timeout=10,
        message="the revoked certificate is refused at the TLS handshake",
    )
    assert (
        metric(ca_system, "ca-gateway", 'csms_gateway_tls_refusals_total{reason="revoked"}') > refused_before
    )
    used = metric(ca_system, "ca-gateway", 'csms_gateway_crl_updates_total{outcome="used"}')
    assert used >= 2, used  # the CRL at start, and the one after the revocation
    assert opens(ca_system, station_id, tls_context(pki, factory_cert, factory_key))  # not revoked
    assert ca_api.request("DELETE", f"/charge-points/{station_id}/certificates/abc123").status_code == 404
    bad = ca_api.request("DELETE", f"/charge-points/{station_id}/certificates/not-hex")
    assert bad.status_code == 400 and "error" in bad.json()
    # Deleting the station drops its records (bounded storage); the revocation stays on the CRL.
    assert ca_api.request("DELETE", f"/charge-points/{station_id}").status_code == 200
    assert ca_api.get(f"/charge-points/{station_id}/certificates").status_code == 404  # not registered
    register_profile_3(ca_api, station_id)  # registered again: the old records are gone
    assert ca_api.get(f"/charge-points/{station_id}/certificates").json()["certificates"] == []
    ca_certificate = x509.load_pem_x509_certificate(pki.ca.read_bytes())
    request = ocsp.OCSPRequestBuilder().add_certificate(issued, ca_certificate, hashes.SHA256()).build()
    url = (
        issued.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        .value[0]
        .access_location.value
    )
    http = urllib.request.Request(url, data=request.public_bytes(serialization.Encoding.DER))
    with urllib.request.urlopen(http, timeout=5) as response:
        assert ocsp.load_der_ocsp_response(response.read()).certificate_status is ocsp.OCSPCertStatus.REVOKED


def test_bad_csrs_are_rejected_with_the_reason(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    register_profile_3(ca_api, station_id)
    cert, key = pki.client(station_id)
    cases = [
        (make_csr("CP-SOMEONE-ELSE", new_key("ec")), "wrong_common_name"),
        (make_csr(station_id, rsa.generate_private_key(public_exponent=65537, key_size=1024)), "weak_key"),
        (make_csr(station_id, new_key("ec"), organization="Another CPO"), "wrong_organization"),
        ("-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n-----END CERTIFICATE REQUEST-----", "malformed"),
    ]
    before = {
        reason: metric(ca_system, "ca-shadow", f'csms_shadow_csr_total{{outcome="{reason}"}}')
        for _, reason in cases
    }

    async def scenario() -> None:
        async with connected(ca_system, station_id, tls_context(pki, cert, key)) as station:
            for csr, _ in cases:
                response = await station.call(call201.SignCertificate(csr=csr))
                assert response.status == "Rejected"
                assert response.status_info["reason_code"] == "InvalidCSR"
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(station.received.get(), 1.0)  # nothing was signed

    asyncio.run(scenario())
    for _, reason in cases:
        after = metric(ca_system, "ca-shadow", f'csms_shadow_csr_total{{outcome="{reason}"}}')
        assert after == before[reason] + 1, reason
    assert ca_api.get(f"/charge-points/{station_id}/certificates").json()["certificates"] == []


def test_a_csr_flood_is_rate_limited_per_station(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    register_profile_3(ca_api, station_id)
    other = f"{station_id}-B"
    register_profile_3(ca_api, other)

    async def flood(station_id: str, count: int) -> list[str]:
        cert, key = pki.client(station_id)
        statuses = []
        async with connected(ca_system, station_id, tls_context(pki, cert, key)) as station:
            for _ in range(count):
                response = await station.call(
                    call201.SignCertificate(csr=make_csr(station_id, new_key("ec")))
                )
                statuses.append(response.status)
                if response.status == "Rejected":
                    assert response.status_info["reason_code"] == "TooManyRequests"
            await asyncio.sleep(1.0)  # the accepted ones are signed and sent
        return statuses

    assert asyncio.run(flood(station_id, CSR_LIMIT + 3)) == ["Accepted"] * CSR_LIMIT + ["Rejected"] * 3
    assert asyncio.run(flood(other, 1)) == ["Accepted"]  # another station's budget is its own

    def recorded() -> list[dict[str, Any]] | None:
        records = ca_api.get(f"/charge-points/{station_id}/certificates").json()["certificates"]
        return records if len(records) == CSR_LIMIT else None

    records = wait_until(recorded, message="the accepted requests are recorded")
    assert len({record["serialNumber"] for record in records}) == CSR_LIMIT


def test_ocpp16_security_extension_station_enrolls(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    register_profile_3(ca_api, station_id)
    cert, key = pki.client(station_id)
    private_key = new_key("rsa")

    async def scenario() -> str:
        async with connected(ca_system, station_id, tls_context(pki, cert, key), "ocpp1.6") as station:
            response = await station.call(call16.SignCertificate(csr=make_csr(station_id, private_key)))
            assert response.status == "Accepted"
            signed = await next_call(station, "CertificateSigned")
            return str(signed["certificate_chain"])

    issued = x509.load_pem_x509_certificates(asyncio.run(scenario()).encode())[0]
    assert issued.public_key() == private_key.public_key()


def test_ocpp16_renewal_uses_extended_trigger_message(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    register_profile_3(ca_api, station_id)
    cert, key = pki.client(station_id)

    async def scenario() -> dict[str, Any]:
        async with connected(ca_system, station_id, tls_context(pki, cert, key), "ocpp1.6") as station:
            response = await station.call(call16.SignCertificate(csr=make_csr(station_id, new_key("ec"))))
            assert response.status == "Accepted"
            await next_call(station, "CertificateSigned")
            return await next_call(station, "ExtendedTriggerMessage", timeout=15)

    assert asyncio.run(scenario())["requested_message"] == "SignChargePointCertificate"


def ocsp_request_data(certificate: x509.Certificate, issuer: x509.Certificate, url: str) -> dict[str, str]:
    """OCPP's OCSPRequestDataType for ``certificate`` (what a station computes)."""
    probe = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256()).build()
    return {
        "hash_algorithm": "SHA256",
        "issuer_name_hash": probe.issuer_name_hash.hex(),
        "issuer_key_hash": probe.issuer_key_hash.hex(),
        "serial_number": format(certificate.serial_number, "x"),
        "responder_url": url,
    }


def enroll(system: System, pki: Pki, station_id: str) -> x509.Certificate:
    cert, key = pki.client(station_id)

    async def scenario() -> str:
        async with connected(system, station_id, tls_context(pki, cert, key)) as station:
            response = await station.call(call201.SignCertificate(csr=make_csr(station_id, new_key("ec"))))
            assert response.status == "Accepted"
            return str((await next_call(station, "CertificateSigned"))["certificate_chain"])

    return x509.load_pem_x509_certificates(asyncio.run(scenario()).encode())[0]


def test_get_certificate_status_asks_the_ocsp_responder_and_caches_its_answer(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    register_profile_3(ca_api, station_id)
    issued = enroll(ca_system, pki, station_id)
    ca_certificate = x509.load_pem_x509_certificate(pki.ca.read_bytes())
    url = (
        issued.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        .value[0]
        .access_location.value
    )
    data = ocsp_request_data(issued, ca_certificate, url)
    cert, key = pki.client(station_id)
    cached_before = metric(ca_system, "ca-shadow", 'csms_shadow_ocsp_checks_total{outcome="cached"}')

    async def ask_twice() -> list[Any]:
        async with connected(ca_system, station_id, tls_context(pki, cert, key)) as station:
            return [
                await station.call(call201.GetCertificateStatus(ocsp_request_data=data)) for _ in range(2)
            ]

    first, second = asyncio.run(ask_twice())
    assert first.status == "Accepted" and second.ocsp_result == first.ocsp_result
    assert (
        metric(ca_system, "ca-shadow", 'csms_shadow_ocsp_checks_total{outcome="cached"}') == cached_before + 1
    )
    answer = ocsp.load_der_ocsp_response(base64.b64decode(first.ocsp_result))
    assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.serial_number == issued.serial_number
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert answer.next_update_utc is not None and answer.next_update_utc > datetime.datetime.now(datetime.UTC)
    ca_certificate.public_key().verify(  # type: ignore[union-attr]
        answer.signature, answer.tbs_response_bytes, *_verify_arguments(ca_certificate, answer)
    )

    serial = format(issued.serial_number, "x")
    assert ca_api.request("DELETE", f"/charge-points/{station_id}/certificates/{serial}").status_code == 200
    request_der = ocsp.OCSPRequestBuilder().add_certificate(issued, ca_certificate, hashes.SHA256()).build()
    body = request_der.public_bytes(serialization.Encoding.DER)
    http = urllib.request.Request(url, data=body, headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(http, timeout=5) as response:  # no token: OCSP is public
        assert response.headers["Content-Type"] == "application/ocsp-response"
        revoked = ocsp.load_der_ocsp_response(response.read())
    assert revoked.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_time_utc is not None
    # A request about another CA's certificate: unauthorized, not a lie.
    other = ca_certificate_of_another_ca()
    foreign = ocsp.OCSPRequestBuilder().add_certificate(other, other, hashes.SHA256()).build()
    http = urllib.request.Request(url, data=foreign.public_bytes(serialization.Encoding.DER))
    with urllib.request.urlopen(http, timeout=5) as response:
        assert ocsp.load_der_ocsp_response(response.read()).response_status is (
            ocsp.OCSPResponseStatus.UNAUTHORIZED
        )


def test_authorize_checks_the_contract_chain_by_ocsp(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    """Plug & Charge (C07): Authorize with iso15118CertificateHashData asks OCSP; revoked → Invalid."""
    holder, other = station_id, f"{station_id}-r"
    for station in (holder, other):
        register_profile_3(ca_api, station)
    good, revoked = enroll(ca_system, pki, holder), enroll(ca_system, pki, other)
    serial = format(revoked.serial_number, "x")
    assert ca_api.request("DELETE", f"/charge-points/{other}/certificates/{serial}").status_code == 200
    token = f"PNC{station_id[-8:]}"
    assert ca_api.request("PUT", f"/id-tokens/{token}", json={"status": "Accepted"}).status_code in (200, 201)
    ca_certificate = x509.load_pem_x509_certificate(pki.ca.read_bytes())
    url = (
        good.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        .value[0]
        .access_location.value
    )
    cert, key = pki.client(holder)

    async def authorize(chain: x509.Certificate) -> Any:
        async with connected(ca_system, holder, tls_context(pki, cert, key)) as station:
            return await station.call(
                call201.Authorize(
                    id_token={"id_token": token, "type": "eMAID"},
                    iso15118_certificate_hash_data=[ocsp_request_data(chain, ca_certificate, url)],
                )
            )

    accepted = asyncio.run(authorize(good))
    assert accepted.certificate_status == "Accepted"
    assert accepted.id_token_info["status"] == "Accepted"
    refused = asyncio.run(authorize(revoked))
    print(f"contract chain: good -> {accepted.certificate_status}, revoked -> {refused.certificate_status}")
    assert refused.certificate_status == "CertificateRevoked"
    assert refused.id_token_info["status"] == "Invalid"


def ca_certificate_of_another_ca() -> x509.Certificate:
    from tests.support.certificates import ScratchCa

    return ScratchCa.new().certificate


def _verify_arguments(ca_certificate: x509.Certificate, answer: ocsp.OCSPResponse) -> tuple[Any, ...]:
    from cryptography.hazmat.primitives.asymmetric import padding

    assert answer.signature_hash_algorithm is not None
    if isinstance(ca_certificate.public_key(), rsa.RSAPublicKey):
        return (padding.PKCS1v15(), answer.signature_hash_algorithm)
    return (ec.ECDSA(answer.signature_hash_algorithm),)


def test_ocsp_responder_down_slow_or_not_allowed_fails_without_blocking_others(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    register_profile_3(ca_api, station_id)
    other = f"{station_id}-other"
    register_profile_3(ca_api, other)
    ports = ca_system.test_ports  # type: ignore[attr-defined]
    ca_certificate = x509.load_pem_x509_certificate(pki.ca.read_bytes())
    factory = x509.load_pem_x509_certificate(pki.client(station_id)[0].read_bytes())
    cert, key = pki.client(station_id)
    other_cert, other_key = pki.client(other)

    async def ask(url: str) -> tuple[Any, float]:
        async with connected(ca_system, station_id, tls_context(pki, cert, key)) as station:
            started = time.monotonic()
            data = ocsp_request_data(factory, ca_certificate, url)
            response = await station.call(call201.GetCertificateStatus(ocsp_request_data=data))
            return response, time.monotonic() - started

    async def slow_and_a_heartbeat() -> tuple[tuple[Any, float], float]:
        async with connected(ca_system, other, tls_context(pki, other_cert, other_key)) as bystander:
            slow = asyncio.create_task(ask(f"http://127.0.0.1:{ports['silent']}/"))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            await bystander.call(call201.Heartbeat())
            heartbeat_seconds = time.monotonic() - started
            return await slow, heartbeat_seconds

    (slow, slow_seconds), heartbeat_seconds = asyncio.run(slow_and_a_heartbeat())
    assert slow.status == "Failed" and slow.status_info["reason_code"] == "Unavailable"
    assert OCSP_TIMEOUT <= slow_seconds < OCSP_TIMEOUT + 1.5, slow_seconds
    assert heartbeat_seconds < 0.5, heartbeat_seconds

    down, down_seconds = asyncio.run(ask(f"http://127.0.0.1:{ports['closed']}/"))
    assert down.status == "Failed" and down_seconds < OCSP_TIMEOUT + 0.5
    elsewhere, _ = asyncio.run(ask("http://169.254.169.254/latest/meta-data"))
    assert elsewhere.status == "Failed" and elsewhere.status_info["reason_code"] == "NotAllowed"


def test_renewal_is_requested_before_expiry(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    """CA_RENEW_BEFORE makes a fresh certificate due 3 s after issue: the CSMS sends TriggerMessage
    SignChargingStationCertificate; the station's new CSR is signed; the old record notes the request."""
    register_profile_3(ca_api, station_id)
    cert, key = pki.client(station_id)

    async def scenario() -> tuple[float, str]:
        async with websockets.connect(
            f"{ca_system.gateway_url}/{station_id}",
            subprotocols=["ocpp2.0.1"],
            ssl=tls_context(pki, cert, key),
        ) as ws:
            async with running(RenewingStation201(station_id, ws)) as station:
                first = await station.call(call201.SignCertificate(csr=make_csr(station_id, new_key("ec"))))
                assert first.status == "Accepted"
                await next_call(station, "CertificateSigned")
                issued_at = time.monotonic()
                trigger = await next_call(station, "TriggerMessage", timeout=15)
                assert trigger["requested_message"] == "SignChargingStationCertificate"
                waited = time.monotonic() - issued_at
                renewal = await station.call(call201.SignCertificate(csr=make_csr(station_id, new_key("ec"))))
                assert renewal.status == "Accepted"
                return waited, str((await next_call(station, "CertificateSigned"))["certificate_chain"])

    waited, renewed_chain = asyncio.run(scenario())
    assert 2.0 <= waited < 10, waited  # due 3 s after issue (a second's resolution either way)
    records = ca_api.get(f"/charge-points/{station_id}/certificates").json()["certificates"]
    assert len(records) == 2
    assert "renewalRequestedAt" in records[0]
    renewed = x509.load_pem_x509_certificates(renewed_chain.encode())[0]
    assert records[1]["serialNumber"] == format(renewed.serial_number, "x")


def test_get_15118_ev_certificate_is_forwarded_to_the_contract_service(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    register_profile_3(ca_api, station_id)
    cert, key = pki.client(station_id)
    request = call201.Get15118EVCertificate(
        iso15118_schema_version="urn:iso:15118:2:2013:MsgDef", action="Install", exi_request="gAAB" * 10
    )

    async def scenario() -> Any:
        async with connected(ca_system, station_id, tls_context(pki, cert, key)) as station:
            return await station.call(request)

    response = asyncio.run(scenario())
    assert response.status == "Accepted" and response.exi_response == "EXI:" + "gAAB" * 10
    seen = ca_system.contract_service.requests[-1]  # type: ignore[attr-defined]
    assert seen == {
        "chargePointId": station_id,
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
        "action": "Install",
        "exiRequest": "gAAB" * 10,
    }


def test_get_15118_ev_certificate_without_a_service_fails_with_the_reason(
    system: System, api: Api, station_id: str
) -> None:
    api.register(station_id)

    async def scenario() -> Any:
        async with websockets.connect(f"{system.gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]) as ws:
            async with running(Station201(station_id, ws)) as station:
                return await station.call(
                    call201.Get15118EVCertificate(
                        iso15118_schema_version="urn:iso:15118:2:2013:MsgDef",
                        action="Install",
                        exi_request="AA",
                    )
                )

    response = asyncio.run(scenario())
    assert response.status == "Failed" and response.exi_response == ""
    assert response.status_info["reason_code"] == "NotSupported"
    assert "no contract certificate service" in response.status_info["additional_info"]


PASSWORD = "correct-horse-battery-1"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def ws_url(system: System) -> str:
    return f"ws://127.0.0.1:{system.processes['ca-gateway'].env['GATEWAY_PORT']}"


def plain_basic_opens(system: System, station_id: str, version: str) -> bool:
    async def attempt() -> bool:
        try:
            async with websockets.connect(
                f"{ws_url(system)}/{station_id}",
                subprotocols=[version],
                additional_headers=basic(station_id, PASSWORD),
                open_timeout=5,
            ):
                return True
        except websockets.InvalidStatus:
            return False

    return asyncio.run(attempt())


@pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])
def test_security_profile_upgrade_from_1_to_3(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str, version: str
) -> None:
    response = ca_api.post(
        "/charge-points", json={"chargePointId": station_id, "securityProfile": 1, "password": PASSWORD}
    )
    assert response.status_code == 201
    assert ca_api.post(f"/charge-points/{station_id}/security-profile", json={"target": 4}).status_code == 400
    assert ca_api.post(f"/charge-points/{station_id}/security-profile", json={"target": 3}).status_code == 409

    async def upgrade() -> tuple[Any, list[tuple[str, dict[str, Any], float]], bool]:
        station_class = EnrollingStation16 if version == "ocpp1.6" else UpgradingStation201
        async with websockets.connect(
            f"{ws_url(ca_system)}/{station_id}",
            subprotocols=[version],
            additional_headers=basic(station_id, PASSWORD),
        ) as ws:
            async with running(station_class(station_id, ws)) as station:
                await asyncio.sleep(0.3)  # presence recorded
                answer = await ca_api.apost(
                    f"/charge-points/{station_id}/security-profile", json={"target": 3}
                )
                seen = []
                while not station.received.empty():
                    seen.append(station.received.get_nowait())
                with contextlib.suppress(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.wait_closed(), 5)
                return answer, seen, ws.close_code == 1008

    answer, seen, closed = asyncio.run(upgrade())
    assert answer.status_code == 200, answer.text
    assert answer.json()["securityProfile"] == 3 and answer.json()["previous"] == 1
    actions = [action for action, _, _ in seen]
    if version == "ocpp1.6":
        assert actions == ["ChangeConfiguration"]
        assert seen[0][1] == {"key": "SecurityProfile", "value": "3"}
    else:
        assert actions == ["SetNetworkProfile", "SetVariables", "Reset"]
        assert seen[0][1]["connection_data"]["security_profile"] == 3
        assert seen[0][1]["connection_data"]["ocpp_csms_url"].startswith("wss://")
    assert closed
    assert ca_api.get(f"/charge-points/{station_id}").json()["securityProfile"] == 3
    assert not plain_basic_opens(ca_system, station_id, version)  # the old way in is closed
    cert, key = pki.client(station_id)
    assert opens(ca_system, station_id, tls_context(pki, cert, key))


def test_install_list_and_delete_installed_certificates(
    ca_system: System, ca_api: Api, pki: Pki, station_id: str
) -> None:
    register_profile_3(ca_api, station_id)
    cert, key = pki.client(station_id)
    root_pem = pki.ca.read_text()
    base = f"/charge-points/{station_id}"

    async def scenario() -> list[tuple[str, dict[str, Any], float]]:
        async with websockets.connect(
            f"{ca_system.gateway_url}/{station_id}",
            subprotocols=["ocpp2.0.1"],
            ssl=tls_context(pki, cert, key),
        ) as ws:
            async with running(CertificateStoreStation201(station_id, ws)) as station:
                await asyncio.sleep(0.3)  # presence recorded
                bad = await ca_api.apost(
                    f"{base}/certificates/install",
                    json={"certificateType": "CSMSRootCertificate", "certificate": "x"},
                )
                assert bad.status_code == 400 and "error" in bad.json()
                installed = await ca_api.apost(
                    f"{base}/certificates/install?wait=5",
                    json={"certificateType": "CSMSRootCertificate", "certificate": root_pem},
                )
                assert installed.status_code == 200, installed.text
                assert installed.json()["result"] == {"status": "Accepted"}
                listed = await ca_api.apost(f"{base}/installed-certificates/refresh?wait=5")
                assert listed.status_code == 200, listed.text
                deleted = await ca_api.apost(
                    f"{base}/installed-certificates/delete?wait=5", json={"certificateHashData": HASH_DATA}
                )
                assert deleted.status_code == 200 and deleted.json()["result"] == {"status": "Accepted"}
                seen = []
                while not station.received.empty():
                    seen.append(station.received.get_nowait())
                return seen

    seen = asyncio.run(scenario())
    assert [action for action, _, _ in seen] == [
        "InstallCertificate",
        "GetInstalledCertificateIds",
        "DeleteCertificate",
    ]
    assert seen[0][1]["certificate"] == root_pem
    assert seen[2][1]["certificate_hash_data"]["serial_number"] == HASH_DATA["serialNumber"]

    def inventory() -> dict[str, Any] | None:
        body = dict(ca_api.get(f"{base}/installed-certificates").json())
        return body if body["updatedAt"] else None

    kept = wait_until(inventory, message="the inventory is kept")
    assert kept["status"] == "Accepted"
    assert kept["certificates"] == [
        {"certificateType": "CSMSRootCertificate", "certificateHashData": HASH_DATA}
    ]
