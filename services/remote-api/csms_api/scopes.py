"""Which scope each endpoint needs, declared beside the view with ``@requires``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from csms_api.tokens import Scope

View = TypeVar("View", bound=Callable[..., Any])

SCOPE_ATTRIBUTE = "required_scope"


def requires(scope: Scope) -> Callable[[View], View]:
    """Mark a view with the scope a token needs to call it (views without a mark need admin)."""

    def mark(view: View) -> View:
        setattr(view, SCOPE_ATTRIBUTE, scope)
        return view

    return mark


def required_scope(view: Callable[..., Any] | None) -> Scope:
    return getattr(view, SCOPE_ATTRIBUTE, Scope.ADMIN)
