"""drop the unused jobs.dedupe_key

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_jobs_dedupe_key", type_="unique")
        batch_op.drop_column("dedupe_key")


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=128), nullable=True))
        batch_op.create_unique_constraint("uq_jobs_dedupe_key", ["dedupe_key"])
