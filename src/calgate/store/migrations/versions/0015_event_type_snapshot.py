"""parity2: a booking keeps the event type it was made for after that event type is deleted

Revision ID: 0015_event_type_snapshot
Revises: 0014_team_verified
Create Date: 2026-11-26 06:00:00.000000

`bookings.event_type_id` is set null when its event type is deleted (the foreign key's ON
DELETE SET NULL stays: ids may be reused, so a dangling id could name a new event type), and
Cal.com still answers `eventTypeId` and a minimal `eventType` for such bookings. So each
booking holds a snapshot {id, slug, title, length} of its event type, taken when it is made;
existing bookings are backfilled from their event type here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_event_type_snapshot"
down_revision = "0014_team_verified"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_type_snapshot", JSON, nullable=True))
    bookings = sa.table(
        "bookings",
        sa.column("id", sa.Integer),
        sa.column("event_type_id", sa.Integer),
        sa.column("event_type_snapshot", JSON),
    )
    event_types = sa.table(
        "event_types",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("title", sa.String),
        sa.column("length", sa.Integer),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(event_types.c.id, event_types.c.slug, event_types.c.title, event_types.c.length)
    ).all()
    for et_id, slug, title, length in rows:
        snapshot = {"id": et_id, "slug": slug, "title": title, "length": length}
        conn.execute(
            bookings.update()
            .where(bookings.c.event_type_id == et_id)
            .values(event_type_snapshot=snapshot)
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("event_type_snapshot")
