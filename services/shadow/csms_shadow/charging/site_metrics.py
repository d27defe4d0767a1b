"""Prometheus metrics of smart charging's sites (no per-site labels: the count of sites is the bound)."""

from __future__ import annotations

from prometheus_client import Gauge

SITES = Gauge("csms_sites", "Sites (nodes of the site/circuit tree) stored")
SITE_MEMBERS = Gauge("csms_site_member_stations", "Stations with the station or an EVSE in a site")
