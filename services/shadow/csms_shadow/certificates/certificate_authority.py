"""The certificate authority behind one interface, with two implementations.

* :class:`BuiltInAuthority`: the CA certificate and key are PEM files (in Kubernetes, a Secret
  mounted into the shadow pods only); it signs, and makes the CRL and OCSP answers itself.
* :class:`CommandAuthority`: an external CA reached through a command-line signer (``step ca sign``,
  an HSM tool, ``openssl x509 -req``...): the CSR goes to the command's standard input, the signed
  certificate (PEM, chain optional) comes from its standard output. Revocation lists and OCSP are
  then that CA's business (its own CRL distribution point and responder).

Another protocol (EST, ACME, a vendor API) is a third class with the same two methods.
Why in the shadow service: it already owns the per-station records (Redis) and sends CSMS calls;
the key never crosses MQTT, and only the shadow pods mount it.
"""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from csms_shadow.certificates.ca_config import CaMode, CaSettings

CaPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SigningFailed(Exception):
    """The CA did not sign (the external signer failed, timed out, or answered no certificate)."""


@dataclass(frozen=True)
class IssuedCertificate:
    """A signed certificate, with the chain the station installs (certificate first, then CAs)."""

    certificate: x509.Certificate
    chain_pem: str

    @property
    def serial(self) -> str:
        """The serial number in hex, how records and the API name a certificate."""
        return format(self.certificate.serial_number, "x")


class CertificateAuthority(Protocol):
    async def sign(self, request: x509.CertificateSigningRequest) -> IssuedCertificate: ...

    def revocation_list(self, revoked: dict[int, datetime.datetime]) -> bytes | None:
        """A PEM CRL naming ``revoked`` (serial → revocation time), or None when the CA keeps its own."""
        ...


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


class BuiltInAuthority:
    def __init__(
        self,
        certificate: x509.Certificate,
        key: CaPrivateKey,
        validity: datetime.timedelta,
        ocsp_url: str | None = None,
    ) -> None:
        self.certificate = certificate
        self._key = key
        self._validity = validity
        self._ocsp_url = ocsp_url

    @classmethod
    def from_files(
        cls, cert: Path, key: Path, validity: datetime.timedelta, ocsp_url: str | None = None
    ) -> BuiltInAuthority:
        private = serialization.load_pem_private_key(key.read_bytes(), password=None)
        if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("the CA key must be RSA or EC")
        return cls(x509.load_pem_x509_certificate(cert.read_bytes()), private, validity, ocsp_url)

    def issue(self, request: x509.CertificateSigningRequest, now: datetime.datetime) -> IssuedCertificate:
        """A client certificate for the (already checked) request's subject and key."""
        key = request.public_key()
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise SigningFailed("only RSA and EC keys are signed")
        builder = (
            x509.CertificateBuilder()
            .subject_name(request.subject)
            .issuer_name(self.certificate.subject)
            .public_key(key)
            .serial_number(x509.random_serial_number())
            # A few minutes back: stations whose clocks run a little behind still accept it.
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(min(now + self._validity, self.certificate.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=isinstance(key, rsa.RSAPublicKey),
                    data_encipherment=False,
                    key_agreement=isinstance(key, ec.EllipticCurvePublicKey),
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False
            )
        )
        if self._ocsp_url:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(self._ocsp_url),
                        )
                    ]
                ),
                critical=False,
            )
        certificate = builder.sign(self._key, hashes.SHA256())
        return IssuedCertificate(certificate, _pem(certificate) + _pem(self.certificate))

    async def sign(self, request: x509.CertificateSigningRequest) -> IssuedCertificate:
        return self.issue(request, datetime.datetime.now(datetime.UTC))

    def sign_ocsp(self, builder: ocsp.OCSPResponseBuilder) -> ocsp.OCSPResponse:
        """An OCSP response signed by the CA itself (its own responder)."""
        return builder.sign(self._key, hashes.SHA256())

    def revocation_list(self, revoked: dict[int, datetime.datetime]) -> bytes | None:
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - datetime.timedelta(minutes=1))
            .next_update(now + datetime.timedelta(days=7))
        )
        for serial, when in sorted(revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self._key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


class CommandAuthority:
    def __init__(self, command: list[str], timeout: float) -> None:
        self._command = command
        self._timeout = timeout

    async def sign(self, request: x509.CertificateSigningRequest) -> IssuedCertificate:
        process = await asyncio.create_subprocess_exec(
            *self._command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            output, errors = await asyncio.wait_for(
                process.communicate(request.public_bytes(serialization.Encoding.PEM)), self._timeout
            )
        except TimeoutError as error:
            process.kill()
            await process.wait()
            raise SigningFailed(f"the signing command took longer than {self._timeout} s") from error
        if process.returncode != 0:
            raise SigningFailed(f"the signing command exited with {process.returncode}: {errors[-300:]!r}")
        try:
            chain = x509.load_pem_x509_certificates(output)
        except ValueError as error:
            raise SigningFailed("the signing command printed no PEM certificate") from error
        if chain[0].public_key() != request.public_key():
            raise SigningFailed("the signing command returned a certificate for another key")
        return IssuedCertificate(chain[0], "".join(_pem(certificate) for certificate in chain))

    def revocation_list(self, revoked: dict[int, datetime.datetime]) -> bytes | None:
        return None


def certificate_authority(settings: CaSettings) -> CertificateAuthority | None:
    """The configured CA, or None (CA_MODE=off)."""
    if settings.mode is CaMode.BUILTIN and settings.cert and settings.key:
        return BuiltInAuthority.from_files(
            Path(settings.cert),
            Path(settings.key),
            datetime.timedelta(days=settings.validity_days),
            settings.ocsp_url,
        )
    if settings.mode is CaMode.COMMAND:
        return CommandAuthority(list(settings.sign_command), settings.sign_timeout)
    return None
