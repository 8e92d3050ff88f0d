"""`Client` and `AsyncClient` offer the same resources and methods, with the same parameters:
each resource is written once and run by either flavour (blocking, or awaited)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from calgate.client import AsyncClient, Client, ClientConfig
from calgate.client.models import VerifiedResource
from calgate.client.resources import Resource
from calgate.client.resources.verified_resources import list_verified
from calgate.store.db import sync_url
from calgate.store.models import User, VerifiedEmail, utcnow
from tests.client.conftest import Target

CONFIG = ClientConfig(base_url="http://127.0.0.1:9", api_key="k")
# Listings answer an iterator over every page, not a coroutine, in the asyncio flavour.
ASYNC_ITERATORS = {"bookings.list"}


def methods(resource: Any, prefix: str = "") -> Iterator[tuple[str, Callable[..., Any]]]:
    for name in sorted(n for n in dir(resource) if not n.startswith("_")):
        value = getattr(resource, name)
        if isinstance(value, Resource):
            yield from methods(value, f"{prefix}{name}.")
        elif callable(value):
            yield f"{prefix}{name}", value


def resource_methods(client: Client | AsyncClient) -> dict[str, Callable[..., Any]]:
    skip = {"send", "data", "pages", "close", "aclose"}  # the clients' own, not resources'
    return {name: m for name, m in methods(client) if name not in skip}


@pytest.mark.pure  # no server is called
def test_both_flavours_have_the_same_methods_and_parameters() -> None:
    with Client(config=CONFIG) as client:
        sync = resource_methods(client)
    aio_client = AsyncClient(config=CONFIG)
    aio = resource_methods(aio_client)
    asyncio.run(aio_client.aclose())
    assert "bookings.attendees.add" in sync
    assert "slots.reservations.delete" in sync
    assert sorted(sync) == sorted(aio)
    for name, method in sync.items():
        assert inspect.signature(method) == inspect.signature(aio[name]), name
        assert method.__doc__ == aio[name].__doc__, name
        assert not inspect.iscoroutinefunction(method), name
        assert inspect.iscoroutinefunction(aio[name]) == (name not in ASYNC_ITERATORS), name


@pytest.mark.pure
def test_help_shows_the_methods_own_signature_and_docs() -> None:
    with Client(config=CONFIG) as client:
        create = client.bookings.create
        assert create.__name__ == "create"
        assert "recurrence_count" in (create.__doc__ or "")
        parameters = inspect.signature(create).parameters
        assert list(parameters)[:5] == ["event_type_id", "start", "name", "email", "time_zone"]
        assert inspect.signature(create).return_annotation is inspect.Signature.empty


@pytest.mark.pure
def test_sub_resources_are_of_their_clients_flavour() -> None:
    with Client(config=CONFIG) as sync:
        assert type(sync.bookings.attendees).__name__ == "Attendees"
        assert sync.bookings is sync.bookings
        assert sync.bookings.attendees is sync.bookings.attendees
    aio = AsyncClient(config=CONFIG)
    assert type(aio.bookings.attendees).__name__ == "AsyncAttendees"
    assert type(aio.slots.reservations).__name__ == "AsyncReservations"
    asyncio.run(aio.aclose())


def test_a_whole_listing_in_either_flavour(target: Target, db_url: str) -> None:
    """`verified_resources.list()` is every verified email; its pages carry no `pagination`,
    so paging goes on while pages come back full."""
    emails = sorted(f"v{n:02}@example.com" for n in range(12))
    engine = create_engine(sync_url(db_url))
    try:
        with Session(engine) as session, session.begin():
            host = session.execute(select(User.id).where(User.username == "host")).scalar_one()
            session.add_all(
                VerifiedEmail(user_id=host, email=e, created_at=utcnow()) for e in emails
            )
    finally:
        engine.dispose()

    async def listed() -> list[VerifiedResource]:
        async with AsyncClient(config=target.config) as client:
            return await client.verified_resources.list()

    with target.client() as client:
        rows = client.verified_resources.list()
        assert sorted(r.email or "" for r in rows) == emails
        assert client.verified_resources.get(rows[0].id) == rows[0]
        assert list(client.pages(list_verified("emails", take=5))) == rows
        assert len(client.data(list_verified("emails", take=5))) == 5  # one page
    assert asyncio.run(listed()) == rows
    if target.mode == "direct":
        # Without `take`, Cal.com's default page is 250: all twelve.
        r = httpx2.get(
            f"{target.url}/v2/verified-resources/emails",
            headers={"Authorization": f"Bearer {target.api_key}"},
        )
        assert r.status_code == 200, r.text
        assert len(r.json()["data"]) == 12
