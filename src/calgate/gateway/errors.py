"""Gateway-specific errors, rendered in the same Cal.com envelope as the rest of the server."""

from __future__ import annotations

from calgate.errors import CalgateError


class PayloadTooLarge(CalgateError):
    status_code = 413
    code = "PayloadTooLargeException"


class BadGateway(CalgateError):
    status_code = 502
    code = "BadGatewayException"


class GatewayTimeout(CalgateError):
    status_code = 504
    code = "GatewayTimeoutException"
