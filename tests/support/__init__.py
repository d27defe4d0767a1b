"""Helpers for tests that run the real services against a real broker and Redis."""
