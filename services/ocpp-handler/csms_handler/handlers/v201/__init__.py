"""Handlers of OCPP 2.0.1 (and 2.0, which shares its messages) station-initiated calls."""
