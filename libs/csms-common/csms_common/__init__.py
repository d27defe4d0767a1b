"""Shared library of the CSMS services: topic contract, MQTT envelope, config, logging, metrics, OCPP helpers.

It is a library, not a deployable: the four services import it and talk to each
other only over the MQTT topics defined in :mod:`csms_common.topics`.
"""
