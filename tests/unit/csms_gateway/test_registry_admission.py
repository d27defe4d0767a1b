"""The bound on registry checks at the handshake: in flight, queued, refused at once (sans I/O)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar, cast

import pytest

from csms_common.config import Environment
from csms_gateway.config import GatewaySettings
from csms_gateway.gatekeeper import Gatekeeper
from csms_gateway.registration import Credentials, Registration, RegistrationAnswer, RegistrationChecker
from csms_gateway.registry_admission import Admission, RegistryAdmission

_T = TypeVar("_T")


def test_runs_up_to_the_bound_then_queues_then_refuses() -> None:
    admission = RegistryAdmission(max_in_flight=2, max_waiting=3)
    verdicts = [admission.arrive() for _ in range(7)]
    assert verdicts == [Admission.RUN] * 2 + [Admission.WAIT] * 3 + [Admission.REFUSE] * 2
    assert (admission.in_flight, admission.waiting) == (2, 3)


def test_a_finished_check_hands_its_slot_to_a_waiter() -> None:
    admission = RegistryAdmission(max_in_flight=1, max_waiting=1)
    assert admission.arrive() is Admission.RUN
    assert admission.arrive() is Admission.WAIT
    assert admission.finished() is True
    admission.promoted()
    assert (admission.in_flight, admission.waiting) == (1, 0)
    assert admission.finished() is False
    assert (admission.in_flight, admission.waiting) == (0, 0)


def test_a_newcomer_never_overtakes_the_queue() -> None:
    admission = RegistryAdmission(max_in_flight=1, max_waiting=2)
    admission.arrive()
    admission.arrive()  # waits
    admission.finished()  # the slot is free, but promised to the waiter
    assert admission.arrive() is Admission.WAIT
    assert admission.waiting == 2


def test_giving_up_frees_a_place_in_the_queue() -> None:
    admission = RegistryAdmission(max_in_flight=1, max_waiting=1)
    admission.arrive()
    assert admission.arrive() is Admission.WAIT
    assert admission.arrive() is Admission.REFUSE
    admission.gave_up()
    assert admission.arrive() is Admission.WAIT


def test_no_queue_refuses_as_soon_as_the_slots_are_taken() -> None:
    admission = RegistryAdmission(max_in_flight=1, max_waiting=0)
    assert admission.arrive() is Admission.RUN
    assert admission.arrive() is Admission.REFUSE
    assert admission.finished() is False
    assert admission.arrive() is Admission.RUN


def test_counts_never_go_negative() -> None:
    admission = RegistryAdmission(max_in_flight=1, max_waiting=1)
    admission.finished()
    admission.gave_up()
    assert (admission.in_flight, admission.waiting) == (0, 0)


@pytest.mark.parametrize(("in_flight", "waiting"), [(0, 1), (1, -1)])
def test_bounds_are_checked(in_flight: int, waiting: int) -> None:
    with pytest.raises(ValueError, match="max_in_flight"):
        RegistryAdmission(in_flight, waiting)


# ------------------------------------------------------- the gatekeeper's queue (asyncio, no I/O)


class SlowRegistry:
    """Stands in for RegistrationChecker: every check waits until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.asked = 0

    async def check(self, station_id: str, credentials: Credentials) -> RegistrationAnswer:
        self.asked += 1
        await self.release.wait()
        return RegistrationAnswer(Registration.REGISTERED)

    def forget(self, station_id: str) -> None:
        pass


def gatekeeper(registry: SlowRegistry, **values: str) -> Gatekeeper:
    settings = GatewaySettings.from_environment(Environment(values))
    return Gatekeeper(settings, cast(RegistrationChecker, registry), capacity=1024)


def test_the_gatekeeper_runs_queues_and_refuses_at_once() -> None:
    async def scenario() -> list[Registration]:
        registry = SlowRegistry()
        keeper = gatekeeper(
            registry,
            GATEWAY_MAX_AUTH_IN_FLIGHT="2",
            GATEWAY_MAX_AUTH_WAITING="3",
            GATEWAY_REGISTRATION_TIMEOUT="5",
        )
        checks = [
            asyncio.ensure_future(keeper.authenticate(f"cp-{index}", "127.0.0.1", Credentials()))
            for index in range(7)
        ]
        await asyncio.sleep(0.01)
        # Two asked, three queued; the two beyond were answered without waiting for anything.
        assert registry.asked == 2
        assert [check.done() for check in checks] == [False] * 5 + [True] * 2
        registry.release.set()
        answers = await asyncio.gather(*checks)
        assert registry.asked == 5
        return [answer.registration for answer, _ in answers]

    assert asyncio.run(scenario()) == [Registration.REGISTERED] * 5 + [Registration.BUSY] * 2


def test_a_queued_handshake_gives_up_after_the_registration_timeout() -> None:
    async def scenario() -> tuple[Registration, Registration]:
        registry = SlowRegistry()
        keeper = gatekeeper(
            registry,
            GATEWAY_MAX_AUTH_IN_FLIGHT="1",
            GATEWAY_MAX_AUTH_WAITING="1",
            GATEWAY_REGISTRATION_TIMEOUT="0.1",
        )
        first = asyncio.ensure_future(keeper.authenticate("cp-1", "127.0.0.1", Credentials()))
        (queued, _), (after, _) = await asyncio.gather(
            keeper.authenticate("cp-2", "127.0.0.1", Credentials()),
            _later(keeper.authenticate("cp-3", "127.0.0.1", Credentials()), 0.2),
        )
        registry.release.set()
        await first
        return queued.registration, after.registration

    # The timed-out waiter left the queue, so the next handshake could queue again (and time out
    # too, the slot still being taken) instead of being refused at once as BUSY.
    assert asyncio.run(scenario()) == (Registration.UNAVAILABLE, Registration.UNAVAILABLE)


async def _later(awaitable: Coroutine[Any, Any, _T], delay: float) -> _T:
    await asyncio.sleep(delay)
    return await awaitable


def test_first_time_logins_without_a_password_are_not_charged_while_in_flight() -> None:
    """40 stations without a password (nothing to hash) connect at once from one address, behind a
    slow registry: all are asked, none refused by the address's failure budget (burst 20). With a
    password, the same crowd is charged in advance and the budget's worth gets through."""

    async def crowd(credentials: Credentials) -> list[str | None]:
        registry = SlowRegistry()
        keeper = gatekeeper(registry, GATEWAY_MAX_AUTH_IN_FLIGHT="64")
        checks = [
            asyncio.ensure_future(keeper.authenticate(f"cp-{index}", "10.0.0.1", credentials))
            for index in range(40)
        ]
        await asyncio.sleep(0.01)
        registry.release.set()
        return [refusal for _, refusal in await asyncio.gather(*checks)]

    assert asyncio.run(crowd(Credentials())) == [None] * 40
    with_password = asyncio.run(crowd(Credentials(password="secret")))
    assert with_password.count(None) == 20 and with_password.count("repeated") == 20
