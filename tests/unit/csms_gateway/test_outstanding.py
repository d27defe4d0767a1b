"""One outstanding CSMS→station call per station, with a bounded queue behind it."""

from __future__ import annotations

import pytest

from csms_gateway.outstanding import CallQueueFull, OutstandingCalls, PendingCall


def _call(message_id: str) -> PendingCall:
    return PendingCall(message_id, "Reset", f'[2,"{message_id}","Reset",{{"type":"Immediate"}}]')


A, B, C, D = _call("a"), _call("b"), _call("c"), _call("d")


def test_initially_idle() -> None:
    calls = OutstandingCalls(max_queued=2)
    assert (calls.in_flight, calls.queued) == (None, 0)
    assert calls.drain() == []


def test_the_first_call_is_written_at_once_later_ones_wait() -> None:
    calls = OutstandingCalls(max_queued=2)
    assert calls.offer(A) is A
    assert calls.offer(B) is None
    assert calls.offer(C) is None
    assert (calls.in_flight, calls.queued) == (A, 2)


def test_a_full_queue_refuses_the_call() -> None:
    calls = OutstandingCalls(max_queued=2)
    calls.offer(A)
    calls.offer(B)
    calls.offer(C)
    with pytest.raises(CallQueueFull, match=r"^2 calls already queued$"):
        calls.offer(D)
    assert (calls.in_flight, calls.queued) == (A, 2)
    assert calls.drain() == [A, B, C]


def test_a_queue_of_zero_allows_only_the_call_in_flight() -> None:
    calls = OutstandingCalls(max_queued=0)
    assert calls.offer(A) is A
    with pytest.raises(CallQueueFull, match=r"^0 calls already queued$"):
        calls.offer(B)
    assert calls.answer("a") == (A, None)
    assert calls.offer(B) is B


def test_answer_advances_to_the_next_call_in_order() -> None:
    calls = OutstandingCalls(max_queued=5)
    for call in (A, B, C):
        calls.offer(call)
    assert calls.answer("a") == (A, B)
    assert (calls.in_flight, calls.queued) == (B, 1)
    assert calls.answer("b") == (B, C)
    assert calls.answer("c") == (C, None)
    assert (calls.in_flight, calls.queued) == (None, 0)


@pytest.mark.parametrize("message_id", ["b", "A", "", "-1"])
def test_an_answer_with_another_id_is_ignored(message_id: str) -> None:
    calls = OutstandingCalls(max_queued=5)
    calls.offer(A)
    calls.offer(B)
    assert calls.answer(message_id) == (None, None)
    assert (calls.in_flight, calls.queued) == (A, 1)


def test_an_answer_when_nothing_is_in_flight_is_ignored() -> None:
    calls = OutstandingCalls(max_queued=5)
    assert calls.answer("a") == (None, None)
    calls.offer(A)
    calls.answer("a")
    assert calls.answer("a") == (None, None)  # a duplicate answer


def test_a_freed_queue_slot_can_be_used_again() -> None:
    calls = OutstandingCalls(max_queued=1)
    calls.offer(A)
    calls.offer(B)
    calls.answer("a")
    assert calls.offer(C) is None
    assert calls.drain() == [B, C]


def test_expire_advances() -> None:
    calls = OutstandingCalls(max_queued=5)
    calls.offer(A)
    calls.offer(B)
    assert calls.expire() == (A, B)
    assert calls.expire() == (B, None)
    assert calls.expire() == (None, None)
    assert (calls.in_flight, calls.queued) == (None, 0)
    assert calls.offer(C) is C


def test_a_late_answer_to_an_expired_call_is_ignored() -> None:
    calls = OutstandingCalls(max_queued=5)
    calls.offer(A)
    calls.offer(B)
    calls.expire()
    assert calls.answer("a") == (None, None)
    assert calls.in_flight == B


def test_drain_returns_everything_unanswered_and_resets() -> None:
    calls = OutstandingCalls(max_queued=5)
    for call in (A, B, C):
        calls.offer(call)
    assert calls.drain() == [A, B, C]
    assert (calls.in_flight, calls.queued) == (None, 0)
    assert calls.drain() == []
    assert calls.offer(D) is D
