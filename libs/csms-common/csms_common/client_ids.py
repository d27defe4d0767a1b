"""MQTT client ids inside their login's namespace: ``<username>`` or ``<username>-…``.

The broker refuses a client id that belongs to another user's namespace (docs/broker-trust.md), so
a persistent session or a reply inbox (``csms/replies/<client id>``) can only be taken over by the
login that owns it. Every service names its clients through ``owned_client_id``.
"""

from __future__ import annotations


def in_namespace(username: str, client_id: str) -> bool:
    """True when ``client_id`` is ``username`` or starts with ``username-``."""
    return client_id == username or client_id.startswith(f"{username}-")


def owned_client_id(username: str | None, name: str) -> str:
    """``name`` if it already lies in ``username``'s namespace, else ``<username>-<name>``.

    Without a user name (a TLS client certificate supplies it) the name is used as it is.
    """
    if not username or in_namespace(username, name):
        return name
    return f"{username}-{name}"
