"""Benchmark tooling: a load generator, a baseline CSMS on the ocpp library, and the runner behind
``make bench`` / ``make bench-capacity``. See bench/README.md."""
