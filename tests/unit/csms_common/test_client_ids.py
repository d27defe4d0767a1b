"""Client ids stay inside their login's namespace, which the broker reserves for that login."""

from __future__ import annotations

import pytest

from csms_common.client_ids import in_namespace, owned_client_id


@pytest.mark.parametrize(
    ("username", "name", "expected"),
    [
        ("shadow", "shadow-host-p0", "shadow-host-p0"),
        ("shadow", "shadow", "shadow"),
        ("shadow", "shadow-requests-1a2b", "shadow-requests-1a2b"),
        ("csms-shadow", "shadow-host-p0", "csms-shadow-shadow-host-p0"),
        ("csms-ocpp-handler", "csms-ocpp-handler-7d9f-x2", "csms-ocpp-handler-7d9f-x2"),
        ("gateway", "gatewayish-1", "gateway-gatewayish-1"),
        (None, "shadow-over-tls", "shadow-over-tls"),
        ("", "gateway-1", "gateway-1"),
    ],
)
def test_owned_client_id(username: str | None, name: str, expected: str) -> None:
    assert owned_client_id(username, name) == expected
    if username:
        assert in_namespace(username, owned_client_id(username, name))
