"""100 stations x 24 h in accelerated time through the core: no site's phase ever over its limit."""

from __future__ import annotations

from bench.charging_sim import simulate


def test_depot_day_never_exceeds_a_limit() -> None:
    result = simulate(stations=100, keep_series=True)
    print(
        f"\nsite limit exceeded: {result.exceeded} of {result.samples} samples "
        f"({result.sessions} sessions, {result.delivered_kwh:.0f} kWh, {result.profiles_sent} profiles, "
        f"worst allocate {max(result.allocate_seconds) * 1000:.1f} ms)"
    )
    assert result.samples == 3 * 24 * 3600 // 30
    assert result.exceeded == 0, f"worst excess {result.worst_excess_amps:.2f} A"
    # Not safe by starving: in the evening peak EVs wait, and the depot's 150 A are nearly all in use.
    peak = [s for s in result.series if 17 * 3600 <= s.at < 21 * 3600]
    assert max(s.paused for s in peak) > 0
    assert max(s.drawn["depot"] for s in peak) >= 0.9 * 150


def test_without_hysteresis_more_profiles_are_sent() -> None:
    assert simulate(hysteresis=0.0).profiles_sent > simulate(hysteresis=2.0).profiles_sent
