"""Station passwords (OCPP security profiles 1 and 2): stored as scrypt hashes, checked in a thread.

scrypt is in the standard library and is slow on purpose (about 50 ms here), so a
leaked registry does not give away passwords. ``MIN_LENGTH``/``MAX_LENGTH`` are
OCPP 2.0.1's BasicAuthPassword limits (16 to 40 characters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

MIN_LENGTH = 16
MAX_LENGTH = 40
_N, _R, _P = 2**14, 8, 1


def check_password_rules(password: object) -> str:
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"password must be a string of {MIN_LENGTH} to {MAX_LENGTH} characters")
    if not password.isprintable():
        raise ValueError("password must be printable")
    return password


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
