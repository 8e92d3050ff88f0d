"""gateway: gateway keys and OAuth connections

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 21:01:56.828588
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import calgate.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_DT = calgate.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gateway_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_gateway_keys_key_hash")),
    )
    op.create_table(
        "gateway_connections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("gateway_key_id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("account", sa.String(length=255), nullable=True),
        sa.Column("access_token_enc", sa.Text(), nullable=True),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("expires_at", UTC_DT, nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("refresh_lease_until", UTC_DT, nullable=True),
        sa.Column("session_token_hash", sa.String(length=64), nullable=True),
        sa.Column("session_token_enc", sa.Text(), nullable=True),
        sa.Column("session_expires_at", UTC_DT, nullable=True),
        sa.Column("session_used_at", UTC_DT, nullable=True),
        sa.Column("state_hash", sa.String(length=64), nullable=True),
        sa.Column("pkce_verifier_enc", sa.Text(), nullable=True),
        sa.Column("state_expires_at", UTC_DT, nullable=True),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("updated_at", UTC_DT, nullable=False),
        sa.ForeignKeyConstraint(
            ["gateway_key_id"],
            ["gateway_keys.id"],
            name=op.f("fk_gateway_connections_gateway_key_id_gateway_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_connections")),
        sa.UniqueConstraint(
            "session_token_hash", name=op.f("uq_gateway_connections_session_token_hash")
        ),
        sa.UniqueConstraint("state_hash", name=op.f("uq_gateway_connections_state_hash")),
    )
    with op.batch_alter_table("gateway_connections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gateway_connections_owner", ["gateway_key_id", "app", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gateway_connections", schema=None) as batch_op:
        batch_op.drop_index("ix_gateway_connections_owner")
    op.drop_table("gateway_connections")
    op.drop_table("gateway_keys")
