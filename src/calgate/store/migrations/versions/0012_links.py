"""private links: secret, expiring booking links to an event type

Revision ID: 0012_links
Revises: 0011_embed_origins
Create Date: 2026-11-26 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calgate.store.types

revision = "0012_links"
down_revision = "0011_embed_origins"
branch_labels = None
depends_on = None

UTC_DT = calgate.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "private_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=64), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTC_DT, nullable=True),
        sa.Column("max_usage_count", sa.Integer(), nullable=True),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.CheckConstraint(
            "max_usage_count IS NULL OR usage_count <= max_usage_count",
            name=op.f("ck_private_links_usage_within_max"),
        ),
        sa.ForeignKeyConstraint(
            ["event_type_id"],
            ["event_types.id"],
            name=op.f("fk_private_links_event_type_id_event_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_private_links")),
        sa.UniqueConstraint("link", name=op.f("uq_private_links_link")),
    )
    op.create_index(op.f("ix_private_links_event_type_id"), "private_links", ["event_type_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_private_links_event_type_id"), table_name="private_links")
    op.drop_table("private_links")
