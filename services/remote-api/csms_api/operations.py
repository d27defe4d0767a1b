"""What each view takes and answers, declared beside it with ``@operation``; the OpenAPI document is built
from these declarations and the app's URL map (``csms_api.openapi``), so it cannot drift from the routes.

The types are TypedDicts (and annotated scalars) that pydantic turns into JSON Schema: a TypedDict's
``NotRequired`` key is an optional, non-nullable JSON member, which is what the API's bodies have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

View = TypeVar("View", bound=Callable[..., Any])

OPERATION_ATTRIBUTE = "api_operation"

JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    """One documented response: its body's type, what it means, and its media type."""

    body: Any
    description: str
    media_type: str = JSON


@dataclass(frozen=True)
class Operation:
    """A view's contract: summary, parameters' and body's types, answers and the error statuses it may send.

    ``path``, ``query`` and ``headers`` are TypedDicts whose keys are the parameters' names; ``body`` is
    the JSON request body's type. ``errors`` are the statuses beyond the ones every protected call may
    answer (``openapi.COMMON_ERRORS``).
    """

    summary: str
    answers: Mapping[int, Answer]
    body: Any = None
    body_required: bool = True
    path: Any = None
    query: Any = None
    headers: Any = None
    errors: tuple[int, ...] = ()
    description: str = ""


def operation(
    summary: str,
    answers: Mapping[int, Answer | tuple[Any, str]],
    *,
    body: Any = None,
    body_required: bool = True,
    path: Any = None,
    query: Any = None,
    headers: Any = None,
    errors: tuple[int, ...] = (),
    description: str = "",
) -> Callable[[View], View]:
    """Mark a view with its contract; ``answers`` maps a status to ``Answer`` or ``(body type, meaning)``."""
    declared = Operation(
        summary=summary,
        answers={
            status: answer if isinstance(answer, Answer) else Answer(*answer)
            for status, answer in answers.items()
        },
        body=body,
        body_required=body_required,
        path=path,
        query=query,
        headers=headers,
        errors=errors,
        description=description,
    )

    def mark(view: View) -> View:
        setattr(view, OPERATION_ATTRIBUTE, declared)
        return view

    return mark


def operation_of(view: Callable[..., Any] | None) -> Operation | None:
    """The contract ``@operation`` attached to a view, or None for a view without one."""
    declared = getattr(view, OPERATION_ATTRIBUTE, None)
    return declared if isinstance(declared, Operation) else None
