"""Email tests run the app against a loopback SMTP server, with fast outbox timings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from calgate.config import Settings
from tests.conftest import TEST_SECRET
from tests.email.mailbox import Mailbox, mailbox

FAST = {
    "webhook_poll_interval": 0.05,
    "webhook_backoff_base": 0.05,
    "webhook_backoff_max": 0.5,
    "webhook_max_attempts": 30,
    "webhook_timeout": 5.0,
    "rate_limit": False,
    "email_from": "Calgate <calgate@example.com>",
}


@pytest.fixture
def inbox() -> Iterator[Mailbox]:
    with mailbox() as box:
        yield box


@pytest.fixture
def settings(db_url: str, inbox: Mailbox) -> Settings:
    return replace(
        Settings(database_url=db_url, secret_key=TEST_SECRET), smtp_url=inbox.url, **FAST
    )
