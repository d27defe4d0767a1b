"""The ``csms`` command line, on the Python SDK."""
