"""Get15118EVCertificate (2.0.1 M01/M02): the EV's EXI request forwarded to a contract-certificate service.

The service is an HTTP endpoint (``CA_CONTRACT_SERVICE_URL``; in practice a V2G PKI / mobility operator
gateway) that takes ``{"chargePointId", "iso15118SchemaVersion", "action", "exiRequest"}`` as JSON and
answers ``{"status": "Accepted"|"Failed", "exiResponse": "..."}``. Bounded: ``CA_CONTRACT_SERVICE_TIMEOUT``
for the whole exchange, answers of at most 64 KiB. Without a service, or when it fails: Failed with why.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx

from csms_shadow.certificates.ca_metrics import EV_CERTIFICATE_REQUESTS
from csms_shadow.documents.document import JsonObject

logger = logging.getLogger(__name__)

MAX_EXI_RESPONSE = 5600
"""Get15118EVCertificateResponse.exiResponse: string[0..5600]."""
MAX_ANSWER_BYTES = 64 * 1024


def _failed(outcome: str, reason_code: str, info: str) -> JsonObject:
    EV_CERTIFICATE_REQUESTS.labels(outcome=outcome).inc()
    return {"status": "Failed", "reasonCode": reason_code, "additionalInfo": info[:512]}


class ContractCertificates:
    def __init__(self, url: str | None, timeout: float) -> None:
        self._url = url
        self._timeout = timeout

    async def forward(self, station_id: str, request: Any) -> JsonObject:
        """The service's answer (``status``, ``exiResponse``) or Failed with ``reasonCode``."""
        if not self._url:
            return _failed("no_service", "NotSupported", "no contract certificate service configured")
        body = request if isinstance(request, dict) else {}
        payload = {
            "chargePointId": station_id,
            "iso15118SchemaVersion": body.get("iso15118SchemaVersion"),
            "action": body.get("action"),
            "exiRequest": body.get("exiRequest"),
        }
        try:
            answer = await asyncio.wait_for(self._post(payload), self._timeout)
        except (httpx.HTTPError, OSError, TimeoutError, ValueError) as error:
            logger.info(
                "contract certificate service failed",
                extra={"station_id": station_id, "error": f"{type(error).__name__}: {error}"},
            )
            return _failed("unavailable", "Unavailable", f"the contract certificate service failed: {error}")
        status, exi = answer.get("status"), answer.get("exiResponse")
        if status not in ("Accepted", "Failed") or not isinstance(exi, str) or len(exi) > MAX_EXI_RESPONSE:
            return _failed(
                "invalid_answer", "InvalidAnswer", "the service's answer has no valid status/exiResponse"
            )
        EV_CERTIFICATE_REQUESTS.labels(outcome=str(status).lower()).inc()
        logger.info("EV certificate request forwarded", extra={"station_id": station_id, "status": status})
        return {"status": status, "exiResponse": exi}

    async def _post(self, payload: JsonObject) -> JsonObject:
        async with (
            httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client,
            client.stream("POST", str(self._url), json=payload) as response,
        ):
            response.raise_for_status()
            raw = b""
            async for chunk in response.aiter_bytes():
                raw += chunk
                if len(raw) > MAX_ANSWER_BYTES:
                    raise ValueError("the answer is too large")
        answer = json.loads(raw)
        if not isinstance(answer, dict):
            raise ValueError("the answer is not a JSON object")
        return answer
