"""Today's name of each old-layout key (csms_shadow.storage.key_migration.new_name)."""

from __future__ import annotations

import pytest

from csms_shadow.storage.key_migration import new_name
from csms_shadow.storage.keys import Keys

PREFIX = "csms:"
KEYS = Keys(PREFIX)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("csms:station:CP1", KEYS.station("CP1")),
        ("csms:shadow:CP:1", KEYS.shadow("CP:1")),
        ("csms:transaction-order:CP1", KEYS.transaction_order("CP1")),
        ("csms:charging-profiles:CP1", KEYS.charging_profiles("CP1")),
        ("csms:stations", KEYS.station_index),
        ("csms:token:TAG", KEYS.id_token("TAG")),
        ("csms:sessions:CP1", KEYS.station_sessions("CP1")),
        ("csms:local-list:CP1", KEYS.local_list("CP1")),
        ("csms:remote-start:CP1:id:7", KEYS.remote_start("CP1", "id:7")),
    ],
)
def test_old_names_map_to_todays(old: str, new: str) -> None:
    assert new_name(PREFIX, old) == new


@pytest.mark.parametrize(
    "key",
    [
        KEYS.station("CP1"),
        KEYS.station_index,
        KEYS.id_token("TAG"),
        "csms:applied:CP1:token",
        "csms:allocated:CP1:id:7",
        "other:station:CP1",
    ],
)
def test_new_expiring_and_foreign_keys_are_left(key: str) -> None:
    assert new_name(PREFIX, key) is None
