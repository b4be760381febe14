"""An idle worker starts a new job at once: NOTIFY on PostgreSQL, the shared in-process Wakeup on SQLite."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ANAEMIC_CSV, accepted_upload
from tests.processes import wait_for
from verae.kit.deps import Services
from verae.models import Job
from verae.queue.wakeup import Wakeup
from verae.worker import Worker


@pytest.mark.parametrize("settings_overrides", [{"job_poll_interval_seconds": 120.0}])
def test_an_idle_worker_wakes_for_a_new_job_long_before_its_next_poll(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    # On PostgreSQL the worker gets its own Wakeup, as a separate process would: only NOTIFY can reach it.
    wakeup = services.wakeup if services.db.is_sqlite else Wakeup()
    worker = Worker(db=services.db, blobs=services.blobs, settings=services.settings, wakeup=wakeup)
    worker.start()
    try:
        time.sleep(1.0)  # the worker has found nothing and sleeps until its next poll, two minutes away
        accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)

        def done() -> bool:
            with services.db.unit_of_work(write=False) as session:
                job = session.get(Job, uuid.UUID(accepted["job_id"]))
                return job is not None and job.state == "done"

        wait_for(done, 20, "the woken worker to finish the job")
    finally:
        worker.stop()
