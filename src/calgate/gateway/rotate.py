"""`calgate admin rotate-secrets`: re-encrypt every sealed secret under the current key (the
gateway's, and connected calendars' passwords and webhook signing secrets, which the scheduler
seals with the same keys). Webhook secrets stored in clear before they were sealed are sealed
here (counted with the re-encrypted ones).

Runs beside live servers. Rows are taken in small batches, each in one short transaction
holding the rows' locks (PostgreSQL `FOR UPDATE`, SQLite's write lock), and every value is
re-read under that lock before it is rewritten, so a token refreshed meanwhile is never
overwritten with an older one. The plaintext does not change, so neither do token versions
nor `updated_at`. Servers keep working throughout as long as their keyring holds both keys.
Running it again finds nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.gateway import connections as conns
from calgate.gateway import keys
from calgate.security.crypto import DecryptionError, Keyring, context
from calgate.store.db import Database
from calgate.store.models import CalendarCredential, Connection, GatewayKey, Webhook

BATCH = 100


@dataclass(frozen=True)
class SealedTable:
    """A table with encrypted columns: AAD table name and (AAD column, stored column) pairs."""

    model: type[Any]
    table: str
    columns: tuple[tuple[str, str], ...]
    # Left as it was: re-encryption is not a change the user made.
    keep_updated_at: bool = False
    # Rows from before the column was sealed hold plaintext: a value no key claims is that.
    legacy_plaintext: bool = False


SEALED = (
    SealedTable(
        Connection,
        conns.TABLE,
        (
            ("access_token", "access_token_enc"),
            ("refresh_token", "refresh_token_enc"),
            ("session_token", "session_token_enc"),
            ("pkce_verifier", "pkce_verifier_enc"),
        ),
        keep_updated_at=True,
    ),
    SealedTable(GatewayKey, keys.TABLE, (("events_secret", "events_secret_enc"),)),
    # Named here, not imported: the gateway never imports the scheduler's services.
    SealedTable(CalendarCredential, "calendar_credentials", (("password", "password_enc"),)),
    SealedTable(Webhook, "webhooks", (("secret", "secret"),), legacy_plaintext=True),
)


@dataclass
class Report:
    key_id: str
    # "table.column" -> values re-encrypted
    rotated: dict[str, int] = field(default_factory=dict)
    rows_updated: int = 0
    # "table/row id/column" of values no configured key can decrypt (left untouched)
    undecryptable: list[str] = field(default_factory=list)
    # Values still under another key after the run (undecryptable ones, or written meanwhile
    # by a server whose keyring puts another key first).
    remaining: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "rotated": self.rotated,
            "rows_updated": self.rows_updated,
            "undecryptable": self.undecryptable,
            "remaining": self.remaining,
        }


def _under_other_key(col: Any, current: str) -> ColumnElement[bool]:
    """The stored value exists and is not under the current key (`<key id>:` prefix)."""
    prefix = current + ":"
    result: ColumnElement[bool] = col.is_not(None) & (func.substr(col, 1, len(prefix)) != prefix)
    return result


def _stale(sealed: SealedTable, current: str) -> ColumnElement[bool]:
    return or_(*(_under_other_key(getattr(sealed.model, a), current) for _, a in sealed.columns))


async def rotate(db: Database, keyring: Keyring, *, batch: int = BATCH) -> Report:
    report = Report(keyring.current)
    for sealed in SEALED:
        for _, attr in sealed.columns:
            report.rotated.setdefault(f"{sealed.table}.{attr.removesuffix('_enc')}", 0)
        last: Any = None
        while True:
            pk = sealed.model.id
            query = select(pk).where(_stale(sealed, keyring.current)).order_by(pk).limit(batch)
            if last is not None:
                query = query.where(pk > last)
            async with db.session() as session:
                ids = list((await session.scalars(query)).all())
            if not ids:
                break
            last = ids[-1]
            async with db.transaction() as session:
                await _rotate_rows(session, sealed, keyring, ids, report)
        async with db.session() as session:
            report.remaining += await _count_stale(session, sealed, keyring.current)
    return report


async def _rotate_rows(
    session: AsyncSession, sealed: SealedTable, keyring: Keyring, ids: list[Any], report: Report
) -> None:
    model = sealed.model
    attrs = [getattr(model, attr) for _, attr in sealed.columns]
    rows = (
        await session.execute(
            select(model.id, *attrs).where(model.id.in_(ids)).order_by(model.id).with_for_update()
        )
    ).all()
    for row in rows:
        values: dict[str, Any] = {}
        counts: list[str] = []
        for name, attr in sealed.columns:
            stored = getattr(row, attr)
            if stored is None or not keyring.needs_rotation(stored):
                continue
            ctx = context(sealed.table, str(row.id), name)
            try:
                if sealed.legacy_plaintext and not keyring.seals(stored):
                    plain = stored
                else:
                    plain = keyring.decrypt(stored, ctx)
            except DecryptionError:
                report.undecryptable.append(f"{sealed.table}/{row.id}/{name}")
                continue
            values[attr] = keyring.encrypt(plain, ctx)
            counts.append(f"{sealed.table}.{name}")
        if not values:
            continue
        if sealed.keep_updated_at:
            values["updated_at"] = model.updated_at
        await session.execute(update(model).where(model.id == row.id).values(**values))
        report.rows_updated += 1
        for name in counts:
            report.rotated[name] += 1


async def _count_stale(session: AsyncSession, sealed: SealedTable, current: str) -> int:
    """Values (not rows) in this table still under another key."""
    total = 0
    for _, attr in sealed.columns:
        stale = _under_other_key(getattr(sealed.model, attr), current)
        count = await session.scalar(select(func.count()).select_from(sealed.model).where(stale))
        total += int(count or 0)
    return total
