"""Pending handshakes are capped in total and per address; limits stay below the descriptor limit."""

from __future__ import annotations

from csms_gateway.admission import FD_RESERVE, PendingHandshakes, clamp_limits


def test_pending_handshakes_are_capped_per_address_and_in_total() -> None:
    refused: list[tuple[str, str]] = []
    pending = PendingHandshakes(5, 2, lambda address, reason: refused.append((address, reason)))
    assert pending.admit("a") is None
    assert pending.admit("a") is None
    assert pending.admit("a") == "pending_address"
    assert [pending.admit(address) for address in "bcd"] == [None, None, None]
    assert pending.admit("e") == "pending_total"
    assert pending.total == 5
    assert refused == [("a", "pending_address"), ("e", "pending_total")]
    pending.release("a")
    assert pending.admit("e") is None


def test_releasing_an_address_that_holds_nothing_changes_nothing() -> None:
    pending = PendingHandshakes(5, 2)
    pending.release("nobody")
    assert pending.total == 0
    assert pending.admit("a") is None
    pending.release("a")
    pending.release("a")
    assert pending.total == 0


def test_limits_are_clamped_below_the_descriptor_limit() -> None:
    limits = clamp_limits(65_536, 1024, 128, fd_limit=20_000)
    assert limits.max_connections + limits.max_pending + FD_RESERVE <= 20_000
    assert limits.max_pending == 1024
    assert limits.max_pending_per_address == 128


def test_limits_below_the_descriptor_limit_are_kept() -> None:
    limits = clamp_limits(1000, 100, 10, fd_limit=20_000)
    assert (limits.max_connections, limits.max_pending, limits.max_pending_per_address) == (1000, 100, 10)


def test_a_tiny_descriptor_limit_still_leaves_a_working_gateway() -> None:
    limits = clamp_limits(65_536, 1024, 128, fd_limit=300)
    assert limits.max_connections >= 1 and limits.max_pending >= 1
    assert limits.max_pending_per_address <= limits.max_pending
