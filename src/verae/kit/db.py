"""Engine, sessions and units of work for SQLite (embedded) and PostgreSQL (scaled) alike."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A pooled PostgreSQL connection idle for longer than this is checked before use.
IDLE_PING_SECONDS = 2.0
# Execution option naming the SQLite BEGIN mode; IMMEDIATE takes the write lock up front so a transaction
# that reads before it writes cannot fail with SQLITE_BUSY on upgrade.
SQLITE_BEGIN = "sqlite_begin"


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite which stores naive text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalize_database_url(url: str) -> str:
    """Accept the usual `postgresql://` spelling and use psycopg 3 for it."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_db_engine(database_url: str, *, pool_size: int = 10) -> Engine:
    url = make_url(normalize_database_url(database_url))
    if url.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
        _ping_connections_after_idle(engine)
        return engine
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _ping_connections_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle, where a restarted or failed-over
    server shows up. `pool_pre_ping` pings on every checkout: a round trip per transaction, about a fifth
    of a queued job's round trips. A connection that breaks while busy is invalidated by SQLAlchemy with
    the whole pool, and the request answers 503 (the worker retries)."""

    @event.listens_for(engine, "checkin")
    def _remember_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in_at", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:
            # The pool discards this connection and checks out (or opens) another one.
            raise DisconnectionError("connection failed its idle check") from error


class Database:
    """One engine and session factory per process; units of work commit on success, roll back on error."""

    def __init__(self, database_url: str, *, pool_size: int = 10) -> None:
        self.engine = create_db_engine(database_url, pool_size=pool_size)
        self.pool_size = pool_size  # and as many overflow connections
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        self._write_sessions = sessionmaker(self._write_engine, expire_on_commit=False)
        # PostgreSQL only: SQLite reads are in-process, and its BEGIN hook keeps them consistent.
        self._single_statement_engine = (
            self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def new_session(self, *, write: bool) -> Session:
        return (self._write_sessions if write else self._sessions)()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        session = self.new_session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def own_unit_of_work(self, *, ending: Session | None = None) -> Iterator[Session]:
        """A write of its own, committed here whatever happens to the request afterwards: the audit row of
        a failed login, an upload's rows written before and after its body streams. `ending` is the
        request's session, which must have written nothing yet: its transaction is ended first so that, on
        SQLite, the request gives up the write lock this unit of work needs."""
        if ending is not None:
            ending.rollback()
        with self.unit_of_work() as session:
            yield session

    def write_transaction(self) -> AbstractContextManager[Connection]:
        """A Core transaction that writes (on SQLite it takes the write lock up front), committed when the
        block succeeds. Use as a context manager."""
        return self._write_engine.begin()

    def single_statement(self) -> Connection:
        """A Core connection for a read that is one statement, without the ORM's per-session work; on
        PostgreSQL the statement commits on its own (it is its own snapshot), which saves the BEGIN and
        COMMIT round trips of a unit of work. Use as a context manager."""
        return self._single_statement_engine.connect()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
