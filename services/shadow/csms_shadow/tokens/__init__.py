"""Id tokens: which tokens may charge (the Redis store) and what one token record may hold."""
