"""Answer a station's retransmitted call with the answer it already got (sans I/O).

OCPP-J stations resend a call, with the same message id, when its answer was
lost. Processing it again could repeat its side effects; the gateway instead
remembers the last few answers per connection and sends the same one again.
A reused id with a different frame is a new call and is processed normally.
"""

from __future__ import annotations

from collections import OrderedDict


class RecentReplies:
    """The calls forwarded on one connection and, once known, their answers (bounded)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._awaiting: OrderedDict[str, str] = OrderedDict()
        self._answered: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def forwarded(self, message_id: str, call_text: str) -> None:
        """A call went to the handlers; its answer will come back on ``{cp}/out``."""
        self._awaiting[message_id] = call_text
        self._answered.pop(message_id, None)
        while len(self._awaiting) > self._capacity:
            self._awaiting.popitem(last=False)

    def answered(self, message_id: str, reply_text: str) -> None:
        """The answer to a forwarded call is being written to the station."""
        call_text = self._awaiting.pop(message_id, None)
        if call_text is None:
            return
        self._answered[message_id] = (call_text, reply_text)
        while len(self._answered) > self._capacity:
            self._answered.popitem(last=False)

    def retransmission(self, message_id: str, call_text: str) -> str | None:
        """The answer to send again if this call is a retransmission of an answered one."""
        remembered = self._answered.get(message_id)
        if remembered is None or remembered[0] != call_text:
            return None
        return remembered[1]
