"""The per-station part of Redis key names: a hash tag, so one station's keys share a cluster slot."""

from __future__ import annotations

import hashlib


def station_tag(station_id: str) -> str:
    """``{CP1}`` for station ``CP1``: every key holding it maps to one Redis Cluster slot, so the
    station's WATCH/MULTI pipelines and scripts over several of its keys run on one node.

    Redis hashes the text between the first ``{`` and the next ``}``. A station id may itself hold
    braces (OCPP allows them), which would cut the tag short or empty it (an empty tag hashes the
    whole key, scattering the station); such an id gets a tag made of its digest, followed by the
    id, so names stay distinct and the tag stays the same for all of the station's keys.
    """
    if "{" not in station_id and "}" not in station_id:
        return f"{{{station_id}}}"
    return f"{{#{hashlib.sha256(station_id.encode()).hexdigest()[:16]}}}{station_id}"


SHARED_TAG = "{csms}"
"""The hash tag of cross-station data (stations index, id tokens, transaction-id counter, command
records, events, audit, sites, tariffs, sessions, campaigns, webhooks, certificates, local lists):
one cluster slot, so their multi-key transactions and scripts keep working on a cluster."""


def shared_prefix(prefix: str) -> str:
    """The key prefix of cross-station data: ``csms:{csms}:``. A station-scoped key built on it
    (a station's certificates, local list, billing sessions) lives in that one slot too."""
    return f"{prefix}{SHARED_TAG}:"
