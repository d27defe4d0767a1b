"""The stations' wss:// listener: TLS 1.2/1.3 only, OCPP cipher suites, RSA and ECDSA server
certificates on one port, and client certificates refused at the TLS handshake (counted) when they
are expired, from another CA, or revoked."""

from __future__ import annotations

import asyncio
import datetime
import json
import re
import ssl
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from scripts.pki import Pki, make_pki
from tests.support.adversary import extra_gateway, tls_listener
from tests.support.api import Api
from tests.support.certificates import ScratchCa, write_pair
from tests.support.system import ServiceProcess, System

pytestmark = pytest.mark.e2e

REVOKED_ID = "CP-TLS-REVOKED"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def dev_ca(pki: Pki) -> ScratchCa:
    return ScratchCa.load(pki.ca, pki.directory / "ca.key")


@pytest.fixture(scope="module")
def revoked(pki: Pki, dev_ca: ScratchCa) -> tuple[Path, Path]:
    """A certificate of the dev CA that its CRL names, and the CRL written beside the CA."""
    certificate, key = dev_ca.issue(REVOKED_ID)
    (pki.directory / "crl.pem").write_bytes(dev_ca.crl([certificate]))
    return write_pair(pki.directory, "revoked", certificate, key)


@pytest.fixture(scope="module")
def gateway(system: System, pki: Pki, revoked: tuple[Path, Path]) -> Iterator[ServiceProcess]:
    with extra_gateway(
        system,
        "gateway-tls-listener",
        extra_ports=("GATEWAY_TLS_PORT",),
        **tls_listener(pki),
        GATEWAY_TLS_EC_CERT=str(pki.server_ec_cert),
        GATEWAY_TLS_EC_KEY=str(pki.server_ec_key),
        GATEWAY_TLS_CRL=str(pki.directory / "crl.pem"),
        GATEWAY_REGISTRATION_CACHE="0",
    ) as process:
        yield process


def wss_url(gateway: ServiceProcess, station_id: str) -> str:
    return f"wss://127.0.0.1:{gateway.env['GATEWAY_TLS_PORT']}/{station_id}"


