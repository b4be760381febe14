"""account safety: a login session's start (absolute lifetime) and password-reset tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 17:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import verae.kit.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_started_at", verae.kit.db.UtcDateTime(timezone=True), nullable=True)
        )
    # A session that began before this revision counts from its family's first token.
    op.execute(
        "UPDATE refresh_tokens SET session_started_at = (SELECT MIN(first.created_at) FROM refresh_tokens "
        "AS first WHERE first.family_id = refresh_tokens.family_id)"
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "session_started_at", existing_type=verae.kit.db.UtcDateTime(timezone=True), nullable=False
        )

    op.create_table(
        "password_reset_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", verae.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", verae.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", verae.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_reset_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_tokens_user_id"))
    op.drop_table("password_reset_tokens")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_column("session_started_at")
