"""rate-limit windows shared by every process (kit/limiter.py)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("window_end", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_limit_windows")),
    )
    op.create_index("ix_rate_limit_windows_window_end", "rate_limit_windows", ["window_end"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_windows_window_end", table_name="rate_limit_windows")
    op.drop_table("rate_limit_windows")
