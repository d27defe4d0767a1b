"""Billing settings of the shadow service (part of :class:`csms_shadow.config.ShadowSettings`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from csms_common.billing.cdr import PartyId
from csms_common.config import ConfigError, Environment


@dataclass(frozen=True)
class BillingSettings:
    cost_update_seconds: int
    """How often a running 2.x session with a tariff gets a CostUpdated (0: never)."""
    max_evse_power_w: Decimal
    """A reading that needs more power than this since the one before is implausible (skipped, flagged)."""
    samples_per_session: int
    """Meter-value messages stored per session; beyond it the log is thinned evenly (noted)."""
    sessions_per_station: int
    """Sessions kept per station; the oldest go first."""
    max_tariffs: int
    recompute_seconds: int
    """A running session is recomputed at most this often (its samples are always stored); an
    ended one at once. Recomputing 200 samples costs ~35 ms of CPU (docs/billing.md)."""
    party: PartyId
    """The operator's OCPI country code and party id, on every CDR."""

    @classmethod
    def from_environment(cls, env: Environment) -> BillingSettings:
        country = env.text("BILLING_COUNTRY_CODE", "XX", about="the operator's OCPI country code on CDRs")
        party_id = env.text("BILLING_PARTY_ID", "CSM", about="the operator's OCPI party id on CDRs")
        if len(country) != 2 or len(party_id) != 3:
            raise ConfigError("BILLING_COUNTRY_CODE has 2 characters, BILLING_PARTY_ID 3 (OCPI)")
        return cls(
            cost_update_seconds=env.integer(
                "BILLING_COST_UPDATE_INTERVAL",
                300,
                minimum=0,
                about="seconds between CostUpdated calls to a 2.x station in a priced session (0 = none)",
            ),
            max_evse_power_w=Decimal(
                env.integer(
                    "BILLING_MAX_EVSE_POWER_W",
                    350000,
                    minimum=1,
                    about="a meter step needing more power is skipped",
                )
            ),
            samples_per_session=env.integer(
                "BILLING_SAMPLES_PER_SESSION",
                200,
                minimum=3,
                about="meter-value messages kept per session, thinned beyond",
            ),
            sessions_per_station=env.integer(
                "BILLING_SESSIONS_PER_STATION",
                1000,
                minimum=1,
                about="billing sessions kept per station, oldest dropped",
            ),
            max_tariffs=env.integer(
                "BILLING_MAX_TARIFFS", 500, minimum=1, about="tariffs that can be stored"
            ),
            recompute_seconds=env.integer(
                "BILLING_RECOMPUTE_INTERVAL",
                30,
                minimum=0,
                about="seconds between recomputations of a running session",
            ),
            party=PartyId(country.upper(), party_id.upper()),
        )
