"""The gateway's peek at a frame: type, id and action as the shared reader judges it, or None."""

from __future__ import annotations

import pytest

from csms_gateway.frame_verdict import FrameHeader, read_header


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[2,"m1","Heartbeat",{}]', FrameHeader(2, "m1", "Heartbeat")),
        ('[3,"m1",{}]', FrameHeader(3, "m1", None)),
        ('[3,"m1",{"status":"Accepted"}]', FrameHeader(3, "m1", None)),
        ('[4,"m1","GenericError","x",{}]', FrameHeader(4, "m1", None)),
    ],
)
def test_read_header(text: str, expected: FrameHeader) -> None:
    assert read_header(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        '[2,"m1","Heartbeat",{}',
        "{}",
        '"[2]"',
        "[]",
        '[2,"m1"]',
        '[3,"m1"]',
        '[5,"m1","X",{}]',
        '[1,"m1","X",{}]',
        '["2","m1","X",{}]',
        '[true,"m1","X",{}]',
        '[null,"m1","X",{}]',
        '[2,1,"Heartbeat",{}]',
        '[2,null,"Heartbeat",{}]',
        '[3,["m1"],{}]',
        # What the handler refuses, the gateway refuses too (one reader: frames.judge_frame).
        '[2,"m1",7,{}]',
        '[2,"m1","Heartbeat"]',
        '[3,"m1","NotAnAction"]',
        '[2,"' + "x" * 37 + '","Heartbeat",{}]',
        '[2,"","Heartbeat",{}]',
        '[2,"m1","Heartbeat",{"x":NaN}]',
        '[2,"\\ud800","Heartbeat",{}]',
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_read_header_refuses(text: str) -> None:
    assert read_header(text) is None


@pytest.mark.parametrize("text", ['[[2],"m1","Heartbeat",{}]', '[{},"m1","Heartbeat",{}]'])
def test_read_header_refuses_an_unhashable_message_type(text: str) -> None:
    assert read_header(text) is None


@pytest.mark.parametrize("text", ['[2.0,"m1","Heartbeat",{}]', '[3.0,"m1",{}]'])
def test_read_header_refuses_a_float_message_type(text: str) -> None:
    assert read_header(text) is None
