"""What a connection proves at its handshake: HTTP Basic auth, TLS, and the client certificate's CN."""

from __future__ import annotations

import base64
import binascii
import ssl
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request

from csms_gateway.registration import Credentials


class InvalidCredentials(Exception):
    """The Authorization header is malformed, or names another station."""


def basic_password(request: Request, station_id: str) -> str | None:
    """The password of ``Authorization: Basic`` (whose user must be the station id), or None.

    Two Authorization headers are malformed: which one a proxy or the station meant is a guess."""
    headers = request.headers.get_all("Authorization")
    if not headers:
        return None
    if len(headers) > 1:
        raise InvalidCredentials("more than one Authorization header")
    header = headers[0]
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise InvalidCredentials("only Basic authentication is supported")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise InvalidCredentials("malformed Basic credentials") from error
    user, separator, password = decoded.partition(":")
    if not separator or user != station_id:
        raise InvalidCredentials("the Basic user must be the station id")
    return password


def certificate_cn(ssl_object: Any) -> str | None:
    """The subject CN of a verified client certificate, if the TLS peer sent one.

    A certificate must name exactly one CN to name a station: with two, which one is meant is a
    guess (the first is not necessarily what a CA checked), so it is refused, as is one without.
    """
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    certificate = ssl_object.getpeercert()
    if not certificate:
        return None
    return single_common_name(certificate.get("subject", ()))


def single_common_name(subject: Any) -> str:
    """The one commonName of a certificate subject (as ``getpeercert()`` gives it), or InvalidCredentials."""
    names = [
        str(attribute[1])
        for relative_name in subject
        for attribute in relative_name
        if attribute[0] == "commonName"
    ]
    if len(names) != 1:
        raise InvalidCredentials(f"a client certificate must name exactly one CN, not {len(names)}")
    return names[0]


def presented_credentials(connection: ServerConnection, request: Request, station_id: str) -> Credentials:
    ssl_object = connection.transport.get_extra_info("ssl_object")
    return Credentials(
        password=basic_password(request, station_id),
        tls=ssl_object is not None,
        certificate_cn=certificate_cn(ssl_object),
    )
