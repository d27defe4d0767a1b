"""A small HTTP client for the remote-api, usable from async tests through a thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import requests

from tests.support.polling import NotYet, wait_until_async
from tests.support.system import API_TOKEN


class Api:
    def __init__(self, base_url: str, token: str | None = API_TOKEN) -> None:
        self.base_url = base_url
        self._session = requests.Session()
        if token is not None:
            self._session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 15)
        return self._session.request(method, f"{self.base_url}{path}", **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    async def arequest(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return await asyncio.to_thread(self.request, method, path, **kwargs)

    async def apost(self, path: str, **kwargs: Any) -> requests.Response:
        return await asyncio.to_thread(self.post, path, **kwargs)

    async def aget(self, path: str, **kwargs: Any) -> requests.Response:
        return await asyncio.to_thread(self.get, path, **kwargs)

    async def adelete(self, path: str, **kwargs: Any) -> requests.Response:
        return await asyncio.to_thread(self.delete, path, **kwargs)

    async def station_once(
        self, station_id: str, condition: Callable[[dict[str, Any]], bool], seconds: float = 5.0
    ) -> dict[str, Any]:
        """The station's record once ``condition`` holds: presence reaches the shadow a moment
        after the handshake, so a read right after connecting may not show it yet."""

        async def matching() -> dict[str, Any] | NotYet:
            station: dict[str, Any] = (await self.aget(f"/charge-points/{station_id}")).json()
            return station if condition(station) else NotYet(station)

        return await wait_until_async(matching, seconds, message=f"station {station_id}'s record matched")

    def register(self, station_id: str) -> None:
        response = self.post("/charge-points", json={"chargePointId": station_id})
        assert response.status_code == 201, response.text
