"""upload idempotency key

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=128), nullable=True))
        batch_op.create_index(
            "ix_uploads_user_id_idempotency_key", ["user_id", "idempotency_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_uploads_user_id_idempotency_key")
        batch_op.drop_column("idempotency_key")
