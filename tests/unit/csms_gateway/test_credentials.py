"""A client certificate names a station only with exactly one CN; one Basic Authorization header or none."""

from __future__ import annotations

import base64

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Request

from csms_gateway.credentials import InvalidCredentials, basic_password, single_common_name


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


def basic_text(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def basic(user: str, password: str) -> str:
    return basic_text(f"{user}:{password}")


def test_one_basic_header_gives_its_password() -> None:
    headers = Headers()
    headers["Authorization"] = basic("CP1", "secret-password-16")
    assert basic_password(Request("/CP1", headers), "CP1") == "secret-password-16"
    assert basic_password(Request("/CP1", Headers()), "CP1") is None


def test_the_password_may_contain_colons() -> None:
    headers = Headers()
    headers["Authorization"] = basic("CP1", "secret:with:colons")
    assert basic_password(Request("/CP1", headers), "CP1") == "secret:with:colons"


def test_two_authorization_headers_are_malformed() -> None:
    # websockets' Headers.get raises MultipleValuesError (a LookupError) here: it must not escape as a 500.
    headers = Headers()
    headers["Authorization"] = basic("CP1", "secret-password-16")
    headers["Authorization"] = basic("CP1", "another-password-16")
    with pytest.raises(InvalidCredentials):
        basic_password(Request("/CP1", headers), "CP1")


@pytest.mark.parametrize(
    "header",
    [
        basic("CP2", "secret"),
        basic_text("CP1"),
        "Bearer abc",
        "Basic !!!",
        "Basic " + base64.b64encode(b"\xff:x").decode(),
    ],
)
def test_malformed_or_foreign_credentials(header: str) -> None:
    headers = Headers()
    headers["Authorization"] = header
    with pytest.raises(InvalidCredentials):
        basic_password(Request("/CP1", headers), "CP1")
