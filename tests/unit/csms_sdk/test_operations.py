"""What each answer means, without a network: error classes per operation, Retry-After, pages."""

from __future__ import annotations

import pytest

from csms_sdk import operations as ops
from csms_sdk.errors import (
    AlreadyRegistered,
    ApiError,
    CommandTimeout,
    Conflict,
    NotConnected,
    NotFound,
    NotRegistered,
    RateLimited,
    StationError,
)
from csms_sdk.operations import UnexpectedResponse
from csms_sdk.retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize(
    ("operation", "status", "error_class"),
    [
        (ops.get_station("CP1"), 404, NotRegistered),
        (ops.send_command("CP1", "Reset", {}, None), 404, NotRegistered),
        (ops.get_id_token("t"), 404, NotFound),
        (ops.get_command("m"), 404, NotFound),
        (ops.register_station("CP1"), 409, AlreadyRegistered),
        (ops.send_command("CP1", "Reset", {}, 5), 409, NotConnected),
        (ops.start_transaction("/remote-start-transaction", "CP1", None, 1, None, None), 409, NotConnected),
        (ops.list_stations(), 409, Conflict),
        (ops.send_command("CP1", "Reset", {}, 5), 502, StationError),
        (ops.send_command("CP1", "Reset", {}, 5), 504, CommandTimeout),
        (ops.list_stations(), 418, UnexpectedResponse),
    ],
)
def test_error_class_per_operation(
    operation: ops.Operation, status: int, error_class: type[ApiError]
) -> None:
    with pytest.raises(error_class) as raised:
        ops.decode(operation, status, {}, b'{"error": "no", "messageId": "m1"}', "http://x/")
    assert type(raised.value) is error_class
    assert raised.value.status == status and raised.value.message == "no"


def test_rate_limited_reads_retry_after() -> None:
    with pytest.raises(RateLimited) as raised:
        ops.decode(
            ops.send_command("CP1", "Reset", {}, None), 429, {"retry-after": "3"}, b'{"error": "x"}', "u"
        )
    assert raised.value.retry_after == 3.0


def test_command_failure_carries_message_id_and_state() -> None:
    body = b'{"error": "Station answered with NotSupported: x", "state": "error", "messageId": "m1", "errorCode": "NotSupported"}'
    with pytest.raises(StationError) as raised:
        ops.decode(ops.send_command("CP1", "ClearCache", {}, 5), 502, {}, body, "u")
    assert (raised.value.message_id, raised.value.state, raised.value.error_code) == (
        "m1",
        "error",
        "NotSupported",
    )


def test_answer_that_is_not_json() -> None:
    with pytest.raises(UnexpectedResponse):
        ops.decode(ops.list_stations(), 200, {}, b"<html>", "u")


def test_paths_are_quoted_and_wait_is_checked() -> None:
    assert ops.get_station("CP 1").url == "/charge-points/CP%201"
    assert ops.send_command("CP1", "Reset", None, 10).params == {"wait": "10"}
    assert ops.send_command("CP1", "Reset", None, 10).timeout(30) == 30
    assert ops.send_command("CP1", "Reset", None, 60).timeout(30) == 70
    for wait in (0, -1, 60.5):
        with pytest.raises(ValueError):
            ops.wait_params(wait)
    assert ops.page_params("5", {"type": "Boot", "chargePointId": None}) == {"type": "Boot", "after": "5"}


def test_page_of() -> None:
    assert ops.page_of({"chargePoints": [1, 2]}, "chargePoints") == ops.Page([1, 2], None)
    assert ops.page_of({"events": [1], "next": 7}, "events") == ops.Page([1], "7")
    with pytest.raises(ValueError):
        ops.page_of({"other": []}, "chargePoints")


def test_retry_policy_honours_retry_after_and_backs_off() -> None:
    policy = RetryPolicy(attempts=4, backoff=0.5, max_delay=10)
    assert policy.delay(1, None) == 0.5
    assert policy.delay(2, None) == 1.0
    assert policy.delay(1, 2.0) == 2.0  # Retry-After wins when longer than the backoff
    assert policy.delay(3, 0.1) == 2.0  # the backoff wins when longer
    assert policy.delay(2, 60) == 10  # capped
    assert policy.delay(4, 1) is None  # every attempt used
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


def test_parse_retry_after() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now=1767225600.0) == 10.0


def test_id_token_operations_carry_group_evses_and_imports() -> None:
    put = ops.put_id_token("T 1", "Accepted", None, "FLEET", (1, 3))
    imported = ops.import_id_tokens([{"idToken": "A", "status": "Accepted"}])

    assert (put.method, put.url, put.body) == (
        "PUT",
        "/id-tokens/T%201",
        {"status": "Accepted", "groupIdToken": "FLEET", "evseIds": [1, 3]},
    )
    assert (imported.method, imported.url, imported.body) == (
        "PUT",
        "/id-tokens",
        [{"idToken": "A", "status": "Accepted"}],
    )
