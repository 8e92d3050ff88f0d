"""An httpx2 transport that puts every request through the SSRF guard.

Every outbound client is built on it (the gateway's provider client; the subscriber client of
user webhooks and gateway events), so every call passes the same check: the host is resolved,
refused if any address is private, loopback or link-local (unless allowed by configuration),
and the connection goes to the checked address with the original Host header and TLS server
name.
"""

from __future__ import annotations

import ssl
from functools import cache
from http.cookiejar import CookieJar

import httpx2

from calgate.net import ssrf

ALLOW_PRIVATE_SETTING = "CALGATE_GATEWAY_ALLOW_PRIVATE"


class GuardedTransport(httpx2.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport,
        *,
        allow_private: bool,
        setting: str = ALLOW_PRIVATE_SETTING,
    ) -> None:
        self.inner = inner
        self.allow_private = allow_private
        self.setting = setting

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            target = await ssrf.resolve(
                str(request.url), allow_private=self.allow_private, setting=self.setting
            )
        except ssrf.RefusedTarget as exc:
            exc.request = request
            raise
        except ConnectionError as exc:
            raise httpx2.ConnectError(str(exc), request=request) from exc
        if target.url != str(request.url):
            # The Host header was set from the original URL when the request was built.
            request.url = httpx2.URL(target.url)
            request.extensions = {**request.extensions, **target.extensions}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def guarded_client(
    *,
    timeout: httpx2.Timeout,
    max_connections: int,
    allow_private: bool,
    mounts: dict[str, httpx2.AsyncBaseTransport] | None = None,
    cookies: CookieJar | None = None,
    setting: str = ALLOW_PRIVATE_SETTING,
) -> httpx2.AsyncClient:
    """A pooled client whose default transport is guarded; `mounts` (in-process apps) are not
    network calls and skip the guard. No redirects followed, nothing taken from the env."""
    inner = httpx2.AsyncHTTPTransport(
        verify=_tls(),
        limits=httpx2.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        trust_env=False,
    )
    return httpx2.AsyncClient(
        transport=GuardedTransport(inner, allow_private=allow_private, setting=setting),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        cookies=cookies,
        mounts=mounts,
    )


@cache
def _tls() -> ssl.SSLContext:
    """The verifying TLS context every outbound client shares: each of a process's clients
    (webhooks, calendars, the gateway's providers, SMS) would otherwise load the CA bundle
    again, about 40 ms of CPU each. Shared safely because every client speaks HTTP/1.1 only:
    the one setting a connection writes on it (ALPN) is the same for all."""
    return httpx2.create_ssl_context(trust_env=False)
