"""gateway events: per-key events URL and secret, and the gateway event outbox

Revision ID: 0006_gateway_events
Revises: 0005_gateway_lifecycle
Create Date: 2026-11-26 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calgate.store.types

revision = "0006_gateway_events"
down_revision = "0005_gateway_lifecycle"
branch_labels = None
depends_on = None

UTC_DT = calgate.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("gateway_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("events_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("events_secret_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("events_since", UTC_DT, nullable=True))
    op.create_table(
        "gateway_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("gateway_key_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", UTC_DT, nullable=False),
        sa.Column("locked_until", UTC_DT, nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", UTC_DT, nullable=True),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.ForeignKeyConstraint(
            ["gateway_key_id"],
            ["gateway_keys.id"],
            name=op.f("fk_gateway_events_gateway_key_id_gateway_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_events")),
        sa.UniqueConstraint("message_id", name=op.f("uq_gateway_events_message_id")),
    )
    with op.batch_alter_table("gateway_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gateway_events_gateway_key_id"), ["gateway_key_id"], unique=False
        )
        batch_op.create_index("ix_gateway_events_due", ["status", "not_before"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gateway_events", schema=None) as batch_op:
        batch_op.drop_index("ix_gateway_events_due")
        batch_op.drop_index(batch_op.f("ix_gateway_events_gateway_key_id"))
    op.drop_table("gateway_events")
    with op.batch_alter_table("gateway_keys", schema=None) as batch_op:
        batch_op.drop_column("events_since")
        batch_op.drop_column("events_secret_enc")
        batch_op.drop_column("events_url")
