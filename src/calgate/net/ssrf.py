"""Refuse outbound URLs that reach private, loopback or link-local addresses.

Used for webhook deliveries and for every call the gateway makes (see calgate.net.transport).
Checked at request time, on the addresses the name resolves to then, and the request is sent
to the checked address (Host header and TLS SNI keep the name), so a DNS answer that changes
between check and connect can't redirect the request inside the network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field

import httpx2

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedTarget(httpx2.RequestError):
    """The URL may not be called. An httpx2 error, so a caller that handles network errors
    in general also handles this one."""


@dataclass(frozen=True)
class Target:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


def valid_subscriber_url(url: str) -> bool:
    """Create-time check: an absolute http(s) URL with a host."""
    try:
        parsed = httpx2.URL(url)
    except (httpx2.InvalidURL, ValueError, TypeError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(
    url: str, *, allow_private: bool, setting: str = "CALGATE_WEBHOOK_ALLOW_PRIVATE"
) -> Target:
    """The checked address to send `url` to; `setting` names the switch that allows private."""
    try:
        parsed = httpx2.URL(url)
    except (httpx2.InvalidURL, ValueError, TypeError) as exc:
        raise RefusedTarget(f"invalid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RefusedTarget("only absolute http(s) URLs are delivered to")
    if allow_private:
        return Target(url)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise ConnectionError(f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise ConnectionError(f"cannot resolve {host}")
    refused = [str(a) for a in addresses if not is_public(a)]
    if refused:
        raise RefusedTarget(
            f"{host} resolves to a private, loopback or link-local address ({refused[0]}); "
            f"set {setting}=1 to allow it"
        )
    pinned = addresses[0]
    netloc = host if parsed.port is None else f"{host}:{parsed.port}"
    pinned_url = parsed.copy_with(host=str(pinned))
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return Target(str(pinned_url), {"Host": netloc}, extensions)