def client_context(pki: Pki, client: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if client is not None:
        context.load_cert_chain(str(client[0]), str(client[1]))
    return context


class Outcome:
    def __init__(self, opened: bool, cipher: tuple[str, str, int] | None, server_key: str | None) -> None:
        self.opened, self.cipher, self.server_key = opened, cipher, server_key


def connect(url: str, context: ssl.SSLContext) -> Outcome:
    """Open, send a Heartbeat, read its answer; what TLS said, or opened=False when the handshake failed."""

    async def attempt() -> Outcome:
        try:
            async with websockets.connect(url, subprotocols=["ocpp2.0.1"], ssl=context, open_timeout=5) as ws:
                await ws.send('[2,"hb","Heartbeat",{}]')
                assert json.loads(await asyncio.wait_for(ws.recv(), 5))[:2] == [3, "hb"]
                ssl_object = ws.transport.get_extra_info("ssl_object")
                certificate = ssl_object.getpeercert(binary_form=True)
                return Outcome(True, ssl_object.cipher(), server_key_type(certificate))
        except (ssl.SSLError, ConnectionError, websockets.InvalidHandshake, websockets.ConnectionClosed):
            return Outcome(False, None, None)

    return asyncio.run(attempt())


def server_key_type(der: bytes | None) -> str | None:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if der is None:
        return None
    key = x509.load_der_x509_certificate(der).public_key()
    return (
        "rsa"
        if isinstance(key, rsa.RSAPublicKey)
        else "ec"
        if isinstance(key, ec.EllipticCurvePublicKey)
        else "?"
    )


def refusals(gateway: ServiceProcess) -> dict[str, float]:
    with urllib.request.urlopen(f"{gateway.admin_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        match[1]: float(match[2])
        for match in re.finditer(r'csms_gateway_tls_refusals_total\{reason="([a-z_]+)"\} ([0-9.e+]+)', text)
    }


def register_profile_3(api: Api, station_id: str) -> None:
    response = api.post("/charge-points", json={"chargePointId": station_id, "securityProfile": 3})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_profile_3_clients_with_rsa_and_ecdsa_keys(
    api: Api, gateway: ServiceProcess, pki: Pki, station_id: str, key_type: str
) -> None:
    register_profile_3(api, station_id)
    outcome = connect(wss_url(gateway, station_id), client_context(pki, pki.client(station_id, key_type)))
    assert outcome.opened


@pytest.mark.parametrize(
    ("ciphers", "server_key"),
    [
        ("ECDHE-ECDSA-AES128-GCM-SHA256", "ec"),
        ("ECDHE-ECDSA-AES256-GCM-SHA384", "ec"),
        ("ECDHE-RSA-AES128-GCM-SHA256", "rsa"),
        ("AES128-GCM-SHA256", "rsa"),
        ("AES256-GCM-SHA384", "rsa"),
    ],
)
def test_tls12_suites_pick_the_server_certificate(
    api: Api, gateway: ServiceProcess, pki: Pki, station_id: str, ciphers: str, server_key: str
) -> None:
    """A TLS 1.2 client offering only an ECDSA suite gets the ECDSA certificate, an RSA suite the RSA one."""
    register_profile_3(api, station_id)
    context = client_context(pki, pki.client(station_id))
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(ciphers)
    outcome = connect(wss_url(gateway, station_id), context)
    assert outcome.opened
    assert outcome.cipher is not None and outcome.cipher[0] == ciphers and outcome.cipher[1] == "TLSv1.2"
    assert outcome.server_key == server_key


def test_tls13_is_the_default(api: Api, gateway: ServiceProcess, pki: Pki, station_id: str) -> None:
    register_profile_3(api, station_id)
    outcome = connect(wss_url(gateway, station_id), client_context(pki, pki.client(station_id)))
    assert outcome.opened and outcome.cipher is not None and outcome.cipher[1] == "TLSv1.3"


def test_old_tls_and_weak_suites_are_refused_and_counted(
    api: Api, gateway: ServiceProcess, pki: Pki, station_id: str
) -> None:
    register_profile_3(api, station_id)
    before = refusals(gateway)
    cbc = client_context(pki, pki.client(station_id))
    cbc.maximum_version = ssl.TLSVersion.TLSv1_2
    cbc.set_ciphers("ECDHE-RSA-AES128-SHA:AES128-SHA256")  # not an OCPP suite
    assert not connect(wss_url(gateway, station_id), cbc).opened
    old = client_context(pki, pki.client(station_id))
    with warnings.catch_warnings():  # what a station must not do, on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("ALL:@SECLEVEL=0")
    assert not connect(wss_url(gateway, station_id), old).opened
    after = refusals(gateway)
    assert after.get("no_shared_cipher", 0) == before.get("no_shared_cipher", 0) + 1
    assert after.get("protocol_version", 0) == before.get("protocol_version", 0) + 1


def test_expired_foreign_and_revoked_client_certificates_fail_the_handshake(
    api: Api,
    gateway: ServiceProcess,
    pki: Pki,
    dev_ca: ScratchCa,
    revoked: tuple[Path, Path],
    station_id: str,
    tmp_path: Path,
) -> None:
    register_profile_3(api, station_id)
    register_profile_3(api, REVOKED_ID)
    before = refusals(gateway)
    expired = write_pair(
        tmp_path,
        "expired",
        *dev_ca.issue(
            station_id, valid_from=datetime.timedelta(days=-10), valid_until=datetime.timedelta(days=-1)
        ),
    )
    foreign = write_pair(tmp_path, "foreign", *ScratchCa.new().issue(station_id))
    for label, client, url in (
        ("expired", expired, wss_url(gateway, station_id)),
        ("unknown_ca", foreign, wss_url(gateway, station_id)),
        ("revoked", revoked, wss_url(gateway, REVOKED_ID)),
    ):
        assert not connect(url, client_context(pki, client)).opened, label
    after = refusals(gateway)
    for reason in ("expired", "unknown_ca", "revoked"):
        assert after.get(reason, 0) == before.get(reason, 0) + 1, (reason, before, after)
    # The same station with a good certificate still gets in.
    assert connect(wss_url(gateway, station_id), client_context(pki, pki.client(station_id))).opened
