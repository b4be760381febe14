"""Real `verae worker` processes: killed mid-job, stopped gracefully, several at once — exactly once."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.helpers import ANAEMIC_CSV, accepted_upload
from tests.processes import environment, verae_process, wait_for
from verae.config import Settings
from verae.kit.deps import Services
from verae.models import AuditLog, Job, Result

pytestmark = pytest.mark.slow


def _job(services: Services, job_id: str) -> Job:
    with services.db.unit_of_work(write=False) as session:
        job = session.get(Job, uuid.UUID(job_id))
        assert job is not None
        return job


def _count(services: Services, statement: object) -> int:
    with services.db.unit_of_work(write=False) as session:
        return session.scalar(statement) or 0  # type: ignore[call-overload]


@pytest.mark.parametrize("settings_overrides", [{"job_lease_seconds": 2.0}])
def test_a_worker_killed_mid_job_loses_nothing_and_the_job_finishes_exactly_once(
    client: TestClient, user_headers: dict[str, str], services: Services, settings: Settings, tmp_path: Path
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    slow = environment(settings, VERAE_JOB_LEASE_SECONDS="2", VERAE_FAULTS="delay@inference=30")
    with verae_process(["worker", "--concurrency", "1"], slow, tmp_path / "victim.log") as victim:
        wait_for(
            lambda: _job(services, accepted["job_id"]).progress_stage == "inference",
            30,
            "the job to be mid-way",
        )
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    assert _job(services, accepted["job_id"]).state == "running"  # stranded under a lease that will expire

    healthy = environment(settings, VERAE_JOB_LEASE_SECONDS="2")
    with verae_process(["worker", "--concurrency", "1"], healthy, tmp_path / "rescuer.log"):
        wait_for(
            lambda: _job(services, accepted["job_id"]).state == "done", 60, "another worker to finish the job"
        )
    finished = _job(services, accepted["job_id"])
    assert finished.attempt == 2
    assert _count(services, select(func.count()).select_from(Result)) == 1
    done_rows = select(func.count()).where(
        AuditLog.action == "job.done", AuditLog.object_id == accepted["job_id"]
    )
    assert _count(services, done_rows) == 1


def test_sigterm_lets_the_worker_finish_the_job_in_hand_then_exit(
    client: TestClient, user_headers: dict[str, str], services: Services, settings: Settings, tmp_path: Path
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    env = environment(settings, VERAE_FAULTS="delay@inference=1.5")
    with verae_process(["worker", "--concurrency", "1"], env, tmp_path / "worker.log") as worker:
        wait_for(
            lambda: _job(services, accepted["job_id"]).progress_stage == "inference", 30, "the job to start"
        )
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    finished = _job(services, accepted["job_id"])
    assert (finished.state, finished.attempt) == ("done", 1)


@pytest.mark.parametrize("settings_overrides", [{"upload_max_waiting_jobs_per_user": 100}])
def test_several_worker_processes_share_the_queue_and_run_every_job_once(
    client: TestClient, user_headers: dict[str, str], services: Services, settings: Settings, tmp_path: Path
) -> None:
    job_ids = [accepted_upload(client, user_headers, ANAEMIC_CSV)["job_id"] for _ in range(40)]
    env = environment(settings)
    with (
        verae_process(["worker", "--concurrency", "2"], env, tmp_path / "a.log"),
        verae_process(["worker", "--concurrency", "2"], env, tmp_path / "b.log"),
    ):
        wait_for(
            lambda: _count(services, select(func.count()).select_from(Job).where(Job.state == "done")) == 40,
            120,
            "all jobs to finish",
        )
    assert _count(services, select(func.count()).select_from(Result)) == 40
    assert _count(services, select(func.count()).where(AuditLog.action == "job.done")) == 40
    assert _count(services, select(func.count()).select_from(Job).where(Job.attempt != 1)) == 0
    assert len(job_ids) == 40
