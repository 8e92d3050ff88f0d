"""The one way tests seed a user with an API key: through the services, as the admin CLI does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from calgate.services import api_keys, users
from calgate.store.db import Database
from calgate.store.models import User

PASSWORD = "correct horse battery"


@dataclass
class Account:
    id: int
    email: str
    username: str
    key: str
    default_schedule_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def seed_account_in(
    session: AsyncSession,
    secret_key: str,
    *,
    email: str,
    name: str,
    time_zone: str = "America/New_York",
    password: str = PASSWORD,
    username: str | None = None,
) -> tuple[User, Account]:
    """A user and one API key inside the caller's transaction (the row, for seeding more)."""
    user = await users.create_user_in(
        session,
        email=email,
        password=password,
        name=name,
        time_zone=time_zone,
        username=username,
    )
    issued = await api_keys.create_api_key_in(session, secret_key, user)
    assert user.default_schedule_id is not None
    account = Account(user.id, user.email, user.username, issued.key, user.default_schedule_id)
    return user, account


def seed_account(
    database_url: str,
    secret_key: str,
    *,
    email: str,
    name: str,
    time_zone: str = "America/New_York",
    password: str = PASSWORD,
    username: str | None = None,
) -> Account:
    """``seed_account_in`` on its own connection, for a server this process doesn't run."""

    async def seed() -> Account:
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                _, account = await seed_account_in(
                    session,
                    secret_key,
                    email=email,
                    name=name,
                    time_zone=time_zone,
                    password=password,
                    username=username,
                )
                return account
        finally:
            await db.dispose()

    return asyncio.run(seed())
