"""Billing core: meter samples to energy, OCPI tariffs, cost breakdowns and CDRs. Pure: no I/O.

See ``docs/billing.md`` for the rules (energy corrections, tariff matching, step sizes, rounding).
"""
