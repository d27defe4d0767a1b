"""OCPP-J framing, error codes, schema validation and message builders (sans I/O)."""
