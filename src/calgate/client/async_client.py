"""`AsyncClient`: the asyncio SDK entry point (same resources, awaited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, TypeVar

import httpx2

from calgate.client.config import ClientConfig
from calgate.client.resources import Resources
from calgate.client.sync_client import resolve_config
from calgate.client.transport import AsyncTransport, Call, RetryPolicy

T = TypeVar("T")


class AsyncClient(Resources[AsyncTransport]):
    """The asyncio twin of `calgate.client.Client`; use `async with AsyncClient() as c`."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        gateway_key: str | None = None,
        connection: str | None = None,
        control_url: str | None = None,
        config: ClientConfig | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        http: httpx2.AsyncClient | None = None,
    ) -> None:
        self.config = config or resolve_config(
            base_url,
            api_key=api_key,
            gateway_key=gateway_key,
            connection=connection,
            control_url=control_url,
        )
        self.transport = AsyncTransport(self.config, timeout=timeout, retry=retry, http=http)
        super().__init__(self.transport)

    async def send(self, call: Call[T]) -> T:
        return await self.transport.send(call)

    async def data(self, call: Call[Any]) -> Any:
        return await self.transport.data(call)

    def pages(self, call: Call[list[T]]) -> AsyncIterator[T]:
        return self.transport.pages(call)

    async def aclose(self) -> None:
        await self.transport.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
