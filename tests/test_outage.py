"""PostgreSQL goes away for 10 s while requests and jobs flow: fast 503s, not ready, workers back off and
resume, nothing accepted is lost. Uses its own PostgreSQL server so the rest of the suite is unaffected."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import REPO, TEST_JWT_SECRET, auth_headers
from tests.helpers import ANAEMIC_CSV, upload
from tests.processes import wait_for
from verae.app import create_app
from verae.config import Settings
from verae.kit.deps import Services
from verae.migrations import alembic_config
from verae.models import Job, Result
from verae.worker import Worker

pytestmark = pytest.mark.slow
PORT = "55433"


def _bin_dir() -> Path:
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]


def _pg_ctl(data_dir: Path, *args: str) -> None:
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*runner, str(_bin_dir() / "pg_ctl"), "-D", str(data_dir), *args], check=True, capture_output=True
    )


def _start(data_dir: Path) -> str:
    env = {**os.environ, "VERAE_TEST_PG_PORT": PORT, "VERAE_TEST_PG_DIR": str(data_dir)}
    started = subprocess.run(
        [str(REPO / "scripts" / "test-postgres.sh")], env=env, check=True, capture_output=True, text=True
    )
    return started.stdout.strip()


@pytest.fixture
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = Path(f"/tmp/verae-outage-pg-{uuid.uuid4().hex[:8]}")
    admin_url = _start(data_dir)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(b"CREATE DATABASE verae")
    database_url = admin_url.rsplit("/", 1)[0] + "/verae"
    command.upgrade(alembic_config(database_url), "head")
    try:
        yield database_url, data_dir
    finally:
        _pg_ctl(data_dir, "stop", "-m", "immediate")
        subprocess.run(["rm", "-rf", str(data_dir)], check=False)


def test_a_ten_second_database_outage_gives_fast_503s_and_loses_nothing(
    own_postgres: tuple[str, Path], tmp_path: Path
) -> None:
    database_url, data_dir = own_postgres
    settings = Settings(
        env="test",
        database_url=database_url,
        blob_dir=tmp_path / "blobs",
        jwt_secret=TEST_JWT_SECRET,
        job_poll_interval_seconds=0.1,
        job_retry_base_seconds=0.2,
        job_lease_seconds=3.0,
        log_level="WARNING",
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        services: Services = client.app.state.services  # type: ignore[attr-defined]
        worker = Worker(db=services.db, blobs=services.blobs, settings=settings, concurrency=2)
        registered = client.post(
            "/api/v1/auth/register", json={"email": "outage@example.com", "password": "steady-iron-77"}
        ).json()
        headers = auth_headers(registered["access_token"])
        before = [upload(client, headers, ANAEMIC_CSV).json()["job_id"] for _ in range(10)]
        worker.start()
        try:
            _pg_ctl(data_dir, "stop", "-m", "fast")
            outage_started = time.monotonic()
            while time.monotonic() - outage_started < 10:
                asked = time.monotonic()
                status = client.get(f"/api/v1/jobs/{before[0]}", headers=headers)
                assert time.monotonic() - asked < 5
                assert status.status_code == 503, status.text
                assert status.json()["error"]["code"] == "service_unavailable"
                assert client.get("/ready").status_code == 503
                refused = upload(client, headers, ANAEMIC_CSV)
                assert refused.status_code == 503
                time.sleep(0.5)
            _start(data_dir)

            after = [upload(client, headers, ANAEMIC_CSV).json()["job_id"] for _ in range(5)]
            assert client.get("/ready").status_code == 200

            def all_done() -> bool:
                with services.db.unit_of_work(write=False) as session:
                    done = session.scalar(select(func.count()).select_from(Job).where(Job.state == "done"))
                    return done == len(before) + len(after)

            wait_for(all_done, 60, "the workers to resume and finish every job")
        finally:
            worker.stop()
        with services.db.unit_of_work(write=False) as session:
            assert session.scalar(select(func.count()).select_from(Job)) == 15
            assert session.scalar(select(func.count()).select_from(Result)) == 15
