"""connected calendars: credentials (password sealed), calendars with their cached busy time,
the write-back outbox and conferencing apps

Revision ID: 0008_calendars
Revises: 0007_teams
Create Date: 2026-11-26 02:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import calgate.store.types

revision = "0008_calendars"
down_revision = "0007_teams"
branch_labels = None
depends_on = None

UTC_DT = calgate.store.types.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "calendar_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=32), nullable=False),
        sa.Column("server_url", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("password_enc", sa.Text(), nullable=True),
        sa.Column("invalid", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_credentials")),
    )
    with op.batch_alter_table("calendar_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_credentials_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("destination", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("busy", JSON, nullable=False),
        sa.Column("busy_from", UTC_DT, nullable=True),
        sa.Column("busy_to", UTC_DT, nullable=True),
        sa.Column("fetched_at", UTC_DT, nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("fetch_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["calendar_credentials.id"],
            name=op.f("fk_calendars_credential_id_calendar_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_calendars_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendars")),
        sa.UniqueConstraint(
            "credential_id", "external_id", name=op.f("uq_calendars_credential_id_external_id")
        ),
    )
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendars_credential_id"), ["credential_id"])
        batch_op.create_index(batch_op.f("ix_calendars_user_id"), ["user_id"])
    op.create_table(
        "calendar_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("booking_uid", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", UTC_DT, nullable=False),
        sa.Column("locked_until", UTC_DT, nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_calendar_writes_calendar_id_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_writes")),
    )
    with op.batch_alter_table("calendar_writes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_writes_calendar_id"), ["calendar_id"])
        batch_op.create_index(batch_op.f("ix_calendar_writes_booking_uid"), ["booking_uid"])
        batch_op.create_index("ix_calendar_writes_due", ["status", "not_before"])
    op.create_table(
        "conferencing_apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=32), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_conferencing_apps_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conferencing_apps")),
        sa.UniqueConstraint("user_id", "app", name=op.f("uq_conferencing_apps_user_id_app")),
    )
    with op.batch_alter_table("conferencing_apps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conferencing_apps_user_id"), ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("conferencing_apps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conferencing_apps_user_id"))
    op.drop_table("conferencing_apps")
    with op.batch_alter_table("calendar_writes", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_writes_due")
        batch_op.drop_index(batch_op.f("ix_calendar_writes_booking_uid"))
        batch_op.drop_index(batch_op.f("ix_calendar_writes_calendar_id"))
    op.drop_table("calendar_writes")
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendars_user_id"))
        batch_op.drop_index(batch_op.f("ix_calendars_credential_id"))
    op.drop_table("calendars")
    with op.batch_alter_table("calendar_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_credentials_user_id"))
    op.drop_table("calendar_credentials")
