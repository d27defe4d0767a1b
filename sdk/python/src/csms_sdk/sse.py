"""Server-Sent Events as the WHATWG HTML standard reads them, line by line, without I/O.

The sync and async clients feed the lines of ``GET /events/stream`` to ``SseParser`` and get whole
messages back; so both read the stream the same way, and this is tested without a network.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched message: its type (``message`` when unnamed), data, and the last id seen."""

    event: str
    data: str
    id: str | None
    retry_ms: int | None = None


class SseParser:
    """Feed it lines (without their line ending); it returns a message at each blank line."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._last_id: str | None = None
        self._retry_ms: int | None = None

    def feed(self, line: str) -> ServerSentEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment: the server's keep-alive
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._last_id = value
        elif name == "retry" and value.isdigit():
            self._retry_ms = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        event, data = self._event or "message", self._data
        self._event, self._data = "", []
        if not data:
            return None
        return ServerSentEvent(event, "\n".join(data), self._last_id, self._retry_ms)
