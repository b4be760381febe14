"""An operator can run a dead job again: `verae jobs requeue ID`."""

from __future__ import annotations

import getpass
import subprocess
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import ANAEMIC_CSV, accepted_upload, job
from tests.processes import VERAE, environment
from verae.config import Settings
from verae.kit.deps import Services
from verae.models import AuditLog
from verae.worker import Worker

pytestmark = pytest.mark.slow


def _requeue(settings: Settings, job_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VERAE, "jobs", "requeue", job_id],
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("settings_overrides", [{"faults": ["transient@parsing=3"]}])
def test_a_job_that_failed_after_all_attempts_can_be_requeued_and_then_finishes(
    client: TestClient, user_headers: dict[str, str], worker: Worker, settings: Settings, services: Services
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    worker.run_pending()
    dead = job(client, user_headers, accepted["job_id"])
    assert (dead["status"], dead["attempts"]) == ("failed", 3)

    requeued = _requeue(settings, accepted["job_id"])
    assert requeued.returncode == 0, requeued.stderr
    assert job(client, user_headers, accepted["job_id"])["status"] == "queued"
    with services.db.unit_of_work(write=False) as session:
        (audited,) = session.scalars(select(AuditLog).where(AuditLog.action == "job.requeued")).all()
    assert audited.details == {"operator": f"cli:{getpass.getuser()}"}
    # The cause is gone (here: a worker without the injected fault), so the fresh attempt succeeds.
    fixed = Worker(db=services.db, blobs=services.blobs, settings=settings.model_copy(update={"faults": []}))
    assert fixed.run_pending() == 1
    finished = job(client, user_headers, accepted["job_id"])
    assert (finished["status"], finished["attempts"], finished["error_code"]) == ("done", 1, None)


def test_requeue_refuses_jobs_that_are_not_failed_or_do_not_exist(
    client: TestClient, user_headers: dict[str, str], settings: Settings
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    busy = _requeue(settings, accepted["job_id"])
    assert busy.returncode == 1
    assert "Only failed jobs" in busy.stderr
    missing = _requeue(settings, str(uuid.uuid4()))
    assert missing.returncode == 1
