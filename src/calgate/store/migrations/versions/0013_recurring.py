"""recurring bookings: the series uid every occurrence shares

Revision ID: 0013_recurring
Revises: 0012_links
Create Date: 2026-11-26 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_recurring"
down_revision = "0012_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recurring_event_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_bookings_recurring_event_id"), ["recurring_event_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_recurring_event_id"))
        batch_op.drop_column("recurring_event_id")
