"""A client certificate names a station only with exactly one CN."""

from __future__ import annotations

import pytest

from csms_gateway.credentials import InvalidCredentials, single_common_name


def test_one_common_name_is_the_station() -> None:
    subject = ((("countryName", "DE"),), (("commonName", "CP1"),))
    assert single_common_name(subject) == "CP1"


@pytest.mark.parametrize(
    "subject",
    [
        ((("commonName", "CP1"),), (("commonName", "CP2"),)),
        ((("commonName", "CP1"), ("commonName", "CP1")),),
        ((("organizationName", "ACME"),),),
        (),
    ],
)
def test_two_common_names_or_none_are_refused(subject: tuple[tuple[tuple[str, str], ...], ...]) -> None:
    with pytest.raises(InvalidCredentials):
        single_common_name(subject)
