"""Smart charging core (pure): site tree and limits, allocation per phase, enforcement plan, profiles."""
