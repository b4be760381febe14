"""Least data kept: private document files, audited reads of health data, and the retention purge."""

from __future__ import annotations

import stat
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.helpers import ANAEMIC_CSV, Register, accepted_upload
from verae.kit.deps import Services
from verae.kit.time import utcnow
from verae.models import AuditLog, LoginAttempt, RateLimitWindow, ShareAccess, ShareLink
from verae.queue import worker as queue_worker
from verae.queue.worker import PeriodicTask
from verae.retention import purge_expired_personal_data
from verae.worker import Worker


def _blob_modes(services: Services) -> set[int]:
    root = services.settings.blob_dir
    return {stat.S_IMODE(path.stat().st_mode) for path in Path(root).rglob("*") if path.is_file()}


def test_uploaded_documents_are_readable_by_the_service_alone(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    accepted_upload(client, user_headers, ANAEMIC_CSV)
    assert _blob_modes(services) == {0o600}


@pytest.mark.parametrize("settings_overrides", [{"blob_group_readable": True}])
def test_documents_can_be_made_group_readable_for_backups(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    accepted_upload(client, user_headers, ANAEMIC_CSV)
    assert _blob_modes(services) == {0o640}


def test_reads_of_health_data_and_profile_changes_are_audited(
    client: TestClient, user_headers: dict[str, str], services: Services, worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    worker.run_pending()
    assert client.get(f"/api/v1/jobs/{accepted['job_id']}/values", headers=user_headers).status_code == 200
    assert client.get("/api/v1/results", headers=user_headers).status_code == 200
    assert client.patch("/api/v1/me", json={"weight_kg": 61.5}, headers=user_headers).status_code == 200
    with services.db.unit_of_work(write=False) as session:
        rows = {row.action: row for row in session.scalars(select(AuditLog))}
    assert rows["job.values_viewed"].object_id == accepted["job_id"]
    assert rows["results.listed"].details == {"count": 1}
    assert rows["user.profile_updated"].details == {"fields": ["weight_kg"]}
    assert "61.5" not in str(rows["user.profile_updated"].details)


def test_the_purge_deletes_old_login_attempts_ended_limit_windows_and_share_links_and_erases_old_addresses_only(
    client: TestClient, services: Services, register: Register
) -> None:
    settings = services.settings
    now = utcnow()
    owner = uuid.UUID(client.get("/api/v1/me", headers=register()["headers"]).json()["id"])
    long_ago = now - timedelta(days=settings.share_link_retention_days + 1)
    with services.db.unit_of_work() as session:
        links = {
            "expired long ago": ShareLink(user_id=owner, token_hash="a" * 64, expires_at=long_ago),
            "revoked long ago": ShareLink(
                user_id=owner, token_hash="b" * 64, expires_at=now + timedelta(days=1), revoked_at=long_ago
            ),
            "expired yesterday": ShareLink(
                user_id=owner, token_hash="c" * 64, expires_at=now - timedelta(days=1)
            ),
            "active": ShareLink(user_id=owner, token_hash="d" * 64, expires_at=now + timedelta(days=1)),
        }
        for label, link in links.items():
            link.label = label
            session.add(link)
        session.flush()
        session.add(ShareAccess(link_id=links["expired long ago"].id, view="json", outcome="opened"))
        ended, current = int(now.timestamp()) - 120, int(now.timestamp()) // 60 * 60
        session.add(
            RateLimitWindow(key="predict:192.0.2.3", window_start=ended, window_end=ended + 60, hits=3)
        )
        session.add(
            RateLimitWindow(key="predict:192.0.2.3", window_start=current, window_end=current + 60, hits=1)
        )
        for days_ago in (settings.login_attempt_retention_days + 1, 1):
            session.add(
                LoginAttempt(
                    email_hash="k", ip="192.0.2.1", succeeded=False, created_at=now - timedelta(days=days_ago)
                )
            )
        for days_ago in (settings.audit_ip_retention_days + 1, 1):
            session.add(AuditLog(action=f"test.{days_ago}", ip="192.0.2.2", details={}))
    with services.db.unit_of_work() as session:
        old = f"test.{settings.audit_ip_retention_days + 1}"
        session.execute(
            update(AuditLog)
            .where(AuditLog.action == old)
            .values(created_at=now - timedelta(days=settings.audit_ip_retention_days + 1))
        )
    report = purge_expired_personal_data(services.db, settings)
    deleted = (
        report.login_attempts_deleted,
        report.audit_addresses_erased,
        report.rate_limit_windows_deleted,
        report.share_links_deleted,
    )
    assert deleted == (1, 1, 1, 2)
    with services.db.unit_of_work(write=False) as session:
        assert len(session.scalars(select(LoginAttempt)).all()) == 1
        assert session.scalars(select(RateLimitWindow.window_start)).all() == [current]
        assert sorted(str(label) for label in session.scalars(select(ShareLink.label))) == [
            "active",
            "expired yesterday",
        ]
        assert session.scalars(select(ShareAccess)).all() == []
        addresses = dict(
            session.execute(select(AuditLog.action, AuditLog.ip).where(AuditLog.action.like("test.%"))).all()
        )
    assert addresses == {old: None, "test.1": "192.0.2.2"}
    assert purge_expired_personal_data(services.db, settings) == type(report)(0, 0, 0, 0)


def test_workers_run_their_periodic_tasks_and_survive_a_failing_one(services: Services) -> None:
    failed_twice = threading.Event()
    calls = {"failing": 0}

    def failing() -> None:
        calls["failing"] += 1
        if calls["failing"] == 2:
            failed_twice.set()
        raise RuntimeError("maintenance failed")

    others_ran = threading.Event()
    running = queue_worker.Worker(
        db=services.db,
        blobs=services.blobs,
        settings=services.settings.model_copy(update={"job_poll_interval_seconds": 0.01}),
        handlers={},
        periodic=(PeriodicTask("failing", 0.02, failing), PeriodicTask("marker", 0.05, others_ran.set)),
    )
    running.start()
    try:
        # The failure is tried again at its next interval, and the other task runs regardless.
        assert failed_twice.wait(10)
        assert others_ran.wait(10)
    finally:
        running.stop()
