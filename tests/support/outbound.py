"""An app whose outbound sides all land on loopback: booking emails on a test SMTP server,
calendar writes on test CalDAV servers, webhooks on test receivers, with the outbox loop fast.
Test modules that need all three take these fixtures by name (``inbox = outbound.inbox``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from calgate.config import Settings
from tests.conftest import TEST_SECRET
from tests.email.mailbox import Mailbox, mailbox
from tests.webhooks.conftest import FAST


@pytest.fixture
def inbox() -> Iterator[Mailbox]:
    with mailbox() as box:
        yield box


@pytest.fixture
def settings(db_url: str, inbox: Mailbox) -> Settings:
    # Booking emails are queued only by a server that sends email.
    return replace(
        Settings(database_url=db_url, secret_key=TEST_SECRET, rate_limit=False),
        calendar_allow_private=True,
        calendar_timeout=3.0,
        smtp_url=inbox.url,
        email_from="Calgate <calgate@example.com>",
        **FAST,
    )
