"""Every Redis key the shadow service writes, in one place (docs/redis-keys.md lists them with their
types and bounds).

All keys are under one prefix (``REDIS_KEY_PREFIX``, ``csms:``) so the data can share a database.
The resource packages name keys only through :class:`Keys`; none spells a key itself.

For a Redis Cluster every key carries a hash tag: a station's own keys its id (``csms:shadow:{CP1}``),
so each transaction or script over them stays in one slot; cross-station data, and the per-station
keys that change together with it (billing sessions, certificates, local lists), the shared tag
(``csms:{csms}:tokens``): one slot, whose multi-key transactions keep working.
"""

from __future__ import annotations

import hashlib


class Keys:
    """Redis key names, all under one prefix, grouped by the package that owns them."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._shared = shared_prefix(prefix)
        shared = self._shared
        # documents (stations, shadows, presence, desired state)
        self.station_index = f"{shared}stations"
        self.reconcile_pending = f"{shared}reconcile-pending"
        self.label_index_built = f"{shared}label-index-built"
        # storage
        self.key_layout = f"{shared}key-layout"
        # tokens
        self.id_token_index = f"{shared}tokens"
        # transactions
        self.transaction_counter = f"{shared}transaction-id"
        # events
        self.events = f"{shared}events"
        self.audit = f"{shared}audit"
        self.webhook_index = f"{shared}webhooks"
        # billing
        self.tariff_index = f"{shared}tariffs"
        self.tariff_assignments = f"{shared}tariff-assignments"
        self.session_index = f"{shared}sessions"
        self.sessions_running = f"{shared}sessions-running"
        # certificates
        self.certificates_revoked = f"{shared}certificates-revoked"
        self.certificates_expiry = f"{shared}certificates-expiry"
        # charging
        self.site_index = f"{shared}sites"
        self.site_membership = f"{shared}site-membership"
        self.charging_enforced = f"{shared}charging-enforced"
        # fleet
        self.local_list_stations = f"{shared}local-list-stations"
        self.campaigns_active = f"{shared}campaigns-active"
        self.fleet_batch_index = f"{shared}fleet-batches"

    # documents

    def station(self, station_id: str) -> str:
        return f"{self._prefix}station:{station_tag(station_id)}"

    def shadow(self, station_id: str) -> str:
        return f"{self._prefix}shadow:{station_tag(station_id)}"

    def presence(self, station_id: str) -> str:
        return f"{self._prefix}presence:{station_tag(station_id)}"

    def client_token(self, station_id: str, token: str) -> str:
        return f"{self._prefix}applied:{station_tag(station_id)}:{token}"

    def label(self, key: str, value: str) -> str:
        """Set of the stations labelled ``key=value`` (neither may hold '=': csms_common.labels)."""
        return f"{self._shared}label:{key}={value}"

    def label_version(self, station_id: str) -> str:
        """The label index's marker for a station: the labels it indexed and their record version
        (shared slot, with the label sets it guards)."""
        return f"{self._shared}label-version:{station_id}"

    def reconcile(self, station_id: str) -> str:
        """The reconciler's marker: the call it has outstanding at a station."""
        return f"{self._prefix}reconcile:{station_tag(station_id)}"

    # tokens

    def id_token(self, value: str) -> str:
        return f"{self._shared}token:{value}"

    # transactions and commands

    def allocation(self, station_id: str, key: str) -> str:
        return f"{self._prefix}allocated:{station_tag(station_id)}:{key}"

    def command(self, message_id: str) -> str:
        return f"{self._shared}command:{message_id}"

    def transactions(self, station_id: str) -> str:
        return f"{self._prefix}transactions:{station_tag(station_id)}"

    def transaction_order(self, station_id: str) -> str:
        """Sorted set of a station's transaction ids by creation: which record is evicted first."""
        return f"{self._prefix}transaction-order:{station_tag(station_id)}"

    def open_transactions(self, station_id: str) -> str:
        """Set of a station's transaction ids whose record is not Ended."""
        return f"{self._prefix}open-transactions:{station_tag(station_id)}"

    def remote_start(self, station_id: str, link: str) -> str:
        return f"{self._shared}remote-start:{station_id}:{link}"  # written with its command record

    # events

    def event_source(self, digest: str) -> str:
        """Marks a message whose events were appended (de-duplication of redelivered messages)."""
        return f"{self._shared}event-source:{digest}"

    def webhook(self, webhook_id: str) -> str:
        return f"{self._shared}webhook:{webhook_id}"

    def webhook_cursor(self, webhook_id: str) -> str:
        return f"{self._shared}webhook-cursor:{webhook_id}"

    def webhook_log(self, webhook_id: str) -> str:
        return f"{self._shared}webhook-log:{webhook_id}"

    def webhook_dead(self, webhook_id: str) -> str:
        return f"{self._shared}webhook-dead:{webhook_id}"

    def webhook_redeliver(self, webhook_id: str) -> str:
        return f"{self._shared}webhook-redeliver:{webhook_id}"

    # billing

    def tariff(self, tariff_id: str) -> str:
        return f"{self._shared}tariff:{tariff_id}"

    def session(self, session_id: str) -> str:
        return f"{self._shared}session:{session_id}"

    def session_samples(self, session_id: str) -> str:
        return f"{self._shared}session-samples:{session_id}"

    def session_sample_digests(self, session_id: str) -> str:
        return f"{self._shared}session-sample-digests:{session_id}"

    def session_samples_thinned(self, session_id: str) -> str:
        return f"{self._shared}session-samples-thinned:{session_id}"

    def session_running_count(self, session_id: str) -> str:
        return f"{self._shared}session-running:{session_id}"

    def station_sessions(self, station_id: str) -> str:
        return f"{self._shared}sessions:{station_id}"

    def token_sessions(self, token: str) -> str:
        return f"{self._shared}sessions-token:{token}"

    # certificates

    def certificates(self, station_id: str) -> str:
        return f"{self._shared}certificates:{station_id}"

    def certificates_installed(self, station_id: str) -> str:
        return f"{self._shared}certificates-installed:{station_id}"

    def csr_count(self, station_id: str) -> str:
        return f"{self._shared}csr-count:{station_id}"

    def ocsp_cache(self, digest: str) -> str:
        return f"{self._shared}ocsp-cache:{digest}"

    # charging

    def site(self, site_id: str) -> str:
        return f"{self._shared}site:{site_id}"

    def site_stations(self, site_id: str) -> str:
        return f"{self._shared}site-stations:{site_id}"

    def charging_profiles(self, station_id: str) -> str:
        return f"{self._prefix}charging-profiles:{station_tag(station_id)}"

    # fleet

    def local_list(self, station_id: str) -> str:
        return f"{self._shared}local-list:{station_id}"

    def campaign(self, campaign_id: str) -> str:
        return f"{self._shared}campaign:{campaign_id}"

    def campaign_stations(self, campaign_id: str) -> str:
        return f"{self._shared}campaign-stations:{campaign_id}"

    def campaign_lock(self, campaign_id: str) -> str:
        return f"{self._shared}campaign-lock:{campaign_id}"

    def fleet_batch(self, batch_id: str) -> str:
        return f"{self._shared}fleet-batch:{batch_id}"

    def webhook_all(self, webhook_id: str) -> list[str]:
        """Every key of one webhook (deleted together)."""
        return [
            self.webhook(webhook_id),
            self.webhook_cursor(webhook_id),
            self.webhook_log(webhook_id),
            self.webhook_dead(webhook_id),
            self.webhook_redeliver(webhook_id),
        ]


