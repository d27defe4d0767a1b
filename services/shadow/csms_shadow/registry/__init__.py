"""Answers to the registry requests remote-api, the gateway and the handler send: stations,
id-token lookups, commands and transactions (registry.py)."""
