"""One error hierarchy for the whole server; each class carries its wire status and code.

Services raise these; the API layer renders them in Cal.com's error envelope. Nothing here
imports HTTP code, so services stay framework-free.
"""

from __future__ import annotations

from typing import Any


class CalgateError(Exception):
    status_code = 400
    # Cal.com names errors after the NestJS exception class that produced them.
    code = "BadRequestException"
    # Seconds a client should wait before trying again (sent as Retry-After), if it should.
    retry_after: int | None = None

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(CalgateError):
    pass


class Unauthorized(CalgateError):
    status_code = 401
    code = "UnauthorizedException"


class Forbidden(CalgateError):
    status_code = 403
    code = "ForbiddenException"


class NotFound(CalgateError):
    status_code = 404
    code = "NotFoundException"


class Conflict(CalgateError):
    status_code = 409
    code = "ConflictException"


class Gone(CalgateError):
    """Something that existed and no longer can be used (an expired or used-up private link)."""

    status_code = 410
    code = "GoneException"


class TooManyRequests(CalgateError):
    status_code = 429
    code = "ThrottlerException"

    def __init__(self, message: str, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after


class ServiceUnavailable(CalgateError):
    status_code = 503
    code = "ServiceUnavailableException"

    def __init__(self, message: str, retry_after: int | None = None, details: Any = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after
