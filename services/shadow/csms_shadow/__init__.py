"""The shadow service: sole owner of Redis (station registry, reported state, presence)."""
