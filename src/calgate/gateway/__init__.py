"""Managed-OAuth gateway: gateway keys, /connections, /connect and the /{app}/... proxy.

It reaches providers only over HTTP at configured URLs (never calgate.api, .services or
.oauth), so the embedded server and a real Cal.com are the same to it. Its routes are
`gateway.router.routes_for`, its running state `gateway.runtime`; both are put together by
the composition root (calgate.app).
"""

from calgate.gateway.config import GatewaySettings, Provider

__all__ = ["GatewaySettings", "Provider"]
