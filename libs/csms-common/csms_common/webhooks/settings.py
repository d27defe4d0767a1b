"""WEBHOOK_ALLOWED_NETWORKS, read the same way by the two services that check webhook URLs: the remote-api
when a webhook is created, the notifier before every delivery (csms_common.webhooks.ssrf)."""

from __future__ import annotations

from csms_common.config import ConfigError, Environment
from csms_common.webhooks.ssrf import IpNetwork, parse_networks


def read_allowed_networks(env: Environment) -> tuple[IpNetwork, ...]:
    """The networks webhooks may reach although not public; ConfigError names a bad entry."""
    try:
        return parse_networks(
            env.text(
                "WEBHOOK_ALLOWED_NETWORKS",
                "",
                about="comma-separated CIDRs webhooks may reach although not public",
            )
        )
    except ValueError as error:
        raise ConfigError(f"WEBHOOK_ALLOWED_NETWORKS: {error}") from error
