"""One exception hierarchy for every failure the SDK reports.

API errors carry the fields of Cal.com's error envelope (`error.code`, `error.message`,
`error.details`), so a caller can branch on the class and still show the server's own words.
"""

from __future__ import annotations

import re
from typing import Any

# NestJS (Cal.com) and calgate answer an unknown route with 404 "Cannot GET /v2/...": the
# server lacks the endpoint, which is not the same as a missing record.
_UNKNOWN_ROUTE = re.compile(r"^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /")


class CalgateClientError(Exception):
    """Base of every error the SDK raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransportError(CalgateClientError):
    """The server could not be reached or the connection broke (no HTTP answer)."""


class ApiError(CalgateClientError):
    """The server answered with an error status."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        details: Any = None,
        path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.details = details
        self.path = path
        self.retry_after = retry_after

    @property
    def reasons(self) -> list[Any]:
        """The refusal reasons the server gave (`details.reasons`, or `details.reason`)."""
        details = self.details
        if not isinstance(details, dict):
            return []
        if isinstance(details.get("reasons"), list):
            return list(details["reasons"])
        return [details["reason"]] if details.get("reason") else []

    def __str__(self) -> str:
        prefix = f"{self.status_code} {self.code}" if self.code else str(self.status_code)
        return f"{prefix}: {self.message}"


class BadRequest(ApiError):
    """400/422: the request was refused as invalid (e.g. the slot is not available)."""


class AuthenticationError(ApiError):
    """401: missing, invalid or expired credentials."""


class PermissionDenied(ApiError):
    """403: the credentials may not do this (e.g. an OAuth token without the scope)."""


class NotFound(ApiError):
    """404: no such record (or not yours)."""


class NotSupported(NotFound):
    """The server has no such endpoint (an older calgate, or a feature it lacks)."""


class Conflict(ApiError):
    """409: the change conflicts with the current state (duplicate slug, wrong status...)."""


class RateLimited(ApiError):
    """429 after the retry budget was spent; `retry_after` says when to try again."""


class ServerError(ApiError):
    """5xx: the server (or the provider behind a gateway) failed."""


def error_for(
    status: int, body: Any, *, method: str, path: str, retry_after: float | None = None
) -> ApiError:
    """The exception for an error answer, from Cal.com's envelope when there is one."""
    code: str | None = None
    details: Any = None
    message = ""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            code = err.get("code") if isinstance(err.get("code"), str) else None
            message = str(err.get("message") or "")
            details = err.get("details")
        elif isinstance(err, str):
            # OAuth-style bodies: {"error": "invalid_grant", "error_description": "..."}
            code = err
            message = str(body.get("error_description") or body.get("message") or err)
        elif isinstance(body.get("message"), str):
            message = body["message"]
    message = message or f"HTTP {status}"
    kwargs: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "details": details,
        "path": path,
        "retry_after": retry_after,
    }
    if status in (404, 405) and (status == 405 or _UNKNOWN_ROUTE.match(message)):
        return NotSupported(
            f"{method} {path} is not supported by this server ({message})", **kwargs
        )
    cls: type[ApiError]
    if status in (400, 422):
        cls = BadRequest
    elif status == 401:
        cls = AuthenticationError
    elif status == 403:
        cls = PermissionDenied
    elif status == 404:
        cls = NotFound
    elif status == 409:
        cls = Conflict
    elif status == 429:
        cls = RateLimited
    elif status >= 500:
        cls = ServerError
    else:
        cls = ApiError
    return cls(message, **kwargs)
