"""The event log and the audit log (Redis Streams), what each recorded change means as events,
and webhooks (settings, cursor, deliveries, dead letters) for the notifier."""
