"""The funnel after a scripted day of traffic: retried uploads (one upload_success per stored upload),
refused files, repeat views; the API and `verae stats funnel` give the same report."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.admin.conftest import Person, run_cli
from tests.helpers import ANAEMIC_CSV, job, upload
from verae.config import Settings
from verae.worker import Worker


def test_the_funnel_counts_people_once_whatever_they_retry(
    client: TestClient,
    person: Callable[[], Person],
    staff: Callable[[str], Person],
    worker: Worker,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = staff("admin")
    anna, boris, clara = person(), person(), person()
    retried = {**anna.headers, "Idempotency-Key": "anna-report-1"}
    first, retry = upload(client, retried, ANAEMIC_CSV).json(), upload(client, retried, ANAEMIC_CSV).json()
    assert first["job_id"] == retry["job_id"]  # the client's retry stored nothing new
    assert upload(client, boris.headers, ANAEMIC_CSV).status_code == 202
    assert upload(client, clara.headers, b"\x00\x01 not a report").status_code == 415
    assert worker.run_pending() == 2
    result_id = job(client, anna.headers, first["job_id"])["result_id"]
    for _ in range(2):
        assert client.get(f"/api/v1/results/{result_id}", headers=anna.headers).status_code == 200

    report = client.get("/api/v1/admin/stats", params={"days": 1}, headers=admin.headers).json()
    steps = {step["step"]: step for step in report["funnel"]}
    assert {name: step["people"] for name, step in steps.items()} == {
        "signup": 4,  # the admin signed up too
        "upload_started": 3,
        "upload_success": 2,
        "job_created": 2,
        "result_viewed": 1,
    }
    assert {name: step["events"] for name, step in steps.items()} == {
        "signup": 4,
        "upload_started": 4,  # Anna's retry started again
        "upload_success": 2,  # one per stored upload
        "job_created": 2,
        "result_viewed": 2,
    }
    assert [step["conversion"] for step in report["funnel"]] == [None, 0.75, pytest.approx(2 / 3), 1.0, 0.5]
    assert report["days"][-1]["people"] == {name: step["people"] for name, step in steps.items()}
    processing = report["processing"]
    assert (processing["finished"], processing["done"], processing["failed"]) == (2, 2, 0)
    assert 0 < processing["p50_seconds"] <= processing["p95_seconds"]

    printed = run_cli(settings, monkeypatch, "stats", "funnel", "--days", "1", "--json")
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["funnel"] == report["funnel"]
    table = run_cli(settings, monkeypatch, "stats", "funnel", "--days", "1")
    assert "result_viewed" in table.stdout
    assert "75%" in table.stdout
