"""Repeated authentication failures are refused without asking the registry (fake clock)."""

from __future__ import annotations

from csms_gateway.auth_guard import AuthGuard, AuthVerdict, CredentialKey
from csms_gateway.budgets import Rate


def guard(negative_seconds: float = 30) -> AuthGuard:
    return AuthGuard(
        negative_seconds=negative_seconds,
        station_failures=Rate(0.1, 5),
        address_failures=Rate(0.5, 20),
        capacity=1000,
    )


def key(station: str, secret: str) -> CredentialKey:
    return (station, secret, False, "")


def fail(auth: AuthGuard, credentials: CredentialKey, address: str, now: float) -> None:
    auth.asking(credentials, address, now)
    auth.failed(credentials, address, now)


def test_a_crowd_of_guesses_at_once_gets_only_the_budget_of_registry_checks() -> None:
    auth = guard()
    asked = 0
    for attempt in range(80):
        credentials = key("CP1", f"guess-{attempt}")
        if auth.verdict(credentials, f"10.0.0.{attempt}", 0.0) is AuthVerdict.ASK:
            auth.asking(credentials, f"10.0.0.{attempt}", 0.0)  # no answer yet
            asked += 1
    assert asked == 5


def test_an_accepted_login_gives_its_charge_back() -> None:
    auth = guard()
    for _ in range(10):  # more than the burst of 5
        credentials = key("CP1", "right")
        assert auth.verdict(credentials, "10.0.0.1", 0.0) is not AuthVerdict.REFUSE
        auth.asking(credentials, "10.0.0.1", 0.0)
        auth.refund(credentials, "10.0.0.1", 0.0)
    assert auth.verdict(key("CP1", "other"), "10.0.0.1", 0.0) is AuthVerdict.ASK


def test_the_same_wrong_password_is_refused_without_asking_until_it_expires() -> None:
    auth = guard()
    assert auth.verdict(key("CP1", "wrong"), "10.0.0.1", 0.0) is AuthVerdict.ASK
    fail(auth, key("CP1", "wrong"), "10.0.0.1", 0.0)
    assert auth.verdict(key("CP1", "wrong"), "10.0.0.9", 1.0) is AuthVerdict.REFUSE
    assert auth.verdict(key("CP1", "wrong"), "10.0.0.9", 31.0) is AuthVerdict.ASK


def test_a_station_id_over_its_failure_budget_refuses_unknown_credentials() -> None:
    auth = guard()
    for attempt in range(5):
        assert auth.verdict(key("CP1", f"guess-{attempt}"), f"10.0.0.{attempt}", 0.0) is AuthVerdict.ASK
        fail(auth, key("CP1", f"guess-{attempt}"), f"10.0.0.{attempt}", 0.0)
    assert auth.verdict(key("CP1", "guess-new"), "10.9.9.9", 0.0) is AuthVerdict.REFUSE
    # Another station is not affected; the id gets one more try after 10 s (0.1 per second).
    assert auth.verdict(key("CP2", "anything"), "10.9.9.9", 0.0) is AuthVerdict.ASK
    assert auth.verdict(key("CP1", "guess-new"), "10.9.9.9", 10.0) is AuthVerdict.ASK


def test_an_address_over_its_failure_budget_is_refused_for_every_station() -> None:
    auth = guard()
    for index in range(20):
        fail(auth, key(f"CP{index}", "wrong"), "10.0.0.66", 0.0)
    assert auth.verdict(key("CP-other", "whatever"), "10.0.0.66", 0.0) is AuthVerdict.REFUSE
    assert auth.verdict(key("CP-other", "whatever"), "10.0.0.67", 0.0) is AuthVerdict.ASK


def test_credentials_that_last_succeeded_pass_a_locked_station_and_address() -> None:
    auth = guard()
    auth.succeeded(key("CP1", "right"))
    for attempt in range(50):
        fail(auth, key("CP1", f"guess-{attempt}"), "10.0.0.66", 0.0)
    assert auth.verdict(key("CP1", "guess-new"), "10.0.0.66", 0.0) is AuthVerdict.REFUSE
    assert auth.verdict(key("CP1", "right"), "10.0.0.66", 0.0) is AuthVerdict.KNOWN_GOOD


def test_forgetting_a_station_clears_its_memory() -> None:
    auth = guard()
    auth.succeeded(key("CP1", "old"))
    for attempt in range(6):
        fail(auth, key("CP1", f"new-{attempt}"), "10.0.0.1", 0.0)
    auth.forget("CP1")
    # The password changed: the one that failed may now be right, the old one must be asked again.
    assert auth.verdict(key("CP1", "new-0"), "10.0.0.2", 0.0) is AuthVerdict.ASK
    assert auth.verdict(key("CP1", "old"), "10.0.0.2", 0.0) is AuthVerdict.ASK


def test_a_failure_of_known_good_credentials_unmarks_them() -> None:
    auth = guard()
    auth.succeeded(key("CP1", "right"))
    fail(auth, key("CP1", "right"), "10.0.0.1", 0.0)
    assert auth.verdict(key("CP1", "right"), "10.0.0.1", 1.0) is AuthVerdict.REFUSE


def test_the_memory_is_bounded() -> None:
    auth = AuthGuard(
        negative_seconds=30, station_failures=Rate(0.1, 5), address_failures=Rate(0.5, 20), capacity=100
    )
    for index in range(10_000):
        fail(auth, key(f"CP{index}", "wrong"), f"10.{index // 65536}.{index // 256 % 256}.{index % 256}", 0.0)
        auth.succeeded(key(f"OK{index}", "right"))
    assert all(size <= 100 for size in auth.sizes().values()), auth.sizes()


def test_no_negative_cache_when_disabled() -> None:
    auth = guard(negative_seconds=0)
    fail(auth, key("CP1", "wrong"), "10.0.0.1", 0.0)
    assert auth.verdict(key("CP1", "wrong"), "10.0.0.1", 0.0) is AuthVerdict.ASK
