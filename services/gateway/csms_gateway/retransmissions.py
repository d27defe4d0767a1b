"""Answer a station's retransmitted call with the answer it already got (sans I/O).

OCPP-J stations resend a call, with the same message id, when its answer was
lost. Processing it again could repeat its side effects; the gateway instead
remembers the last few answers per connection and sends the same one again.
A reused id with a different frame is a new call and is processed normally.

It also knows which answers must not reach the station: a second answer to a
call already answered (a redelivered or retransmitted call processed twice) and
a late answer to a call the gateway gave up on (it sent the station an error).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

_V = TypeVar("_V")


class RecentReplies:
    """The calls forwarded on one connection and, once known, their answers (bounded)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._awaiting: OrderedDict[str, str] = OrderedDict()
        self._answered: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._given_up: OrderedDict[str, str] = OrderedDict()

    def forwarded(self, message_id: str, call_text: str) -> None:
        """A call went to the handlers; its answer will come back on ``{cp}/out``."""
        self._awaiting[message_id] = call_text
        self._answered.pop(message_id, None)
        self._given_up.pop(message_id, None)
        self._bound(self._awaiting)

    def is_awaiting(self, message_id: str) -> bool:
        return message_id in self._awaiting

    def answered(self, message_id: str, reply_text: str) -> bool:
        """An answer came back; True if it is to be written to the station.

        False for a second answer to an answered call and for a late answer to a call given
        up on: the station already has its one answer. An answer to a call never forwarded
        (the error for a frame without a readable id) is written.
        """
        call_text = self._awaiting.pop(message_id, None)
        if call_text is None:
            return message_id not in self._answered and message_id not in self._given_up
        self._answered[message_id] = (call_text, reply_text)
        self._bound(self._answered)
        return True

    def errored(self, message_id: str) -> bool:
        """A CallError came back; True if it is to be written to the station.

        It is not remembered as the call's answer: an error (InternalError above all: the
        CSMS could not process it) asks the station to retry, and the retry must be processed
        again rather than get the same error from memory forever. Later answers are dropped.
        """
        if message_id not in self._awaiting:
            return message_id not in self._answered and message_id not in self._given_up
        return self.gave_up(message_id)

    def gave_up(self, message_id: str) -> bool:
        """No answer came in time and the station gets an error instead; False if it was not awaited.

        A retransmission of the call is forwarded again (it is not answered from memory)."""
        call_text = self._awaiting.pop(message_id, None)
        if call_text is None:
            return False
        self._given_up[message_id] = call_text
        self._bound(self._given_up)
        return True

    def retransmission(self, message_id: str, call_text: str) -> str | None:
        """The answer to send again if this call is a retransmission of an answered one."""
        remembered = self._answered.get(message_id)
        if remembered is None or remembered[0] != call_text:
            return None
        return remembered[1]

    def _bound(self, entries: OrderedDict[str, _V]) -> None:
        while len(entries) > self._capacity:
            entries.popitem(last=False)
