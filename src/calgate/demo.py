"""Demo data for `calgate serve --demo`: created once, printed every start."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from calgate.config import Settings
from calgate.security import keys
from calgate.services import event_types, users
from calgate.services.event_types import EventTypeChanges
from calgate.store.db import Database
from calgate.store.models import ApiKey, EventType, User, utcnow

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - documented demo credential


def demo_api_key(secret: str) -> str:
    # Derived from the server secret so restarts print the same key without storing it.
    return keys.API_KEY_PREFIX + keys.digest(secret, "calgate-demo-api-key")[:48]


async def ensure_demo(db: Database, settings: Settings) -> dict[str, Any]:
    key = demo_api_key(settings.secret_key)
    async with db.transaction() as session:
        user = (
            await session.execute(select(User).where(User.email == DEMO_EMAIL))
        ).scalar_one_or_none()
        if user is None:
            user = await users.create_user_in(
                session,
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                name="Demo User",
                time_zone="America/New_York",
                username="demo",
            )
        key_hash = keys.digest(settings.secret_key, key)
        if not (
            await session.execute(select(ApiKey.id).where(ApiKey.key_hash == key_hash))
        ).first():
            session.add(
                ApiKey(
                    user_id=user.id,
                    name="demo",
                    key_hash=key_hash,
                    key_prefix=keys.display_prefix(key),
                    created_at=utcnow(),
                )
            )
        event_type = (
            await session.execute(
                select(EventType).where(EventType.owner_id == user.id, EventType.slug == "30min")
            )
        ).scalar_one_or_none()
        if event_type is None:
            event_type = await event_types.create_event_type_in(
                session,
                user,
                EventTypeChanges(title="30 min meeting", slug="30min", length=30),
            )
        return {
            "user_id": user.id,
            "email": DEMO_EMAIL,
            "password": DEMO_PASSWORD,
            "username": user.username,
            "api_key": key,
            "event_type_id": event_type.id,
        }
