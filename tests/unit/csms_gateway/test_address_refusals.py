"""An address that spends its budget of refused handshakes is refused at accept time until it refills."""

from __future__ import annotations

from csms_gateway.address_refusals import AddressRefusals
from csms_gateway.admission import address_refusal
from csms_gateway.budgets import Rate


def test_the_refusal_that_spends_the_budget_is_reported_once() -> None:
    refusals = AddressRefusals(Rate(0.5, 3), capacity=16)
    assert [refusals.refused("a", 0.0) for _ in range(5)] == [False, False, True, False, False]
    assert refusals.wait("a", 0.0) == 2.0  # one refused handshake per 2 s
    assert refusals.wait("b", 0.0) == 0.0  # other addresses are heard


def test_an_address_is_heard_again_at_the_budgets_rate() -> None:
    refusals = AddressRefusals(Rate(0.5, 3), capacity=16)
    for _ in range(3):
        refusals.refused("a", 0.0)
    assert refusals.wait("a", 1.0) == 1.0
    assert refusals.wait("a", 2.0) == 0.0
    assert refusals.refused("a", 2.0) is True  # refused again at once: the next one waits 2 s more
    assert refusals.wait("a", 2.0) == 2.0


def test_a_zero_rate_turns_the_budget_off() -> None:
    refusals = AddressRefusals(Rate(0, 3), capacity=16)
    assert not any(refusals.refused("a", 0.0) for _ in range(100))
    assert refusals.wait("a", 0.0) == 0.0


def test_the_map_is_bounded() -> None:
    refusals = AddressRefusals(Rate(0.5, 3), capacity=100)
    for number in range(1000):
        refusals.refused(f"10.0.{number // 256}.{number % 256}", 0.0)
    assert len(refusals) <= 100


def test_the_accept_time_answer_is_a_complete_429() -> None:
    head, body = address_refusal(1.2).split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 429 Too Many Requests"
    assert b"Retry-After: 2" in lines
    assert f"Content-Length: {len(body)}".encode() in lines
