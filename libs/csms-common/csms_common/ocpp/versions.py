"""OCPP versions, their WebSocket subprotocol names and the server's order of preference."""

from __future__ import annotations

from enum import StrEnum


class OcppVersion(StrEnum):
    """An OCPP version as the ocpp library names it (``1.6``, ``2.0``, ``2.0.1``)."""

    V16 = "1.6"
    V20 = "2.0"
    V201 = "2.0.1"
    V21 = "2.1"

    @property
    def subprotocol(self) -> str:
        """The WebSocket subprotocol name, e.g. ``ocpp2.0.1``."""
        return f"ocpp{self.value}"

    @property
    def is_v16(self) -> bool:
        return self is OcppVersion.V16

    @classmethod
    def from_subprotocol(cls, subprotocol: str | None) -> OcppVersion:
        """Map a negotiated subprotocol to its version; none negotiated means 2.0.1."""
        if subprotocol is None:
            return DEFAULT_VERSION
        if not subprotocol.startswith("ocpp"):
            raise ValueError(f"not an OCPP subprotocol: {subprotocol!r}")
        return cls(subprotocol.removeprefix("ocpp"))


DEFAULT_VERSION = OcppVersion.V201
"""Used when a station offers no subprotocol (the reference's default)."""

SUPPORTED_SUBPROTOCOLS: tuple[str, ...] = tuple(
    version.subprotocol for version in (OcppVersion.V21, OcppVersion.V201, OcppVersion.V20, OcppVersion.V16)
)
"""Offered subprotocols the gateway accepts, most preferred first."""
