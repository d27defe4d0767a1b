#!/usr/bin/env bash
# Install the Mosquitto and Redis server binaries, and Node.js with npm, when they are missing.
# `make run` starts them as local processes if nothing listens on 1883/6379,
# and the tests start private ones on free ports, so both need the binaries.
# Mosquitto also loads a small plugin that binds client ids to users
# (scripts/mosquitto_clientid_binding.c), compiled on first use: it needs a C
# compiler and the Mosquitto and OpenSSL headers.
# Node.js (18 or newer) builds and tests the JavaScript SDK in sdk/js (tests/sdk/test_js_sdk.py).
set -euo pipefail

missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
# redis-cli builds the local Redis Cluster of the cluster tests (tests/support/redis_topologies.py).
command -v redis-cli >/dev/null 2>&1 || [ -x /usr/bin/redis-cli ] || missing+=(redis-tools)
# ip makes the network namespaces of the partition tests (tests/support/netns.py).
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ -e /usr/include/mosquitto_broker.h ] || missing+=(mosquitto-dev)
# The plugin includes mosquitto.h as well, which Debian ships in libmosquitto-dev.
[ -e /usr/include/mosquitto.h ] || missing+=(libmosquitto-dev)
[ -e /usr/include/openssl/x509.h ] || missing+=(libssl-dev)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    echo "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps the packages from starting system-wide services on 1883/6379.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.csms
    chmod +x /usr/sbin/policy-rc.d.csms
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        cp /usr/sbin/policy-rc.d.csms /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    rm -f /usr/sbin/policy-rc.d.csms
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
elif command -v apt-get >/dev/null 2>&1; then
    echo "missing ${missing[*]}: run 'sudo apt-get install ${missing[*]}'" >&2
    exit 1
else
    echo "missing ${missing[*]}: install Mosquitto (with its plugin headers), Redis, a C compiler," \
         "OpenSSL's headers and Node.js with your package manager" \
         "(macOS: brew install mosquitto redis openssl node)" >&2
    exit 1
fi
