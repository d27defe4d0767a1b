"""The public endpoints' bodies: liveness, readiness and this document."""

from __future__ import annotations

from typing import NotRequired

from typing_extensions import TypedDict


class Health(TypedDict):
    status: str
    error: NotRequired[str]
