"""The request engine under `Client` and `AsyncClient`.

Resources describe each API call as a `Call` (method, path, query, body, `cal-api-version`,
how to read the answer); the two transports run them, one blocking and one async, sharing
everything but the waiting: URL and header building, the envelope, errors, retry decisions.

Retries: a 429 is retried after its `Retry-After` (any method: the server did nothing) while
the wait fits the budget; 5xx answers and network failures are retried only for idempotent
calls, with exponential backoff, since a POST that failed late may already have taken effect.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx2

from calgate.client.config import ClientConfig
from calgate.client.errors import ApiError, RateLimited, ServerError, TransportError, error_for

T = TypeVar("T")

USER_AGENT = "calgate-client/0.1"
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def envelope_data(body: Any) -> Any:
    """`data` of Cal.com's success envelope (None when it has none, e.g. some deletes);
    bodies without an envelope (the control API) are returned whole."""
    if isinstance(body, dict) and body.get("status") == "success":
        return body.get("data")
    return body


def identity(data: Any) -> Any:
    return data


NextPage = Callable[[Any, dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call and how to turn its `data` into the SDK's return value."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, Any] | None = None
    json: Any = None
    version: str | None = None
    # The gateway's control API (`/connections`) sits outside the proxied `/v2` tree.
    control: bool = False
    idempotent: bool | None = None
    # For listings: the query of the next page, from this page's body, or None at the end.
    next_page: NextPage | None = None

    @property
    def retry_safe(self) -> bool:
        return self.method in IDEMPOTENT if self.idempotent is None else self.idempotent

    def with_params(self, params: Mapping[str, Any]) -> Call[T]:
        return replace(self, params=params)


def page_by_skip(body: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    """Next page of a current-version listing (`pagination.hasNextPage`, `take`/`skip`)."""
    pagination = body.get("pagination") if isinstance(body, dict) else None
    if not isinstance(pagination, dict) or not pagination.get("hasNextPage"):
        return None
    returned = int(pagination.get("returnedItems") or 0)
    if returned <= 0:
        return None
    return {**params, "skip": int(params.get("skip") or 0) + returned}


def page_by_count(body: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    """Next page of a listing that says nothing of its pages (only `take`/`skip`, as Cal.com's
    verified resources): there may be more while pages come back full."""
    data = envelope_data(body)
    take = int(params.get("take") or 0)
    if not isinstance(data, list) or not take or len(data) < take:
        return None
    return {**params, "skip": int(params.get("skip") or 0) + len(data)}


def page_by_cursor(body: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    """Next page of a legacy listing (`data.nextCursor`)."""
    data = envelope_data(body)
    cursor = data.get("nextCursor") if isinstance(data, dict) else None
    return None if cursor in (None, "") else {**params, "cursor": cursor}


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    budget: float = 30.0  # seconds of waiting, all retries of one call together
    backoff: float = 0.5


@dataclass
class _Attempts:
    policy: RetryPolicy
    call: Call[Any]
    count: int = 0
    waited: float = 0.0

    def delay_after(self, error: Exception) -> float | None:
        """Seconds to wait before trying again, or None to give up with `error`."""
        if self.count >= self.policy.retries:
            return None
        if isinstance(error, RateLimited):
            delay = error.retry_after if error.retry_after is not None else self._backoff()
        elif isinstance(error, ServerError | TransportError) and self.call.retry_safe:
            hint = error.retry_after if isinstance(error, ServerError) else None
            delay = hint if hint is not None else self._backoff()
        else:
            return None
        if self.waited + delay > self.policy.budget:
            return None
        self.count += 1
        self.waited += delay
        return delay

    def _backoff(self) -> float:
        return float(self.policy.backoff * (2**self.count))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _Base:
    def __init__(self, config: ClientConfig, retry: RetryPolicy | None) -> None:
        self.config = config
        self.retry = retry or RetryPolicy()

    def url(self, call: Call[Any]) -> str:
        root = self.config.control_root if call.control else self.config.api_root
        return root + call.path

    def headers(self, call: Call[Any]) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        if call.version:
            headers["cal-api-version"] = call.version
        if self.config.gateway and self.config.connection and not call.control:
            headers["Maton-Connection"] = self.config.connection
        return headers

    @staticmethod
    def params(call: Call[Any]) -> dict[str, Any]:
        return {k: _query_value(v) for k, v in (call.params or {}).items() if v is not None}

    @staticmethod
    def read(call: Call[Any], response: httpx2.Response) -> Any:
        """The decoded body of a success, or the SDK error for an error answer."""
        try:
            body: Any = response.json() if response.content else None
        except ValueError:
            body = None
        if response.is_success:
            if body is None and response.content:
                raise ServerError(
                    "the server answered with something other than JSON",
                    status_code=response.status_code,
                    path=call.path,
                )
            return body
        if body is None and response.content:
            body = {"message": response.text[:200]}
        raise error_for(
            response.status_code,
            body,
            method=call.method,
            path=call.path,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )

    def attempt(self, call: Call[Any]) -> dict[str, Any]:
        """httpx's `request` arguments for one try of `call`."""
        return {
            "method": call.method,
            "url": self.url(call),
            "params": self.params(call),
            "json": call.json,
            "headers": self.headers(call),
        }

    def failed(
        self, attempts: _Attempts, call: Call[Any], exc: httpx2.HTTPError | ApiError
    ) -> tuple[ApiError | TransportError, float | None]:
        """The error a failed try is, and how long to wait before the next (None: raise it)."""
        error = self.transport_error(call, exc) if isinstance(exc, httpx2.HTTPError) else exc
        return error, attempts.delay_after(error)

    @staticmethod
    def transport_error(call: Call[Any], exc: httpx2.HTTPError) -> TransportError:
        return TransportError(f"{call.method} {call.path}: {type(exc).__name__}: {exc}")


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


