"""one calendar UID per meeting: a rescheduled booking keeps its first booking's UID

Revision ID: 0016_meeting_uid
Revises: 0015_event_type_snapshot
Create Date: 2026-11-27 06:00:00.000000

A reschedule makes a new booking. Its emails always carried the first booking's UID (with a
SEQUENCE counting the moves), but the booking itself got a fresh `ics_uid`, which the API
(`icsUid`) and webhooks (`iCalUID`) showed. Cal.com's new booking keeps the old one's iCalUID and raises
iCalSequence, and every calendar surface now uses the booking's own UID, so each booking of a
reschedule chain takes its chain's first UID (`ics_uid`, else `<uid>@calgate`, the UID its
invites had), and `ics_sequence` its place in the chain. Bookings never moved keep theirs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_meeting_uid"
down_revision = "0015_event_type_snapshot"
branch_labels = None
depends_on = None

# The emails' chain walk stopped after this many steps; the same bound keeps a (never
# written, but possible in imported data) cycle from recursing forever.
_CHAIN_LIMIT = 1000

# Each chain from its first booking (no predecessor, or one that no longer exists).
_CHAINS = sa.text(
    """
    WITH RECURSIVE chain(uid, first_uid, depth) AS (
        SELECT uid, COALESCE(ics_uid, uid || '@calgate'), 0 FROM bookings
        WHERE from_reschedule IS NULL
           OR from_reschedule NOT IN (SELECT uid FROM bookings)
        UNION ALL
        SELECT b.uid, chain.first_uid, chain.depth + 1
        FROM bookings b JOIN chain ON b.from_reschedule = chain.uid
        WHERE chain.depth < :limit
    )
    SELECT uid, first_uid, depth FROM chain WHERE depth > 0
    """
)


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ics_sequence", sa.Integer(), nullable=False, server_default="0")
        )
    bookings = sa.table(
        "bookings",
        sa.column("uid", sa.String),
        sa.column("ics_uid", sa.String),
        sa.column("ics_sequence", sa.Integer),
    )
    conn = op.get_bind()
    moved = conn.execute(_CHAINS, {"limit": _CHAIN_LIMIT}).all()
    for uid, first_uid, depth in moved:
        conn.execute(
            bookings.update()
            .where(bookings.c.uid == uid)
            .values(ics_uid=first_uid, ics_sequence=depth)
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("ics_sequence")
