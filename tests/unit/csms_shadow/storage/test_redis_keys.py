"""docs/redis-keys.md lists every key the shadow service's one key module can name, and no other."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from csms_shadow.storage.keys import Keys

DOC = Path(__file__).resolve().parents[4] / "docs" / "redis-keys.md"


def _named_keys() -> set[str]:
    """Every key ``Keys`` names, with its arguments as placeholders and without the prefix."""
    keys = Keys("")
    names = {value for name, value in vars(keys).items() if not name.startswith("_")}
    for name, method in inspect.getmembers(Keys, inspect.isfunction):
        if name.startswith("_") or name == "webhook_all":
            continue
        arguments = list(inspect.signature(method).parameters)[1:]
        names.add(method(keys, *(f"{{{argument}}}" for argument in arguments)))
    return names


def _kind(pattern: str) -> str:
    """A pattern's fixed part: ``session:{cp}:{tx}`` and ``session:{session_id}`` are one key."""
    return re.sub(r"\{[^}]*\}", "*", pattern).split(":*")[0] + ("" if "{" not in pattern else ":*")


def test_every_key_is_documented_once() -> None:
    documented = re.findall(r"^\| `([^`]+)` \|", DOC.read_text(), flags=re.MULTILINE)
    assert len(documented) == len(set(documented))
    assert {_kind(key) for key in documented} == {_kind(key) for key in _named_keys()}


def test_deleting_a_webhook_deletes_every_key_named_after_it() -> None:
    per_webhook = {key.format(webhook_id="w") for key in _named_keys() if "{webhook_id}" in key}
    assert set(Keys("").webhook_all("w")) == per_webhook
