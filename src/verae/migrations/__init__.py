"""Alembic migrations: one set for SQLite and PostgreSQL, applied by `verae db upgrade` and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config
