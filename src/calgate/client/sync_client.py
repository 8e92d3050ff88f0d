"""`Client`: the blocking SDK entry point."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from types import TracebackType
from typing import Any, TypeVar

import httpx2

from calgate.client.config import ClientConfig
from calgate.client.resources import Resources
from calgate.client.transport import Call, RetryPolicy, SyncTransport

T = TypeVar("T")


class Client(Resources[SyncTransport]):
    """Cal.com API v2 client for calgate, Cal.com, or a Maton-style gateway.

    `Client()` reads CALGATE_URL, CALGATE_API_KEY / CALGATE_GATEWAY_KEY (or MATON_API_KEY),
    CALGATE_CONNECTION and the CALGATE_PROFILE profile; arguments override them.
    """

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
        http: httpx2.Client | None = None,
    ) -> None:
        self.config = config or resolve_config(
            base_url,
            api_key=api_key,
            gateway_key=gateway_key,
            connection=connection,
            control_url=control_url,
        )
        self.transport = SyncTransport(self.config, timeout=timeout, retry=retry, http=http)
        super().__init__(self.transport)

    def send(self, call: Call[T]) -> T:
        """Run a prepared call (see `calgate.client.resources`)."""
        return self.transport.send(call)

    def data(self, call: Call[Any]) -> Any:
        """The API's `data` for a call, as sent (for callers that print it verbatim)."""
        return self.transport.data(call)

    def pages(self, call: Call[list[T]]) -> Iterator[T]:
        """Every item of a listing, following its pages."""
        return self.transport.pages(call)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def resolve_config(
    base_url: str | None,
    *,
    api_key: str | None,
    gateway_key: str | None,
    connection: str | None,
    control_url: str | None,
) -> ClientConfig:
    """Arguments over the environment and profile; a credential argument replaces both."""
    config = ClientConfig.from_env()
    values: dict[str, Any] = {}
    if base_url:
        values["base_url"] = base_url
    if api_key or gateway_key:
        values.update(api_key=api_key, gateway_key=gateway_key)
        if api_key and not gateway_key:
            values["connection"] = None
    if connection:
        values["connection"] = connection
    if control_url:
        values["control_url"] = control_url
    return replace(config, **values)
