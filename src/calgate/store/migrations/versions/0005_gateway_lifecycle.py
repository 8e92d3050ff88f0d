"""gateway lifecycle: refresh storm protection, keep-alive clock, account lookup

Revision ID: 0005_gateway_lifecycle
Revises: 0004
Create Date: 2026-11-26 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calgate.store.types

revision = "0005_gateway_lifecycle"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_DT = calgate.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("gateway_connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tokens_changed_at", UTC_DT, nullable=True))
        batch_op.add_column(
            sa.Column("refresh_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("refresh_retry_at", UTC_DT, nullable=True))
        batch_op.add_column(sa.Column("refresh_window_start", UTC_DT, nullable=True))
        batch_op.add_column(
            sa.Column("refresh_window_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_gateway_connections_account", ["gateway_key_id", "app", "account"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gateway_connections", schema=None) as batch_op:
        batch_op.drop_index("ix_gateway_connections_account")
        batch_op.drop_column("refresh_window_attempts")
        batch_op.drop_column("refresh_window_start")
        batch_op.drop_column("refresh_retry_at")
        batch_op.drop_column("refresh_failures")
        batch_op.drop_column("tokens_changed_at")