def _timeout(timeout: float) -> httpx2.Timeout:
    return httpx2.Timeout(timeout, connect=min(timeout, 10.0))


class SyncTransport(_Base):
    def __init__(
        self,
        config: ClientConfig,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        http: httpx2.Client | None = None,
    ) -> None:
        super().__init__(config, retry)
        self._owns_http = http is None
        self.http = http or httpx2.Client(timeout=_timeout(timeout))

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def body(self, call: Call[Any]) -> Any:
        """The whole decoded body of a successful call (retrying as the policy allows)."""
        attempts = _Attempts(self.retry, call)
        while True:
            try:
                return self.read(call, self.http.request(**self.attempt(call)))
            except (httpx2.HTTPError, ApiError) as exc:
                error, delay = self.failed(attempts, call, exc)
            if delay is None:
                raise error
            time.sleep(delay)

    def data(self, call: Call[Any]) -> Any:
        return envelope_data(self.body(call))

    def send(self, call: Call[T]) -> T:
        return call.parse(self.data(call))

    def pages(self, call: Call[list[T]]) -> Iterator[T]:
        params = dict(call.params or {})
        while True:
            body = self.body(call.with_params(params))
            yield from call.parse(envelope_data(body))
            following = call.next_page(body, params) if call.next_page else None
            if following is None:
                return
            params = following

    def every(self, call: Call[list[T]]) -> list[T]:
        """Every item of a listing, all its pages fetched."""
        return list(self.pages(call))


class AsyncTransport(_Base):
    def __init__(
        self,
        config: ClientConfig,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        http: httpx2.AsyncClient | None = None,
    ) -> None:
        super().__init__(config, retry)
        self._owns_http = http is None
        self.http = http or httpx2.AsyncClient(timeout=_timeout(timeout))

    async def close(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def body(self, call: Call[Any]) -> Any:
        attempts = _Attempts(self.retry, call)
        while True:
            try:
                return self.read(call, await self.http.request(**self.attempt(call)))
            except (httpx2.HTTPError, ApiError) as exc:
                error, delay = self.failed(attempts, call, exc)
            if delay is None:
                raise error
            await asyncio.sleep(delay)

    async def data(self, call: Call[Any]) -> Any:
        return envelope_data(await self.body(call))

    async def send(self, call: Call[T]) -> T:
        return call.parse(await self.data(call))

    async def pages(self, call: Call[list[T]]) -> AsyncIterator[T]:
        params = dict(call.params or {})
        while True:
            body = await self.body(call.with_params(params))
            for item in call.parse(envelope_data(body)):
                yield item
            following = call.next_page(body, params) if call.next_page else None
            if following is None:
                return
            params = following

    async def every(self, call: Call[list[T]]) -> list[T]:
        return [item async for item in self.pages(call)]