def station_tag(station_id: str) -> str:
    """``{CP1}`` for station ``CP1``: every key holding it maps to one Redis Cluster slot, so the
    station's WATCH/MULTI pipelines and scripts over several of its keys run on one node.

    Redis hashes the text between the first ``{`` and the next ``}``. A station id may itself hold
    braces (OCPP allows them), which would cut the tag short or empty it (an empty tag hashes the
    whole key, scattering the station); such an id gets a tag made of its digest, followed by the
    id, so names stay distinct and the tag stays the same for all of the station's keys.
    """
    if "{" not in station_id and "}" not in station_id:
        return f"{{{station_id}}}"
    return f"{{#{hashlib.sha256(station_id.encode()).hexdigest()[:16]}}}{station_id}"


SHARED_TAG = "{csms}"
"""The hash tag of cross-station data (stations index, id tokens, transaction-id counter, command
records, events, audit, sites, tariffs, sessions, campaigns, webhooks, certificates, local lists):
one cluster slot, so their multi-key transactions and scripts keep working on a cluster."""


def shared_prefix(prefix: str) -> str:
    """The key prefix of cross-station data: ``csms:{csms}:``. A station-scoped key built on it
    (a station's certificates, local list, billing sessions) lives in that one slot too."""
    return f"{prefix}{SHARED_TAG}:"
