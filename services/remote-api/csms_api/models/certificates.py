"""Station certificates: what the CA issued, revocation, installed certificates, profile upgrades."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import JsonObject, StationId

Serial = Annotated[str, Field(pattern="^[0-9a-fA-F]{1,40}$", description="hex")]


class IssuedCertificate(TypedDict):
    serialNumber: str
    chargePointId: str
    subject: str
    notBefore: str
    notAfter: str
    status: Literal["issued", "revoked"]
    certificateType: NotRequired[str]
    issuer: NotRequired[str]
    keyType: NotRequired[Literal["RSA", "EC", "other"]]
    keyBits: NotRequired[int]
    issuedAt: NotRequired[str]
    revokedAt: NotRequired[str]
    certificate: NotRequired[Annotated[str, Field(description="PEM")]]
    certificateSignedMessageId: NotRequired[str | None]


class IssuedCertificates(TypedDict):
    chargePointId: str
    certificates: list[IssuedCertificate]


class CertificatePath(TypedDict):
    station_id: StationId
    serial: Serial


class OcspPath(TypedDict):
    encoded: Annotated[str, Field(description="base64 DER OCSP request (RFC 6960 GET form)")]


class InstallCertificate(TypedDict):
    certificateType: str
    certificate: Annotated[str, Field(min_length=1, max_length=5500, description="PEM, one certificate")]


class DeleteInstalledCertificate(TypedDict):
    certificateHashData: JsonObject


class RefreshInstalledCertificates(TypedDict):
    certificateType: NotRequired[list[str]]


class InstalledCertificates(TypedDict):
    chargePointId: str
    certificates: list[JsonObject]
    updatedAt: str | None
    status: NotRequired[str | None]
    truncated: NotRequired[bool]


class SecurityProfileUpgrade(TypedDict):
    target: Literal[2, 3]
    networkSlot: NotRequired[Annotated[int, Field(ge=0, le=8)]]


class SecurityProfileUpgraded(TypedDict):
    chargePointId: str
    securityProfile: int
    previous: int
    steps: list[str]
