"""The audit log's record of one state-changing request (pure), published after the response is made."""

from __future__ import annotations

from typing import Any

STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TARGET_FIELDS = ("chargePointId",)
MAX_TARGET_LENGTH = 200


def is_audited(method: str, public: bool) -> bool:
    return method in STATE_CHANGING_METHODS and not public


def audit_record(
    *,
    time: str,
    method: str,
    route: str,
    path: str,
    view_args: dict[str, Any],
    body: Any,
    token: str | None,
    scope: str | None,
    status: int,
) -> dict[str, Any]:
    """Who (token name and scope) did what (method, route, target) with which result, when.

    The target is the path's ids (station, action, webhook, id token) and a body's
    ``chargePointId``; bodies themselves are never recorded (they may hold passwords).
    """
    target: dict[str, str] = {key: str(value)[:MAX_TARGET_LENGTH] for key, value in view_args.items()}
    if isinstance(body, dict):
        for field in TARGET_FIELDS:
            if isinstance(body.get(field), str | int) and field not in target:
                target[field] = str(body[field])[:MAX_TARGET_LENGTH]
    return {
        "time": time,
        "token": token,
        "scope": scope,
        "method": method,
        "route": route,
        "path": path[:MAX_TARGET_LENGTH],
        "target": target,
        "status": status,
        "result": "ok" if status < 400 else ("refused" if status in (401, 403) else "error"),
    }
