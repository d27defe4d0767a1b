"""Redis side of the certificate authority: issued certificates per station, revocations, CSR counts.

Keys (under the service's prefix): ``certificates:{cp}`` (hash: serial → JSON record, at most
``per_station`` of them, the oldest dropped first); ``certificates-revoked`` (hash: serial → JSON
``{chargePointId, revokedAt, notAfter}``: what the CRL and OCSP answers name; an entry goes when
its certificate has expired); ``csr-count:{cp}`` (counter that expires with its window).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from redis.asyncio import Redis

from csms_common import fast_json
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys


@dataclass(frozen=True)
class Revocation:
    serial: int
    revoked_at: datetime.datetime
    station_id: str


class CertificateStore:
    def __init__(self, redis: Redis, prefix: str, per_station: int) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._per_station = per_station
        self._revoked = self._keys.certificates_revoked
        self._expiry = self._keys.certificates_expiry

    def _station_key(self, station_id: str) -> str:
        return self._keys.certificates(station_id)

    async def count_request(self, station_id: str, window_seconds: int) -> int:
        """Count one signing request of ``station_id``; how many it made in the current window."""
        key = self._keys.csr_count(station_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def add(self, station_id: str, record: JsonObject) -> None:
        """Record an issued certificate (and when it expires, for renewal); beyond ``per_station``
        records the oldest is dropped."""
        key = self._station_key(station_id)
        serial = str(record["serialNumber"])
        expires = _parse(record.get("notAfter"))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, serial, fast_json.dumps(record))
            if expires is not None:
                pipe.zadd(self._expiry, {f"{station_id}|{serial}": expires.timestamp()})
            await pipe.execute()
        records = await self.records(station_id)
        for stale in records[: max(0, len(records) - self._per_station)]:
            await self._redis.hdel(key, str(stale["serialNumber"]))
            await self._redis.zrem(self._expiry, f"{station_id}|{stale['serialNumber']}")

    async def expiring(self, before: datetime.datetime, limit: int) -> list[tuple[str, str]]:
        """(station id, serial) of certificates expiring before ``before``, soonest first."""
        members = await self._redis.zrangebyscore(
            self._expiry, "-inf", before.timestamp(), start=0, num=limit
        )
        pairs = []
        for member in members:
            text = member.decode() if isinstance(member, bytes) else str(member)
            station_id, _, serial = text.rpartition("|")
            pairs.append((station_id, serial))
        return pairs

    async def renewal_requested(self, station_id: str, serial: str, record: JsonObject | None) -> None:
        """The station was asked to renew: noted on the record, and not asked again for it."""
        await self._redis.zrem(self._expiry, f"{station_id}|{serial}")
        if record is not None:
            await self._redis.hset(self._station_key(station_id), serial, fast_json.dumps(record))

    async def records(self, station_id: str) -> list[JsonObject]:
        """The station's records, oldest first."""
        raw = await self._redis.hvals(self._station_key(station_id))
        records = [fast_json.loads(value) for value in raw]
        return sorted(records, key=lambda record: str(record.get("issuedAt", "")))

    async def forget(self, station_id: str) -> int:
        """Drop a deleted station's records and counters (its revocations stay on the CRL until they
        expire); how many records went."""
        key = self._station_key(station_id)
        serials = [
            value.decode() if isinstance(value, bytes) else str(value)
            for value in await self._redis.hkeys(key)
        ]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(
                key,
                self._keys.csr_count(station_id),
                self._keys.certificates_installed(station_id),
            )
            if serials:
                pipe.zrem(self._expiry, *(f"{station_id}|{serial}" for serial in serials))
            await pipe.execute()
        return len(serials)

    async def get(self, station_id: str, serial: str) -> JsonObject | None:
        raw = await self._redis.hget(self._station_key(station_id), serial)
        return fast_json.loads(raw) if raw is not None else None

    async def revoke(self, station_id: str, record: JsonObject, now: datetime.datetime) -> JsonObject:
        """Mark the record revoked and put its serial on the revocation list (idempotent)."""
        if record.get("status") == "revoked":
            return record
        revoked = {**record, "status": "revoked", "revokedAt": now.isoformat().replace("+00:00", "Z")}
        entry = {
            "chargePointId": station_id,
            "revokedAt": revoked["revokedAt"],
            "notAfter": record.get("notAfter"),
        }
        serial = str(record["serialNumber"])
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._station_key(station_id), serial, fast_json.dumps(revoked))
            pipe.hset(self._revoked, serial, fast_json.dumps(entry))
            await pipe.execute()
        return revoked

    async def revocations(self, now: datetime.datetime) -> list[Revocation]:
        """Revoked certificates that have not expired (expired ones are dropped: no CRL needs them)."""
        entries = await self._redis.hgetall(self._revoked)
        current: list[Revocation] = []
        for serial, raw in entries.items():
            entry = fast_json.loads(raw)
            not_after = _parse(entry.get("notAfter"))
            serial_text = serial.decode() if isinstance(serial, bytes) else str(serial)
            if not_after is not None and not_after < now:
                await self._redis.hdel(self._revoked, serial_text)
                continue
            revoked_at = _parse(entry.get("revokedAt")) or now
            current.append(Revocation(int(serial_text, 16), revoked_at, str(entry.get("chargePointId"))))
        return current


def _parse(value: object) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


MAX_INVENTORY_ENTRIES = 64


class InstalledCertificates:
    """``certificates-installed:{cp}``: the station's last GetInstalledCertificateIds answer (JSON),
    at most MAX_INVENTORY_ENTRIES entries."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._keys = Keys(prefix)

    def _key(self, station_id: str) -> str:
        return self._keys.certificates_installed(station_id)

    async def store(self, station_id: str, answer: JsonObject, now: datetime.datetime) -> JsonObject:
        chain = answer.get("certificateHashDataChain") or answer.get("certificateHashData") or []
        entries = chain if isinstance(chain, list) else []
        inventory = {
            "chargePointId": station_id,
            "status": answer.get("status"),
            "certificates": entries[:MAX_INVENTORY_ENTRIES],
            "truncated": len(entries) > MAX_INVENTORY_ENTRIES,
            "updatedAt": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        await self._redis.set(self._key(station_id), fast_json.dumps(inventory))
        return inventory

    async def get(self, station_id: str) -> JsonObject:
        raw = await self._redis.get(self._key(station_id))
        if raw is None:
            return {"chargePointId": station_id, "status": None, "certificates": [], "updatedAt": None}
        inventory: JsonObject = fast_json.loads(raw)
        return inventory
