"""The SMTP transport: CALGATE_SMTP_URL parsed once, one connection per message.

`smtp://user:pass@host:587` upgrades with STARTTLS when the server offers it (required when
credentials are given, so a password never crosses in clear); `smtps://host:465` is TLS from
the first byte. The server's certificate is always verified: against the system's trust store,
or against CALGATE_SMTP_CA_FILE (a private relay's own CA) when that is set.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cache
from urllib.parse import unquote, urlsplit

import aiosmtplib


class SendFailed(Exception):
    """The message was not accepted; `permanent` when retrying cannot help (5xx)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@cache
def local_hostname() -> str:
    """This host's fully qualified name, as aiosmtplib would give it in EHLO, looked up once per
    process, when the first SmtpServer is made (at start): aiosmtplib looks it up (getfqdn, in a
    thread) for every message, so a slow resolver slowed every email by its whole delay."""
    return socket.getfqdn()


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    timeout: float = 30.0
    ca_file: str = ""
    # The name this host gives in EHLO. Left to aiosmtplib, it is looked up for every message.
    local_hostname: str = field(default_factory=local_hostname)

    @classmethod
    def from_url(cls, url: str, timeout: float = 30.0, ca_file: str = "") -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("expected smtp://[user:pass@]host[:port] or smtps://...")
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 587),
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
            ca_file=ca_file,
        )

    def tls_context(self) -> ssl.SSLContext:
        return _tls_context(self.ca_file)

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                local_hostname=self.local_hostname,
                username=self.username,
                password=self.password,
                use_tls=self.tls,
                # None: STARTTLS if offered; True when credentials must not go in clear.
                start_tls=None if self.tls or not self.username else True,
                timeout=self.timeout,
                tls_context=self.tls_context(),
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailed(f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500) from exc
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise SendFailed(f"recipients refused: {exc}", permanent=True) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc


@cache
def _tls_context(ca_file: str) -> ssl.SSLContext:
    """Hostname checks and verification stay on; only the set of trusted CAs changes. Built
    once per CA file: loading the CAs cost about 40 ms of CPU per email (a changed file is read
    at the next start)."""
    return ssl.create_default_context(cafile=ca_file or None)
