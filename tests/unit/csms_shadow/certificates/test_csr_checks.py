"""CSR checks before signing, and what the built-in CA signs."""

from __future__ import annotations

import asyncio
import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from csms_shadow.certificates.certificate_authority import BuiltInAuthority, CommandAuthority, SigningFailed
from csms_shadow.certificates.csr_checks import CsrRefusal, check_csr
from tests.support.certificates import ScratchCa, key_pem, name

STATION = "CP-CSR-1"


def csr(
    common_name: str = STATION,
    organization: str | None = "Example CPO",
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | dsa.DSAPrivateKey | None = None,
) -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    request = x509.CertificateSigningRequestBuilder().subject_name(name(common_name, organization))
    return request.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def test_a_good_request_is_accepted() -> None:
    verdict = check_csr(csr(), STATION, "Example CPO")
    assert verdict.accepted and verdict.request is not None
    assert verdict.request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == STATION


def test_organization_is_not_checked_when_not_configured() -> None:
    assert check_csr(csr(organization=None), STATION, None).accepted


@pytest.mark.parametrize(
    ("pem", "refusal"),
    [
        (lambda: "not a csr", CsrRefusal.MALFORMED),
        (lambda: "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n", CsrRefusal.MALFORMED),
        (lambda: 42, CsrRefusal.MALFORMED),
        (lambda: "A" * 6000, CsrRefusal.MALFORMED),
        (lambda: csr(common_name="CP-SOMEONE-ELSE"), CsrRefusal.WRONG_COMMON_NAME),
        (lambda: csr(organization="Another CPO"), CsrRefusal.WRONG_ORGANIZATION),
        (lambda: csr(organization=None), CsrRefusal.WRONG_ORGANIZATION),
        (
            lambda: csr(key=rsa.generate_private_key(public_exponent=65537, key_size=1024)),
            CsrRefusal.WEAK_KEY,
        ),
        (lambda: csr(key=ec.generate_private_key(ec.SECP192R1())), CsrRefusal.WEAK_KEY),
        (lambda: csr(key=dsa.generate_private_key(2048)), CsrRefusal.UNSUPPORTED_KEY),
    ],
    ids=[
        "text", "bad-base64-body", "not-a-string", "too-long", "another-station", "other-organization",
        "no-organization", "rsa-1024", "ec-192", "dsa",
    ],
)  # fmt: skip
def test_refusals(pem: object, refusal: CsrRefusal) -> None:
    assert callable(pem)
    verdict = check_csr(pem(), STATION, "Example CPO")
    assert verdict.refusal is refusal and not verdict.accepted


def test_a_tampered_signature_is_refused() -> None:
    good = x509.load_pem_x509_csr(csr().encode())
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0xFF  # inside the signature
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()
    assert check_csr(tampered, STATION, "Example CPO").refusal is CsrRefusal.BAD_SIGNATURE


def test_built_in_authority_signs_a_client_certificate_for_the_request() -> None:
    ca = ScratchCa.new("test CA")
    authority = BuiltInAuthority(
        ca.certificate, ca.key, datetime.timedelta(days=10), "http://127.0.0.1:1/ocsp"
    )
    request = check_csr(csr(), STATION, None).request
    assert request is not None
    now = datetime.datetime.now(datetime.UTC)
    issued = authority.issue(request, now)
    certificate = issued.certificate
    assert certificate.subject == request.subject
    assert certificate.issuer == ca.certificate.subject
    assert certificate.public_key() == request.public_key()
    certificate.verify_directly_issued_by(ca.certificate)
    assert abs(certificate.not_valid_after_utc - (now + datetime.timedelta(days=10))) < datetime.timedelta(
        seconds=2
    )
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in usages
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert issued.chain_pem.count("BEGIN CERTIFICATE") == 2
    assert issued.serial == format(certificate.serial_number, "x")
    revoked_at = now - datetime.timedelta(minutes=1)
    crl_pem = authority.revocation_list({certificate.serial_number: revoked_at})
    assert crl_pem is not None
    crl = x509.load_pem_x509_crl(crl_pem)
    assert crl.is_signature_valid(ca.key.public_key())
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    assert entry is not None


def test_command_authority_signs_through_an_external_command(tmp_path: Path) -> None:
    """The external-CA plug-in: here openssl plays the signer (CSR on stdin, PEM on stdout)."""
    ca = ScratchCa.new("external CA")
    (tmp_path / "ca.pem").write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ca.key").write_bytes(key_pem(ca.key))
    command = [
        "openssl", "x509", "-req", "-in", "/dev/stdin", "-CA", str(tmp_path / "ca.pem"),
        "-CAkey", str(tmp_path / "ca.key"), "-CAcreateserial", "-days", "5",
    ]  # fmt: skip
    request = check_csr(csr(), STATION, None).request
    assert request is not None
    issued = asyncio.run(CommandAuthority(command, timeout=10).sign(request))
    issued.certificate.verify_directly_issued_by(ca.certificate)
    assert issued.certificate.public_key() == request.public_key()
    assert CommandAuthority(command, timeout=10).revocation_list({}) is None


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["false"], "exited with 1"),
        (["echo", "not a certificate"], "no PEM certificate"),
        (["sleep", "5"], "took longer than 0.3 s"),
    ],
)
def test_command_authority_failures_are_signing_failures(command: list[str], message: str) -> None:
    request = check_csr(csr(), STATION, None).request
    assert request is not None
    with pytest.raises(SigningFailed, match=message):
        asyncio.run(CommandAuthority(command, timeout=0.3).sign(request))
