"""RecentReplies: a retransmitted call gets the answer it already got, nothing else does."""

from __future__ import annotations

from csms_gateway.retransmissions import RecentReplies

CALL = '[2,"m1","Heartbeat",{}]'
REPLY = '[3,"m1",{"currentTime":"2024-01-01T00:00:00.000Z"}]'


def test_answered_call_sent_again_gets_the_same_answer() -> None:
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    replies.answered("m1", REPLY)
    assert replies.retransmission("m1", CALL) == REPLY


def test_unanswered_call_is_not_a_retransmission() -> None:
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    assert replies.retransmission("m1", CALL) is None


def test_same_id_with_another_frame_is_a_new_call() -> None:
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    replies.answered("m1", REPLY)
    assert replies.retransmission("m1", '[2,"m1","Heartbeat",{"x":1}]') is None


def test_forwarding_an_id_again_forgets_its_old_answer() -> None:
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    replies.answered("m1", REPLY)
    replies.forwarded("m1", '[2,"m1","StatusNotification",{}]')
    assert replies.retransmission("m1", CALL) is None


def test_answers_to_calls_never_forwarded_are_ignored() -> None:
    replies = RecentReplies(4)
    replies.answered("m9", REPLY)
    assert replies.retransmission("m9", CALL) is None


def test_memory_is_bounded_oldest_first() -> None:
    replies = RecentReplies(2)
    for index in range(3):
        replies.forwarded(f"m{index}", f"call-{index}")
        replies.answered(f"m{index}", f"reply-{index}")
    assert replies.retransmission("m0", "call-0") is None
    assert replies.retransmission("m1", "call-1") == "reply-1"
    assert replies.retransmission("m2", "call-2") == "reply-2"


def test_awaiting_calls_are_bounded_too() -> None:
    replies = RecentReplies(2)
    for index in range(3):
        replies.forwarded(f"m{index}", f"call-{index}")
    replies.answered("m0", "reply-0")  # forgotten while waiting: not remembered
    replies.answered("m2", "reply-2")
    assert replies.retransmission("m0", "call-0") is None
    assert replies.retransmission("m2", "call-2") == "reply-2"


def test_a_second_answer_to_an_answered_call_is_not_written() -> None:
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    assert replies.answered("m1", REPLY) is True
    assert replies.answered("m1", REPLY) is False


def test_a_late_answer_to_a_call_given_up_on_is_not_written() -> None:
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    assert replies.gave_up("m1") is True
    assert replies.answered("m1", REPLY) is False
    assert replies.retransmission("m1", CALL) is None  # a retry is forwarded, not answered with the error


def test_a_retry_after_giving_up_is_awaited_again() -> None:
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    replies.gave_up("m1")
    replies.forwarded("m1", CALL)
    assert replies.is_awaiting("m1")
    assert replies.answered("m1", REPLY) is True
    assert replies.retransmission("m1", CALL) == REPLY


def test_giving_up_on_an_answered_call_does_nothing() -> None:
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    replies.answered("m1", REPLY)
    assert replies.gave_up("m1") is False
    assert replies.retransmission("m1", CALL) == REPLY


def test_an_answer_to_a_frame_never_forwarded_is_written() -> None:
    assert RecentReplies(4).answered("-1", '[4,"-1","RpcFrameworkError","",{}]') is True


def test_an_error_answer_is_written_once_and_a_retry_is_processed_again() -> None:
    # Found by the soak: a Boot answered InternalError during a broker outage was answered with
    # the same error from memory forever.
    replies = RecentReplies(4)
    replies.forwarded("m1", CALL)
    assert replies.errored("m1") is True
    assert replies.errored("m1") is False
    assert replies.answered("m1", REPLY) is False
    assert replies.retransmission("m1", CALL) is None
    replies.forwarded("m1", CALL)
    assert replies.answered("m1", REPLY) is True
