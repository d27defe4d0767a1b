"""``replacing``: the update that deletes objects before they are written anew."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate, replacing


def test_replacing_sets_each_path_to_null_nesting_shared_prefixes() -> None:
    update = replacing(
        ("activeTransaction",),
        ("evses", "1", "activeTransaction"),
        ("evses", "1", "lastMeterValue"),
        ("evses", "2", "connectors", "1", "activeTransaction"),
    )

    assert isinstance(update, ShadowUpdate)
    assert update == ShadowUpdate(
        {
            "activeTransaction": None,
            "evses": {
                "1": {"activeTransaction": None, "lastMeterValue": None},
                "2": {"connectors": {"1": {"activeTransaction": None}}},
            },
        }
    )
    assert replacing(("lastTransaction",)) == ShadowUpdate({"lastTransaction": None})
