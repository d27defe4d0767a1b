"""The built-in CA's OCSP answers (RFC 6960), signed by the CA itself.

Pure: a DER request, the CA and its revocations in, a DER response out. A request about another
issuer is answered ``unauthorized``; a serial of this CA that is not revoked is ``good`` (the CA
signs only what passed the CSR checks, and the gateway checks validity dates itself).
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from csms_shadow.certificates.certificate_authority import BuiltInAuthority

MAX_REQUEST_BYTES = 4096


def issuer_hashes(issuer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """issuerNameHash and issuerKeyHash of ``issuer`` (they depend on the issuer only, so a request
    about the issuer's own certificate has them)."""
    probe = ocsp.OCSPRequestBuilder().add_certificate(issuer, issuer, algorithm).build()
    return probe.issuer_name_hash, probe.issuer_key_hash


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def ocsp_response(
    authority: BuiltInAuthority,
    request_der: bytes,
    revoked: dict[int, datetime.datetime],
    now: datetime.datetime,
    validity: datetime.timedelta,
) -> bytes:
    """The DER OCSP response to ``request_der``."""
    if len(request_der) > MAX_REQUEST_BYTES:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm
    except (ValueError, TypeError, x509.UnsupportedGeneralNameType):
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if (request.issuer_name_hash, request.issuer_key_hash) != issuer_hashes(authority.certificate, algorithm):
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    revoked_at = revoked.get(request.serial_number)
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=algorithm,
        cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
        this_update=now,
        next_update=now + validity,
        revocation_time=revoked_at,
        revocation_reason=None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, authority.certificate)
    return authority.sign_ocsp(builder).public_bytes(serialization.Encoding.DER)
