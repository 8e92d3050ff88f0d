"""verified emails and phones, verification codes, the outbound message outbox

Revision ID: 0009_emails
Revises: 0008_calendars
Create Date: 2026-11-26 02:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calgate.store.types

revision = "0009_emails"
down_revision = "0008_calendars"
branch_labels = None
depends_on = None

UTC_DT = calgate.store.types.UTCDateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "verified_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        _user_fk("verified_emails"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verified_emails")),
        sa.UniqueConstraint("user_id", "email", name=op.f("uq_verified_emails_user_id_email")),
    )
    op.create_index(op.f("ix_verified_emails_user_id"), "verified_emails", ["user_id"])
    op.create_table(
        "verified_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phone_number", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        _user_fk("verified_phones"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verified_phones")),
        sa.UniqueConstraint(
            "user_id", "phone_number", name=op.f("uq_verified_phones_user_id_phone_number")
        ),
    )
    op.create_index(op.f("ix_verified_phones_user_id"), "verified_phones", ["user_id"])
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=320), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTC_DT, nullable=False),
        sa.Column("used_at", UTC_DT, nullable=True),
        sa.Column("created_at", UTC_DT, nullable=False),
        _user_fk("verification_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_codes")),
    )
    op.create_index(op.f("ix_verification_codes_user_id"), "verification_codes", ["user_id"])
    op.create_index(
        "ix_verification_codes_target", "verification_codes", ["user_id", "channel", "target"]
    )
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("booking_uid", sa.String(length=64), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("ics", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", UTC_DT, nullable=False),
        sa.Column("locked_until", UTC_DT, nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", UTC_DT, nullable=True),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_messages_message_id")),
    )
    op.create_index(op.f("ix_outbound_messages_booking_uid"), "outbound_messages", ["booking_uid"])
    op.create_index("ix_outbound_messages_due", "outbound_messages", ["status", "not_before"])


def downgrade() -> None:
    op.drop_index("ix_outbound_messages_due", table_name="outbound_messages")
    op.drop_index(op.f("ix_outbound_messages_booking_uid"), table_name="outbound_messages")
    op.drop_table("outbound_messages")
    op.drop_index("ix_verification_codes_target", table_name="verification_codes")
    op.drop_index(op.f("ix_verification_codes_user_id"), table_name="verification_codes")
    op.drop_table("verification_codes")
    op.drop_index(op.f("ix_verified_phones_user_id"), table_name="verified_phones")
    op.drop_table("verified_phones")
    op.drop_index(op.f("ix_verified_emails_user_id"), table_name="verified_emails")
    op.drop_table("verified_emails")
