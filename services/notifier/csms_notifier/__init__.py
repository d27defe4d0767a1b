"""The notifier: delivers events to webhooks, signed, in order, at least once."""
