"""What a station's certificate signing request must be before the CA signs it (OCPP 2.0.1 A02/A03).

Pure: PEM text in, a parsed request or the bounded reason it is refused out. The station id, not the
request, decides the subject: the CN must be the id of the station that sent it (a station cannot
ask for another's certificate), the organisation the one configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

MAX_CSR_CHARACTERS = 5500
"""OCPP 2.0.1 SignCertificateRequest.csr: string[0..5500]."""
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


class CsrRefusal(StrEnum):
    """Why a CSR is refused: the ``reason`` label of ``csms_shadow_csr_total`` and the OCPP reasonCode."""

    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    WRONG_COMMON_NAME = "wrong_common_name"
    WRONG_ORGANIZATION = "wrong_organization"
    WEAK_KEY = "weak_key"
    UNSUPPORTED_KEY = "unsupported_key"


@dataclass(frozen=True)
class CsrVerdict:
    request: x509.CertificateSigningRequest | None
    refusal: CsrRefusal | None = None
    detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def _refused(refusal: CsrRefusal, detail: str) -> CsrVerdict:
    return CsrVerdict(None, refusal, detail)


def _single(request: x509.CertificateSigningRequest, oid: x509.ObjectIdentifier) -> str | None:
    values = request.subject.get_attributes_for_oid(oid)
    if len(values) != 1:
        return None
    value = values[0].value
    return value if isinstance(value, str) else None


def check_csr(pem: object, station_id: str, organization: str | None) -> CsrVerdict:
    """The request if it may be signed for ``station_id``, else why not."""
    if not isinstance(pem, str) or not pem.strip() or len(pem) > MAX_CSR_CHARACTERS:
        return _refused(
            CsrRefusal.MALFORMED, f"csr must be a PEM text of at most {MAX_CSR_CHARACTERS} characters"
        )
    try:
        request = x509.load_pem_x509_csr(pem.encode("ascii"))
        signature_valid = request.is_signature_valid
        key = request.public_key()
    except (ValueError, UnicodeEncodeError) as error:
        return _refused(CsrRefusal.MALFORMED, f"not a PEM PKCS#10 request: {error}"[:200])
    if not signature_valid:
        return _refused(CsrRefusal.BAD_SIGNATURE, "the request's signature does not verify")
    common_name = _single(request, NameOID.COMMON_NAME)
    if common_name != station_id:
        return _refused(CsrRefusal.WRONG_COMMON_NAME, "the subject must have one CN, the station id")
    if organization is not None and _single(request, NameOID.ORGANIZATION_NAME) != organization:
        return _refused(CsrRefusal.WRONG_ORGANIZATION, f"the subject's O must be {organization!r}")
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            return _refused(CsrRefusal.WEAK_KEY, f"RSA keys need at least {MIN_RSA_BITS} bits")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < MIN_EC_BITS:
            return _refused(CsrRefusal.WEAK_KEY, f"EC keys need a curve of at least {MIN_EC_BITS} bits")
    else:
        return _refused(CsrRefusal.UNSUPPORTED_KEY, "only RSA and EC keys are signed")
    return CsrVerdict(request)
