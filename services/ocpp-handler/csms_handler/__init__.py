"""The ocpp-handler: stateless OCPP logic for station-initiated calls, fed by a shared subscription."""
