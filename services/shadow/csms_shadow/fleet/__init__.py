"""Desired state for many stations: the reconciler and its pure plans (configuration, availability,
firmware, local authorization list), firmware campaigns, fleet requests and command batches."""
