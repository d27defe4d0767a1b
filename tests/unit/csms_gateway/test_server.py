"""WebSocket subprotocol negotiation: what a station offered and which one the gateway picks."""

from __future__ import annotations

import pytest
from websockets.datastructures import Headers

from csms_common.ocpp.versions import SUPPORTED_SUBPROTOCOLS
from csms_gateway.server import choose_subprotocol, offered_subprotocols


def test_supported_subprotocols() -> None:
    assert SUPPORTED_SUBPROTOCOLS == ("ocpp2.1", "ocpp2.0.1", "ocpp2.0", "ocpp1.6")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], []),
        ([("Host", "csms")], []),
        ([("Sec-WebSocket-Protocol", "ocpp1.6")], ["ocpp1.6"]),
        ([("Sec-WebSocket-Protocol", "ocpp1.6, ocpp2.0.1")], ["ocpp1.6", "ocpp2.0.1"]),
        ([("Sec-WebSocket-Protocol", "ocpp2.0.1,ocpp1.6")], ["ocpp2.0.1", "ocpp1.6"]),
        ([("Sec-WebSocket-Protocol", " ocpp1.6 ,, , ocpp2.0 ")], ["ocpp1.6", "ocpp2.0"]),
        ([("Sec-WebSocket-Protocol", "")], []),
        ([("Sec-WebSocket-Protocol", " , ")], []),
        (
            [
                ("Sec-WebSocket-Protocol", "ocpp1.6"),
                ("Host", "x"),
                ("sec-websocket-protocol", "ocpp2.0.1, foo"),
            ],
            ["ocpp1.6", "ocpp2.0.1", "foo"],
        ),
    ],
)
def test_offered_subprotocols(headers: list[tuple[str, str]], expected: list[str]) -> None:
    assert offered_subprotocols(Headers(headers)) == expected


@pytest.mark.parametrize(
    ("offered", "expected"),
    [
        ([], None),
        (["ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp2.0"], "ocpp2.0"),
        (["ocpp1.6"], "ocpp1.6"),
        # the station's order of preference wins
        (["ocpp1.6", "ocpp2.0.1"], "ocpp1.6"),
        (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"),
        (["ocpp2.2", "ocpp1.5", "ocpp2.0"], "ocpp2.0"),
        (["ocpp2.1", "ocpp2.0.1"], "ocpp2.1"),
        # unsupported or differently spelt names are not guessed at
        (["ocpp2.2"], None),
        (["ocpp1.5", "soap"], None),
        (["OCPP1.6"], None),
        (["ocpp1.6j"], None),
    ],
)
def test_choose_subprotocol(offered: list[str], expected: str | None) -> None:
    assert choose_subprotocol(offered) == expected


def test_negotiation_from_headers() -> None:
    headers = Headers(
        [("Sec-WebSocket-Protocol", "ocpp2.2, ocpp1.6"), ("Sec-WebSocket-Protocol", "ocpp2.0.1")]
    )
    assert choose_subprotocol(offered_subprotocols(headers)) == "ocpp1.6"
