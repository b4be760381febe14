"""Alembic environment: one set of migrations for SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context

from verae.config import Settings
from verae.kit.db import create_db_engine
from verae.models import Base

database_url = context.config.get_main_option("sqlalchemy.url") or Settings().database_url
engine = create_db_engine(database_url, pool_size=1)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
