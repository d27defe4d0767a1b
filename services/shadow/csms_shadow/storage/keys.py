"""Every Redis key the shadow service writes, in one place (docs/redis-keys.md lists them with their
types and bounds).

All keys are under one prefix (``REDIS_KEY_PREFIX``, ``csms:``) so the data can share a database.
The resource packages name keys only through :class:`Keys`; none spells a key itself.
"""

from __future__ import annotations


class Keys:
    """Redis key names, all under one prefix, grouped by the package that owns them."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        # documents (stations, shadows, presence, desired state)
        self.station_index = f"{prefix}stations"
        self.reconcile_pending = f"{prefix}reconcile-pending"
        self.label_index_built = f"{prefix}label-index-built"
        # tokens
        self.id_token_index = f"{prefix}tokens"
        # transactions
        self.transaction_counter = f"{prefix}transaction-id"
        # events
        self.events = f"{prefix}events"
        self.audit = f"{prefix}audit"
        self.webhook_index = f"{prefix}webhooks"
        # billing
        self.tariff_index = f"{prefix}tariffs"
        self.tariff_assignments = f"{prefix}tariff-assignments"
        self.session_index = f"{prefix}sessions"
        self.sessions_running = f"{prefix}sessions-running"
        # certificates
        self.certificates_revoked = f"{prefix}certificates-revoked"
        self.certificates_expiry = f"{prefix}certificates-expiry"
        # charging
        self.site_index = f"{prefix}sites"
        self.site_membership = f"{prefix}site-membership"
        self.charging_enforced = f"{prefix}charging-enforced"
        # fleet
        self.local_list_stations = f"{prefix}local-list-stations"
        self.campaigns_active = f"{prefix}campaigns-active"
        self.fleet_batch_index = f"{prefix}fleet-batches"

    # documents

    def station(self, station_id: str) -> str:
        return f"{self._prefix}station:{station_id}"

    def shadow(self, station_id: str) -> str:
        return f"{self._prefix}shadow:{station_id}"

    def presence(self, station_id: str) -> str:
        return f"{self._prefix}presence:{station_id}"

    def client_token(self, station_id: str, token: str) -> str:
        return f"{self._prefix}applied:{station_id}:{token}"

    def label(self, key: str, value: str) -> str:
        """Set of the stations labelled ``key=value`` (neither may hold '=': csms_common.labels)."""
        return f"{self._prefix}label:{key}={value}"

    def reconcile(self, station_id: str) -> str:
        """The reconciler's marker: the call it has outstanding at a station."""
        return f"{self._prefix}reconcile:{station_id}"

    # tokens

    def id_token(self, value: str) -> str:
        return f"{self._prefix}token:{value}"

    # transactions and commands

    def allocation(self, station_id: str, key: str) -> str:
        return f"{self._prefix}allocated:{station_id}:{key}"

    def command(self, message_id: str) -> str:
        return f"{self._prefix}command:{message_id}"

    def transactions(self, station_id: str) -> str:
        return f"{self._prefix}transactions:{station_id}"

    def transaction_order(self, station_id: str) -> str:
        """Sorted set of a station's transaction ids by creation: which record is evicted first."""
        return f"{self._prefix}transaction-order:{station_id}"

    def open_transactions(self, station_id: str) -> str:
        """Set of a station's transaction ids whose record is not Ended."""
        return f"{self._prefix}open-transactions:{station_id}"

    def remote_start(self, station_id: str, link: str) -> str:
        return f"{self._prefix}remote-start:{station_id}:{link}"

    # events

    def event_source(self, digest: str) -> str:
        """Marks a message whose events were appended (de-duplication of redelivered messages)."""
        return f"{self._prefix}event-source:{digest}"

    def webhook(self, webhook_id: str) -> str:
        return f"{self._prefix}webhook:{webhook_id}"

    def webhook_cursor(self, webhook_id: str) -> str:
        return f"{self._prefix}webhook-cursor:{webhook_id}"

    def webhook_log(self, webhook_id: str) -> str:
        return f"{self._prefix}webhook-log:{webhook_id}"

    def webhook_dead(self, webhook_id: str) -> str:
        return f"{self._prefix}webhook-dead:{webhook_id}"

    def webhook_redeliver(self, webhook_id: str) -> str:
        return f"{self._prefix}webhook-redeliver:{webhook_id}"

    # billing

    def tariff(self, tariff_id: str) -> str:
        return f"{self._prefix}tariff:{tariff_id}"

    def session(self, session_id: str) -> str:
        return f"{self._prefix}session:{session_id}"

    def session_samples(self, session_id: str) -> str:
        return f"{self._prefix}session-samples:{session_id}"

    def session_sample_digests(self, session_id: str) -> str:
        return f"{self._prefix}session-sample-digests:{session_id}"

    def session_samples_thinned(self, session_id: str) -> str:
        return f"{self._prefix}session-samples-thinned:{session_id}"

    def session_running_count(self, session_id: str) -> str:
        return f"{self._prefix}session-running:{session_id}"

    def station_sessions(self, station_id: str) -> str:
        return f"{self._prefix}sessions:{station_id}"

    def token_sessions(self, token: str) -> str:
        return f"{self._prefix}sessions-token:{token}"

    # certificates

    def certificates(self, station_id: str) -> str:
        return f"{self._prefix}certificates:{station_id}"

    def certificates_installed(self, station_id: str) -> str:
        return f"{self._prefix}certificates-installed:{station_id}"

    def csr_count(self, station_id: str) -> str:
        return f"{self._prefix}csr-count:{station_id}"

    def ocsp_cache(self, digest: str) -> str:
        return f"{self._prefix}ocsp-cache:{digest}"

    # charging

    def site(self, site_id: str) -> str:
        return f"{self._prefix}site:{site_id}"

    def site_stations(self, site_id: str) -> str:
        return f"{self._prefix}site-stations:{site_id}"

    def charging_profiles(self, station_id: str) -> str:
        return f"{self._prefix}charging-profiles:{station_id}"

    # fleet

    def local_list(self, station_id: str) -> str:
        return f"{self._prefix}local-list:{station_id}"

    def campaign(self, campaign_id: str) -> str:
        return f"{self._prefix}campaign:{campaign_id}"

    def campaign_stations(self, campaign_id: str) -> str:
        return f"{self._prefix}campaign-stations:{campaign_id}"

    def campaign_lock(self, campaign_id: str) -> str:
        return f"{self._prefix}campaign-lock:{campaign_id}"

    def fleet_batch(self, batch_id: str) -> str:
        return f"{self._prefix}fleet-batch:{batch_id}"

    def webhook_all(self, webhook_id: str) -> list[str]:
        """Every key of one webhook (deleted together)."""
        return [
            self.webhook(webhook_id),
            self.webhook_cursor(webhook_id),
            self.webhook_log(webhook_id),
            self.webhook_dead(webhook_id),
            self.webhook_redeliver(webhook_id),
        ]
