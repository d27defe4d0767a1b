# Benchmark targets, included by the root Makefile (`include bench/bench.mk`). See bench/README.md.
# Uses the root Makefile's venv/deps targets and $(BIN).

BENCH_SCALE ?= full
CAPACITY_STATIONS ?= 5000
GATEWAY_PROCESSES ?= 0
STORM_STATIONS ?= 20000
STORM_GATEWAYS ?= 4
BENCH_ARGS ?=

FLEET_STATIONS ?= 1000

.PHONY: bench bench-capacity bench-storm bench-profile bench-test bench-mqtt bench-handler bench-fleet bench-mix

MIX_ARGS ?= --profile

bench: venv deps  ## baseline vs the full system: throughput, latency, remote start (BENCH_SCALE=short: ~1 min)
	BENCH_SCALE=$(BENCH_SCALE) $(BIN)/python -m bench.run $(BENCH_ARGS)

bench-capacity: venv deps  ## hold CAPACITY_STATIONS (5000; 65536 documented) idle stations on GATEWAY_PROCESSES gateway processes sharing one port (0: one per 16,384)
	$(BIN)/python -m bench.pod --stations $(CAPACITY_STATIONS) --gateways $(GATEWAY_PROCESSES) $(BENCH_ARGS)

bench-storm: venv deps  ## STORM_STATIONS (20000) on STORM_GATEWAYS (4) gateway processes; SIGKILL one; seconds until all are back
	$(BIN)/python -m bench.pod --storm --stations $(STORM_STATIONS) --gateways $(STORM_GATEWAYS) $(BENCH_ARGS)

bench-profile: venv deps  ## make bench's scenarios plus py-spy profiles of gateway, handler and shadow
	@test -x $(BIN)/py-spy || $(BIN)/pip install --quiet -c constraints.txt py-spy
	BENCH_SCALE=$(BENCH_SCALE) $(BIN)/python -m bench.run --profile $(BENCH_ARGS)

bench-test: venv  ## the load generator's unit tests (frames against the official schemas, statistics)
	$(BIN)/pytest bench -q

bench-mqtt: venv deps  ## the MQTT client choice: paho on the event loop vs the shipped gmqtt-based client
	$(BIN)/python -m bench.mqtt_clients

bench-handler: venv  ## handler CPU per call without I/O (Heartbeat handler alone, frames through the processor)
	$(BIN)/python -m bench.handler_cpu

bench-fleet: venv deps  ## desired configuration to FLEET_STATIONS (1000) connected 2.0.1 stations: seconds until all in sync
	$(BIN)/python -m bench.fleet_sync --stations $(FLEET_STATIONS)

bench-mix: venv deps  ## realistic mix vs both baselines (plain, + Redis writes), as make run ships; 3 repeats, profiles (~11 min)
	@test -x $(BIN)/py-spy || $(BIN)/pip install --quiet -c constraints.txt py-spy
	$(BIN)/python -m bench.mix $(MIX_ARGS)
