"""GetCertificateStatus (OCPP 2.0.1 M06): the CSMS asks the OCSP responder a station names.

The station sends the certificate's hashes and its responder URL; this builds the OCSP request,
POSTs it (bounded: CA_OCSP_TIMEOUT per request, CA_OCSP_MAX_IN_FLIGHT at once, responders limited
to CA_OCSP_RESPONDERS so a station cannot make the CSMS fetch arbitrary URLs), and answers the
DER response in base64. A good answer is cached (Redis) until its nextUpdate, at most a day.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from redis.asyncio import Redis

from csms_shadow.certificates.ca_metrics import OCSP_CHECKS
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys

logger = logging.getLogger(__name__)

HASH_ALGORITHMS: Mapping[str, type[hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}
MAX_RESPONSE_BYTES = 64 * 1024
MAX_CACHE_SECONDS = 24 * 3600


_REASON_CODES = {
    "invalid_request": "InvalidRequest",
    "responder_not_allowed": "NotAllowed",
    "busy": "Busy",
    "responder_unavailable": "Unavailable",
    "invalid_response": "InvalidResponse",
    "responder_refused": "Refused",
}


def _failed(outcome: str, reason: str) -> JsonObject:
    """Failed, counted under ``outcome``; the OCPP reasonCode (20 characters at most) beside it."""
    OCSP_CHECKS.labels(outcome=outcome).inc()
    return {"status": "Failed", "reasonCode": _REASON_CODES[outcome], "additionalInfo": reason[:512]}


def ocsp_request_of(data: Any) -> tuple[bytes, str]:
    """The DER OCSP request for OCPP's ``ocspRequestData``, and its responder URL (ValueError if bad)."""
    if not isinstance(data, dict):
        raise ValueError("ocspRequestData must be an object")
    algorithm = HASH_ALGORITHMS.get(str(data.get("hashAlgorithm")))
    if algorithm is None:
        raise ValueError("hashAlgorithm must be SHA256, SHA384 or SHA512")
    try:
        name_hash = bytes.fromhex(str(data.get("issuerNameHash")))
        key_hash = bytes.fromhex(str(data.get("issuerKeyHash")))
        serial = int(str(data.get("serialNumber")), 16)
    except ValueError as error:
        raise ValueError("issuerNameHash, issuerKeyHash and serialNumber must be hex") from error
    size = algorithm().digest_size
    if len(name_hash) != size or len(key_hash) != size:
        raise ValueError("the issuer hashes do not have the length of hashAlgorithm")
    request = ocsp.OCSPRequestBuilder().add_certificate_by_hash(name_hash, key_hash, serial, algorithm())
    url = data.get("responderURL")
    if not isinstance(url, str) or not url:
        raise ValueError("responderURL is missing")
    return request.build().public_bytes(serialization.Encoding.DER), url


class OcspChecker:
    def __init__(
        self, redis: Redis, prefix: str, responders: tuple[str, ...], timeout: float, max_in_flight: int
    ) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._responders = responders
        self._timeout = timeout
        self._max_in_flight = max_in_flight
        self._in_flight = 0

    def _allowed(self, url: str) -> bool:
        return any(
            url == allowed or url.startswith(allowed.rstrip("/") + "/") for allowed in self._responders
        )

    async def status(self, station_id: str, data: Any) -> JsonObject:
        """``{"status": "Accepted", "ocspResult": base64 DER}`` or ``{"status": "Failed", ...}``."""
        try:
            request_der, url = ocsp_request_of(data)
        except ValueError as error:
            return _failed("invalid_request", str(error))
        if not self._allowed(url):
            return _failed("responder_not_allowed", "the responderURL is not one of CA_OCSP_RESPONDERS")
        cache_key = self._keys.ocsp_cache(hashlib.sha256(request_der + url.encode()).hexdigest())
        cached = await self._redis.get(cache_key)
        if cached is not None:
            OCSP_CHECKS.labels(outcome="cached").inc()
            return {
                "status": "Accepted",
                "ocspResult": cached.decode() if isinstance(cached, bytes) else cached,
            }
        if self._in_flight >= self._max_in_flight:
            return _failed("busy", "too many OCSP requests in progress")
        self._in_flight += 1
        try:
            # httpx's timeout is per phase; this bounds the whole exchange (a responder dripping bytes).
            answer = await asyncio.wait_for(self._fetch(url, request_der), self._timeout)
        except (httpx.HTTPError, OSError, TimeoutError) as error:
            logger.info(
                "OCSP responder failed", extra={"station_id": station_id, "url": url, "error": str(error)}
            )
            return _failed(
                "responder_unavailable", f"the OCSP responder did not answer: {type(error).__name__}"
            )
        finally:
            self._in_flight -= 1
        try:
            response = ocsp.load_der_ocsp_response(answer)
        except ValueError:
            return _failed("invalid_response", "the responder's answer is not an OCSP response")
        if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            return _failed("responder_refused", f"the responder said {response.response_status.name}")
        encoded = base64.b64encode(answer).decode("ascii")
        ttl = self._cache_seconds(response)
        if ttl > 0:
            await self._redis.set(cache_key, encoded, ex=ttl)
        OCSP_CHECKS.labels(outcome="answered").inc()
        logger.info(
            "OCSP status fetched",
            extra={
                "station_id": station_id,
                "cert_status": response.certificate_status.name,
                "cached_s": ttl,
            },
        )
        return {"status": "Accepted", "ocspResult": encoded}

    async def _fetch(self, url: str, request_der: bytes) -> bytes:
        headers = {"Content-Type": "application/ocsp-request"}
        async with (
            httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client,
            client.stream("POST", url, content=request_der, headers=headers) as response,
        ):
            response.raise_for_status()
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise httpx.DecodingError("the OCSP response is too large")
            return body

    @staticmethod
    def _cache_seconds(response: ocsp.OCSPResponse) -> int:
        next_update = response.next_update_utc
        if next_update is None:
            return 0
        remaining = (next_update - datetime.datetime.now(datetime.UTC)).total_seconds()
        return int(max(0, min(remaining, MAX_CACHE_SECONDS)))
