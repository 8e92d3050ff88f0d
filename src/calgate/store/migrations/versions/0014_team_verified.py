"""team verified emails and phones (a team_id on verified_emails / verified_phones), and an
email's Reply-To on outbound_messages

A row with a team belongs to the team's list (its user is who verified it); each list holds an
address once, so the per-user unique constraints become two partial unique indexes.

Revision ID: 0014_team_verified
Revises: 0013_recurring
Create Date: 2026-11-26 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_team_verified"
down_revision = "0013_recurring"
branch_labels = None
depends_on = None

_TABLES = (("verified_emails", "email"), ("verified_phones", "phone_number"))


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.Text(), nullable=True))
    for table, column in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_team_id_teams"), "teams", ["team_id"], ["id"], ondelete="CASCADE"
            )
            batch_op.create_index(op.f(f"ix_{table}_team_id"), ["team_id"])
            batch_op.drop_constraint(op.f(f"uq_{table}_user_id_{column}"), type_="unique")
        personal = sa.text("team_id IS NULL")
        team = sa.text("team_id IS NOT NULL")
        op.create_index(
            f"ux_{table}_user_{column}",
            table,
            ["user_id", column],
            unique=True,
            sqlite_where=personal,
            postgresql_where=personal,
        )
        op.create_index(
            f"ux_{table}_team_{column}",
            table,
            ["team_id", column],
            unique=True,
            sqlite_where=team,
            postgresql_where=team,
        )


def downgrade() -> None:
    for table, column in _TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE team_id IS NOT NULL"))
        op.drop_index(f"ux_{table}_team_{column}", table_name=table)
        op.drop_index(f"ux_{table}_user_{column}", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_unique_constraint(
                op.f(f"uq_{table}_user_id_{column}"), ["user_id", column]
            )
            batch_op.drop_index(op.f(f"ix_{table}_team_id"))
            batch_op.drop_constraint(op.f(f"fk_{table}_team_id_teams"), type_="foreignkey")
            batch_op.drop_column("team_id")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
