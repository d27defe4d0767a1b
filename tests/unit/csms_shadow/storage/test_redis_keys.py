"""docs/redis-keys.md lists every key the shadow service's one key module can name, and no other."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from csms_shadow.storage.keys import SHARED_TAG, Keys, station_tag

DOC = Path(__file__).resolve().parents[4] / "docs" / "redis-keys.md"


def _untagged(key: str) -> str:
    """The key without its cluster hash tag: the shared ``{csms}:``, or the digest tag a station id
    holding braces (as the ``{station_id}`` placeholder does) gets."""
    return re.sub(r"\{#[0-9a-f]{16}\}", "", key.removeprefix(f"{SHARED_TAG}:"))


def _named_keys() -> set[str]:
    """Every key ``Keys`` names, with its arguments as placeholders, without prefix and hash tag."""
    keys = Keys("")
    names = {_untagged(value) for name, value in vars(keys).items() if not name.startswith("_")}
    for name, method in inspect.getmembers(Keys, inspect.isfunction):
        if name.startswith("_") or name == "webhook_all":
            continue
        arguments = list(inspect.signature(method).parameters)[1:]
        names.add(_untagged(method(keys, *(f"{{{argument}}}" for argument in arguments))))
    return names


def test_station_keys_share_the_station_tag_and_the_rest_the_shared_one() -> None:
    keys = Keys("csms:")
    assert keys.shadow("CP1") == "csms:shadow:{CP1}"
    assert keys.client_token("CP1", "t") == "csms:applied:{CP1}:t"
    assert keys.id_token("TAG") == "csms:{csms}:token:TAG"
    assert keys.certificates("CP1") == "csms:{csms}:certificates:CP1"
    assert station_tag("a}b") == station_tag("a}b") != station_tag("a)b")
    assert station_tag("}x").startswith("{#") and station_tag("}x").endswith("}}x")


def _kind(pattern: str) -> str:
    """A pattern's fixed part: ``session:{cp}:{tx}`` and ``session:{session_id}`` are one key."""
    return re.sub(r"\{[^}]*\}", "*", pattern).split(":*")[0] + ("" if "{" not in pattern else ":*")


def test_every_key_is_documented_once() -> None:
    documented = re.findall(r"^\| `([^`]+)` \|", DOC.read_text(), flags=re.MULTILINE)
    assert len(documented) == len(set(documented))
    assert {_kind(key) for key in documented} == {_kind(key) for key in _named_keys()}


def test_deleting_a_webhook_deletes_every_key_named_after_it() -> None:
    per_webhook = {key.format(webhook_id="w") for key in _named_keys() if "{webhook_id}" in key}
    assert {_untagged(key) for key in Keys("").webhook_all("w")} == per_webhook


def test_every_key_has_a_hash_tag() -> None:
    """On a cluster an untagged key lands in a slot of its own, and any transaction or script that
    also touches it fails with CROSSSLOT: every key is the station's (``{X}``) or the shared one's."""
    keys = Keys("")
    named = [value for name, value in vars(keys).items() if not name.startswith("_")]
    for name, method in inspect.getmembers(Keys, inspect.isfunction):
        if name.startswith("_") or name == "webhook_all":
            continue
        named.append(method(keys, *(["X"] * (len(inspect.signature(method).parameters) - 1))))
    untagged = [key for key in named if not key.startswith(f"{SHARED_TAG}:") and "{X}" not in key]
    assert untagged == []
