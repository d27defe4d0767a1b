"""The development broker's ACL, generated from one table per user (scripts/broker.py, docs/broker-trust.md)."""

from __future__ import annotations

import re

from scripts.broker import GRANTS, MONITOR_USER, SERVICE_USERS, Grants, acl_text


def blocks() -> dict[str, list[str]]:
    """The acl_file's lines, per user."""
    result: dict[str, list[str]] = {}
    current: list[str] = []
    for line in acl_text().splitlines():
        if line.startswith("user "):
            current = result.setdefault(line.removeprefix("user "), [])
        elif line and not line.startswith("#"):
            current.append(line)
    return result


def writers(topic: str) -> set[str]:
    return {user for user, lines in blocks().items() if f"topic write {topic}" in lines}


def test_every_service_and_the_monitor_have_a_block() -> None:
    assert set(blocks()) == {*SERVICE_USERS, MONITOR_USER}


def test_only_the_api_and_billing_call_stations_and_only_the_handler_answers_them() -> None:
    # The shadow service sends billing's CostUpdated and GetTransactionStatus (docs/billing.md).
    assert writers("+/call") == {"remote-api", "shadow"}
    assert writers("+/out") == {"ocpp-handler"}
    assert writers("+/in") == {"gateway"}


def test_only_the_handler_writes_shadows() -> None:
    assert writers("$aws/things/+/shadow/update") == {"ocpp-handler"}


def test_the_monitor_reads_everything_but_secrets_and_writes_nothing() -> None:
    monitor = blocks()[MONITOR_USER]
    assert monitor[0] == "topic deny csms/secret/#"  # Mosquitto applies deny before any grant
    assert not [line for line in monitor if re.match(r"topic (write|readwrite) ", line)]


def test_secret_requests_have_one_sender_each_and_one_reader() -> None:
    assert writers("csms/secret/shadow/credentials/authenticate") == {"gateway"}
    assert writers("csms/secret/shadow/credentials/set-password") == {"remote-api"}
    readers = {user for user, lines in blocks().items() if "topic read csms/secret/shadow/+/+" in lines}
    assert readers == {"shadow"}


def test_a_client_reads_only_its_own_inbox() -> None:
    assert Grants(read=("a/b",)).acl("x").splitlines() == [
        "user x",
        "topic read a/b",
        "pattern read csms/replies/%c",
    ]
    assert all(
        "csms/replies/#" not in line for lines in blocks().values() for line in lines if "read" in line
    )
    assert set(GRANTS) == set(blocks())


def test_only_the_certificate_authority_publishes_the_revocation_list() -> None:
    # A forged CRL could lock every station out (or let a revoked one back in): only the shadow's CA writes it.
    assert writers("csms/ca/crl") == {"shadow"}
    readers = {user for user, lines in blocks().items() if "topic read csms/ca/crl" in lines}
    assert readers == {"gateway"}
