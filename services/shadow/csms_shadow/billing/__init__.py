"""Billing: tariffs and their assignments, per-transaction sessions priced from meter samples,
and the CostUpdated timer."""
