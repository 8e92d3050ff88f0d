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
    """Create-time check: an absolute http(s) URL with a host DNS could resolve."""
    try:
        parsed = httpx2.URL(url)
    except (httpx2.InvalidURL, ValueError, TypeError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host) and _valid_name(parsed.host)


def _valid_name(host: str) -> bool:
    try:
        host.encode("idna")  # labels of 1-63 characters, as the resolver will insist
    except UnicodeError:
        return False
    return True


# IPv6 ranges that carry an IPv4 address in their last 32 bits (NAT64 well-known and local-use
# prefixes, IPv4-compatible and IPv4-translated forms): the IPv4 inside is what gets reached.
_EMBEDS_IPV4 = tuple(
    ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96")
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _EMBEDS_IPV4) and int(ip) > 1:  # not :: or ::1
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and not is_public(inner):
            return False
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
        except UnicodeError as exc:  # a label over 63 characters, an empty label
            raise RefusedTarget(f"invalid host name {host!r}: {exc}") from exc
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
