"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tests.support.server import free_port
from tests.support.waiting import wait_until


class _Controller(Controller):
    """aiosmtpd's controller, closing its open connections when stopped: stopping only closes
    the listening socket (Python 3.11's Server.close), and a connection calgate's sender had
    open then would be left to the garbage collector, whose ResourceWarning fails whichever
    test is running when it comes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: list[SMTP] = []

    def factory(self) -> SMTP:
        smtp = super().factory()
        self.sessions.append(smtp)
        return smtp

    def stop(self, no_assert: bool = False) -> None:
        async def close_connections() -> None:
            for smtp in self.sessions:
                if smtp.transport is not None and not smtp.transport.is_closing():
                    smtp.transport.close()
            # The transports close their sockets on the loop's next turns.
            for _ in range(3):
                await asyncio.sleep(0)

        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(close_connections(), self.loop).result(timeout=5)
        super().stop(no_assert)


class Mailbox:
    def __init__(self, port: int, **server: Any) -> None:
        self.port = port
        # aiosmtpd.smtp.SMTP options (STARTTLS, AUTH) for the server this mailbox runs.
        self.server = server
        self.messages: list[EmailMessage] = []
        # The name each sender gave in EHLO (or HELO), one per message received.
        self.greetings: list[str] = []
        self._lock = threading.Lock()
        self._controller: _Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append(parsed)
            self.greetings.append(session.host_name)
        return "250 OK"

    def start(self) -> None:
        self._controller = _Controller(self, hostname="127.0.0.1", port=self.port, **self.server)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, recipient: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if recipient in str(m["To"])]

    def wait_for(self, recipient: str, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        def enough() -> list[EmailMessage] | None:
            got = self.to(recipient)
            return got if len(got) >= count else None

        found: list[EmailMessage] = wait_until(
            enough, timeout, 0.05, f"{count} message(s) to {recipient}"
        )
        return found


@contextmanager
def mailbox(*, started: bool = True, **server: Any) -> Iterator[Mailbox]:
    box = Mailbox(free_port(), **server)
    if started:
        box.start()
    try:
        yield box
    finally:
        box.stop()
