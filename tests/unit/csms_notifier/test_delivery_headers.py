"""A delivery's headers carry the event id, the attempt and a signature a receiver can check."""

from __future__ import annotations

from csms_common.webhooks import signature
from csms_notifier.delivery import delivery_headers


def test_headers_name_the_event_and_sign_the_body() -> None:
    body = b'{"id":"5-0"}'
    event = {"id": "5-0", "type": "transaction.started"}
    headers = delivery_headers("wh_1", "secret-0123456789abcdef", event, body, attempt=3, now=1700000000)
    assert headers[signature.EVENT_ID_HEADER] == "5-0"
    assert headers[signature.EVENT_TYPE_HEADER] == "transaction.started"
    assert headers[signature.WEBHOOK_ID_HEADER] == "wh_1"
    assert headers[signature.ATTEMPT_HEADER] == "3"
    assert headers[signature.TIMESTAMP_HEADER] == "1700000000"
    assert signature.verify(
        "secret-0123456789abcdef",
        headers[signature.TIMESTAMP_HEADER],
        headers[signature.SIGNATURE_HEADER],
        body,
        now=1700000005,
    )
