"""Smart charging: sites and their limits, charging profiles set through the API, and the
allocator that shares each site's limit among its transactions."""
