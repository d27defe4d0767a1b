"""Station passwords (security profiles 1 and 2): scrypt hashes and the bounded thread pool
that checks them off the event loop."""
