"""Webhook parts shared by remote-api and the notifier: signatures and the SSRF guard."""
