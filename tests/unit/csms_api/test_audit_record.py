"""The audit record of a state-changing request (pure)."""

from __future__ import annotations

from typing import Any

from csms_api.audit import audit_record, is_audited


def test_state_changing_methods_are_audited() -> None:
    assert is_audited("POST", public=False)
    assert is_audited("DELETE", public=False)
    assert not is_audited("GET", public=False)
    assert not is_audited("POST", public=True)


def test_record_names_who_what_and_result_but_never_the_body() -> None:
    record = audit_record(
        time="t",
        method="PUT",
        route="/charge-points/<station_id>/password",
        path="/charge-points/CP1/password",
        view_args={"station_id": "CP1"},
        body={"password": "secret-password-123", "chargePointId": "CP1"},
        token="ops",
        scope="admin",
        status=200,
    )
    assert record == {
        "time": "t",
        "token": "ops",
        "scope": "admin",
        "method": "PUT",
        "route": "/charge-points/<station_id>/password",
        "path": "/charge-points/CP1/password",
        "target": {"station_id": "CP1", "chargePointId": "CP1"},
        "status": 200,
        "result": "ok",
    }
    assert "secret-password-123" not in str(record)


def test_results() -> None:
    common: dict[str, Any] = {
        "time": "t",
        "method": "POST",
        "route": "r",
        "path": "p",
        "view_args": {},
        "body": None,
        "token": None,
        "scope": None,
    }
    assert audit_record(status=403, **common)["result"] == "refused"
    assert audit_record(status=404, **common)["result"] == "error"
