"""The name calgate gives an SMTP server in EHLO: this host's, looked up once per process (not
for every message, as aiosmtplib would), and the one the server sees."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from starlette.testclient import TestClient

from calgate.email.smtp import SmtpServer
from tests.email.mailbox import Mailbox
from tests.webhooks.conftest import book, event_type, next_monday


def test_booking_emails_greet_with_this_hosts_name(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="UTC")
    et = event_type(client, host)
    book(client, et, next_monday() + timedelta(hours=9))
    book(client, et, next_monday() + timedelta(hours=10))

    assert len(inbox.wait_for("ada@example.com", 2)) == 2
    inbox.wait_for(host.email, 2)
    # Each message, over its own connection, greeted with the same name, this host's.
    assert inbox.greetings == [socket.getfqdn()] * 4


def test_the_name_given_is_the_name_the_server_sees(inbox: Mailbox) -> None:
    server = replace(SmtpServer.from_url(inbox.url, timeout=5.0), local_hostname="mx.calgate.test")
    message = EmailMessage()
    message["From"] = "calgate@example.com"
    message["To"] = "someone@example.com"
    message["Subject"] = "hello"
    message.set_content("hello")

    asyncio.run(server.send(message))
    assert [m["Subject"] for m in inbox.to("someone@example.com")] == ["hello"]
    assert inbox.greetings == ["mx.calgate.test"]
