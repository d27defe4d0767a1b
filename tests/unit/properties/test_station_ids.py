"""Properties of station ids: accepted exactly when nothing forbidden is in them, and an accepted one
makes well-formed topics and paths (hypothesis; see inputs.py)."""

from __future__ import annotations

import unicodedata
import urllib.parse

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from csms_common import topics
from csms_common.station_id import (
    MAX_STATION_ID_LENGTH,
    InvalidStationId,
    station_id_from_path,
    validate_station_id,
)
from tests.unit.properties.inputs import deterministic, tried

# ------------------------------------------------------------------- station ids

_TRICKY_CHARACTERS = list("+#/\\$.%? \t\n\r\x00\x1f\x7f\x85\xa0\u2028\u200b\ufeff\ue000éü€😀-_:@~")
station_id_candidates = st.one_of(
    st.text(max_size=60),
    st.text(
        alphabet=st.one_of(
            st.sampled_from(_TRICKY_CHARACTERS), st.characters(min_codepoint=0x21, max_codepoint=0x7E)
        ),
        max_size=60,
    ),
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=50),
    st.text(alphabet="abc.$", min_size=1, max_size=6),
)


def forbidden_reason(candidate: str) -> str | None:
    """The README's rule, written independently: why ``candidate`` is not a station id (None: it is)."""
    if not 1 <= len(candidate) <= MAX_STATION_ID_LENGTH:
        return "length"
    if candidate.startswith("$"):
        return "leading $"
    if ".." in candidate:
        return ".."
    for character in candidate:
        if character in "+#/\\":
            return f"{character!r}"
        if character.isspace():
            return "whitespace"
        if unicodedata.category(character)[0] == "C":  # control, format, surrogate, private, unassigned
            return "control character"
    return None


@deterministic(250)
@given(station_id_candidates)
@example("x" * 48)
@example("x" * 49)
@example("$x")
@example("x$")
@example("a..b")
@example("a.b")
@example("a\u200bb")
def test_station_id_is_accepted_exactly_when_nothing_forbidden_is_in_it(candidate: str) -> None:
    tried("validate_station_id")
    reason = forbidden_reason(candidate)
    try:
        accepted = validate_station_id(candidate)
    except InvalidStationId:
        assert reason is not None, f"{candidate!r} refused although nothing forbidden is in it"
        return
    assert reason is None, f"{candidate!r} accepted although it has a forbidden {reason}"
    assert accepted == candidate
    assert 1 <= len(accepted) <= MAX_STATION_ID_LENGTH
    assert not any(c in "+#/\\" or c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in accepted)
    assert ".." not in accepted and not accepted.startswith("$")


@deterministic(100)
@given(station_id_candidates.filter(lambda candidate: forbidden_reason(candidate) is None))
def test_an_accepted_id_makes_well_formed_topics_and_paths(station_id: str) -> None:
    tried("topics and paths of accepted ids")
    inbound = topics.station_in(station_id)
    assert inbound.split("/") == [station_id, "in"]
    assert topics.station_out(station_id).split("/") == [station_id, "out"]
    assert topics.station_from_station_topic(inbound) == station_id
    assert topics.shadow_update(station_id).split("/") == ["$aws", "things", station_id, "shadow", "update"]
    assert topics.station_from_shadow_topic(topics.shadow_update(station_id)) == station_id
    for topic in (inbound, topics.station_control(station_id), topics.shadow_get(station_id)):
        assert "+" not in topic and "#" not in topic
    encoded = urllib.parse.quote(station_id, safe="")
    assert station_id_from_path("/" + encoded) == station_id
    assert station_id_from_path("/" + encoded + "?x=1&y=%2F") == station_id


@deterministic(120)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="/%?abc0123456789ABCDEFabcdef+#.$ ", max_size=30),
        station_id_candidates.map(lambda candidate: "/" + urllib.parse.quote(candidate, safe="")),
    )
)
@example("/%FF")
@example("/%2")
@example("/%2F")
@example("/a%2Fb")
@example("/%2e%2e")
@example("/%24x")
@example("/%00")
def test_station_id_from_path_returns_a_valid_id_or_refuses(path: str) -> None:
    tried("station_id_from_path")
    try:
        station_id = station_id_from_path(path)
    except InvalidStationId:
        return
    assert forbidden_reason(station_id) is None
    assert path.startswith("/") and "/" not in path.split("?", 1)[0][1:]


@deterministic(100)
@given(
    st.text(max_size=30),
    st.sampled_from(["+", "#", "/", "\\", "..", " ", "\t", "\n", "\x00", "\x7f", "\u2028", "\u200b"]),
    st.text(max_size=30),
)
@example("", "$", "x")
@example("x" * 49, "", "")
@example("", "", "")
def test_an_id_with_something_forbidden_reaches_no_topic(before: str, forbidden: str, after: str) -> None:
    tried("topics refuse invalid ids")
    candidate = before + forbidden + after
    assert forbidden_reason(candidate) is not None
    for build in (topics.station_in, topics.station_out, topics.shadow_update, topics.station_control):
        with pytest.raises(InvalidStationId):
            build(candidate)
