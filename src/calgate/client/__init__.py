"""calgate's client SDK: Cal.com API v2 from Python, directly or through a managed-OAuth gateway.

    from calgate.client import Client
    with Client() as client:          # CALGATE_URL + CALGATE_API_KEY or CALGATE_GATEWAY_KEY
        me = client.me.get()

Imports no part of the calgate server (a test checks it), so it works against any calgate,
Cal.com itself, or a Maton-style gateway.
"""

from calgate.client.async_client import AsyncClient
from calgate.client.config import ClientConfig, ConfigError, ProfileStore
from calgate.client.errors import (
    ApiError,
    AuthenticationError,
    BadRequest,
    CalgateClientError,
    Conflict,
    NotFound,
    NotSupported,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
)
from calgate.client.sync_client import Client
from calgate.client.transport import Call, RetryPolicy

__all__ = [
    "ApiError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequest",
    "CalgateClientError",
    "Call",
    "Client",
    "ClientConfig",
    "ConfigError",
    "Conflict",
    "NotFound",
    "NotSupported",
    "PermissionDenied",
    "ProfileStore",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "TransportError",
]
