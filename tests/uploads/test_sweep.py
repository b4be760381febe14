"""The orphan-blob sweep: an old blob no upload row owns is deleted, and so is an abandoned partial write;
an owned blob is never deleted however old, and nothing younger than the grace period is touched."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ANAEMIC_CSV, accepted_upload, job
from tests.processes import VERAE, environment
from verae.config import Settings
from verae.kit.blobstore import BlobWriter
from verae.kit.deps import Services
from verae.uploads.service import blob_key
from verae.uploads.sweep import (
    REFERENCE_BATCH_SIZE,
    SUSPICIOUS_ORPHAN_COUNT,
    SweepRefused,
    SweepReport,
    sweep_orphan_blobs,
)
from verae.worker import Worker

GRACE = timedelta(hours=1)
OLD = timedelta(hours=2)


def _path(services: Services, key: str) -> Path:
    return services.settings.blob_dir / key


def _age(path: Path, age: timedelta) -> None:
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))


def _stored(services: Services, key: str, age: timedelta) -> Path:
    """A committed blob that no upload row owns, as a crash between blob commit and row commit leaves."""
    writer = services.blobs.open_writer(key)
    writer.write(b"a document")
    writer.commit()
    _age(_path(services, key), age)
    return _path(services, key)


def _orphan(services: Services, age: timedelta) -> Path:
    return _stored(services, blob_key(uuid.uuid4()), age)


def _uploaded(client: TestClient, headers: dict[str, str], services: Services, age: timedelta) -> Path:
    """A blob written by a real upload through the API (so its row exists), then made to look old."""
    accepted = accepted_upload(client, headers, ANAEMIC_CSV)
    path = _path(services, blob_key(uuid.UUID(accepted["upload_id"])))
    assert path.is_file()
    _age(path, age)
    return path


def _partial_write(services: Services, age: timedelta) -> tuple[str, BlobWriter, Path]:
    """A writer that has written but neither committed nor aborted, with its temporary file."""
    key = blob_key(uuid.uuid4())
    writer = services.blobs.open_writer(key)
    writer.write(b"half a docu")
    (temp_file,) = _path(services, key).parent.glob(f".{Path(key).name}.*.part")
    _age(temp_file, age)
    return key, writer, temp_file


def _sweep(
    services: Services, *, dry_run: bool = False, batch_size: int = REFERENCE_BATCH_SIZE
) -> SweepReport:
    return sweep_orphan_blobs(
        services.db, services.blobs, grace=GRACE, dry_run=dry_run, batch_size=batch_size
    )


def test_an_old_blob_no_upload_owns_is_deleted(services: Services) -> None:
    orphan = _orphan(services, OLD)
    report = _sweep(services)
    assert not orphan.exists()
    assert (report.blobs_seen, report.orphan_blobs, report.blobs_referenced) == (1, 1, 0)


def test_an_old_blob_an_upload_owns_is_kept_and_its_job_still_runs(
    client: TestClient, user_headers: dict[str, str], services: Services, worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    owned = _path(services, blob_key(uuid.UUID(accepted["upload_id"])))
    _age(owned, timedelta(days=30))
    orphan = _orphan(services, timedelta(days=30))
    report = _sweep(services)
    assert owned.read_bytes() == ANAEMIC_CSV.encode()
    assert not orphan.exists()  # the same sweep did delete: the owned blob was kept for its row
    assert (report.blobs_seen, report.blobs_referenced, report.orphan_blobs) == (2, 1, 1)
    assert worker.run_pending() == 1
    assert job(client, user_headers, accepted["job_id"])["status"] == "done"


def test_a_fresh_upload_through_the_api_survives_a_sweep_with_any_grace(
    client: TestClient, user_headers: dict[str, str], services: Services, worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    path = _path(services, blob_key(uuid.UUID(accepted["upload_id"])))
    # The shortest grace the command allows, so the blob is old enough to be judged by its row alone.
    _age(path, timedelta(minutes=5))
    report = sweep_orphan_blobs(services.db, services.blobs, grace=timedelta(minutes=1))
    assert path.is_file()
    assert (report.blobs_referenced, report.orphan_blobs) == (1, 0)
    worker.run_pending()
    assert job(client, user_headers, accepted["job_id"])["status"] == "done"


def test_an_orphan_younger_than_the_grace_period_is_kept(services: Services) -> None:
    orphan = _orphan(services, GRACE - timedelta(minutes=1))
    report = _sweep(services)
    assert orphan.is_file()
    assert (report.blobs_within_grace, report.orphan_blobs) == (1, 0)
    # Kept only for its age: a shorter grace period deletes it.
    sweep_orphan_blobs(services.db, services.blobs, grace=timedelta(minutes=30))
    assert not orphan.exists()


def test_a_stale_partial_write_is_removed_and_a_fresh_one_can_still_commit(services: Services) -> None:
    _, _, stale = _partial_write(services, OLD)
    key, in_flight, fresh = _partial_write(services, timedelta(minutes=5))
    report = _sweep(services)
    assert not stale.exists()
    assert fresh.is_file()
    assert (report.unfinished_writes_seen, report.stale_unfinished_writes) == (2, 1)
    in_flight.write(b"ment")
    in_flight.commit()
    assert services.blobs.read(key) == b"half a document"


def test_a_dry_run_deletes_nothing_but_counts_what_it_would(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    owned = _uploaded(client, user_headers, services, OLD)
    orphan = _orphan(services, OLD)
    fresh_orphan = _orphan(services, timedelta(minutes=1))
    _, _, stale = _partial_write(services, OLD)
    report = _sweep(services, dry_run=True)
    assert all(path.is_file() for path in (owned, orphan, fresh_orphan, stale))
    assert report == SweepReport(
        blobs_seen=3,
        blobs_within_grace=1,
        blobs_referenced=1,
        orphan_blobs=1,
        unfinished_writes_seen=1,
        stale_unfinished_writes=1,
        dry_run=True,
    )


def test_keys_are_checked_in_batches_and_every_owned_blob_survives(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    owned = [_uploaded(client, user_headers, services, OLD) for _ in range(3)]
    orphans = [_orphan(services, OLD) for _ in range(5)]
    report = _sweep(services, batch_size=2)
    assert all(path.is_file() for path in owned)
    assert not any(path.exists() for path in orphans)
    assert (report.blobs_seen, report.blobs_referenced, report.orphan_blobs) == (8, 3, 5)


def test_a_key_differing_from_an_owned_one_only_in_case_is_an_orphan(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    owned = _uploaded(client, user_headers, services, OLD)
    look_alike = _stored(services, f"uploads/{owned.name.upper()}", OLD)
    _sweep(services)
    assert owned.is_file()
    assert not look_alike.exists()


def test_blobs_outside_the_uploads_folder_are_not_the_sweeps_to_delete(services: Services) -> None:
    elsewhere = _stored(services, "exports/some-archive", OLD)
    report = _sweep(services)
    assert elsewhere.is_file()
    assert report.blobs_seen == 0


def test_mostly_orphans_look_like_a_wrong_database_and_nothing_is_deleted(services: Services) -> None:
    orphans = [_orphan(services, OLD) for _ in range(SUSPICIOUS_ORPHAN_COUNT + 1)]
    _, _, stale = _partial_write(services, OLD)
    for dry_run in (True, False):
        with pytest.raises(SweepRefused, match=f"^{len(orphans)} of {len(orphans)} blobs"):
            _sweep(services, dry_run=dry_run)
    assert all(orphan.is_file() for orphan in orphans)
    assert stale.is_file()

    report = sweep_orphan_blobs(services.db, services.blobs, grace=GRACE, force=True)
    assert report.orphan_blobs == len(orphans)
    assert not any(orphan.exists() for orphan in orphans)
    assert not stale.exists()


@pytest.mark.parametrize("settings_overrides", [{"upload_max_waiting_jobs_per_user": 100}])
def test_as_many_orphans_as_owned_blobs_are_still_deleted(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    count = SUSPICIOUS_ORPHAN_COUNT + 1  # above the floor: the share decides
    owned = [_uploaded(client, user_headers, services, OLD) for _ in range(count)]
    orphans = [_orphan(services, OLD) for _ in range(count)]
    report = _sweep(services)
    assert (report.orphan_blobs, report.blobs_referenced) == (count, count)
    assert not any(orphan.exists() for orphan in orphans)
    assert all(path.is_file() for path in owned)


def test_a_negative_grace_period_is_refused(services: Services) -> None:
    orphan = _orphan(services, timedelta(minutes=1))
    with pytest.raises(ValueError, match="grace"):
        sweep_orphan_blobs(services.db, services.blobs, grace=timedelta(minutes=-5))
    assert orphan.is_file()


def _run_sweep(settings: Settings, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VERAE, "blobs", "sweep", *options],
        env=environment(settings, VERAE_LOG_LEVEL="INFO"),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_the_command_reports_counts_on_a_dry_run_then_deletes_with_its_own_grace(
    client: TestClient, user_headers: dict[str, str], services: Services, settings: Settings
) -> None:
    owned = _uploaded(client, user_headers, services, OLD)
    orphan = _orphan(services, timedelta(minutes=20))
    _, _, stale = _partial_write(services, timedelta(minutes=20))

    default_grace = _run_sweep(settings, "--dry-run")
    assert default_grace.returncode == 0, default_grace.stderr
    assert "would delete 0 orphans" in default_grace.stderr

    dry = _run_sweep(settings, "--older-than-minutes", "10", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete 1 orphans" in dry.stderr
    assert "unfinished writes: 1 seen, would delete 1" in dry.stderr
    assert orphan.is_file()
    assert stale.is_file()

    swept = _run_sweep(settings, "--older-than-minutes", "10")
    assert swept.returncode == 0, swept.stderr
    assert "deleted 1 orphans" in swept.stderr
    assert owned.is_file()
    assert not orphan.exists()
    assert not stale.exists()
    (logged,) = [json.loads(line) for line in swept.stderr.splitlines() if '"blob_sweep_finished"' in line]
    assert logged["orphan_blobs"] == 1
    assert logged["stale_unfinished_writes"] == 1
    assert logged["blobs_referenced"] == 1
    assert logged["grace_seconds"] == 600
    assert orphan.name not in swept.stderr  # counts only, no keys


@pytest.mark.slow
def test_the_command_refuses_a_wrong_looking_database_unless_forced(
    services: Services, settings: Settings
) -> None:
    orphans = [_orphan(services, OLD) for _ in range(SUSPICIOUS_ORPHAN_COUNT + 1)]
    refused = _run_sweep(settings)
    assert refused.returncode == 2, refused.stderr
    said = " ".join(refused.stderr.split())  # the console wraps long lines
    assert f"{len(orphans)} of {len(orphans)} blobs older than the grace period have no upload row" in said
    assert "Nothing was deleted" in said
    assert "run again with --force" in said
    assert all(orphan.is_file() for orphan in orphans)

    forced = _run_sweep(settings, "--force")
    assert forced.returncode == 0, forced.stderr
    assert f"deleted {len(orphans)} orphans" in " ".join(forced.stderr.split())
    assert not any(orphan.exists() for orphan in orphans)


@pytest.mark.slow
def test_the_command_refuses_a_grace_period_under_a_minute(settings: Settings) -> None:
    refused = _run_sweep(settings, "--older-than-minutes", "0")
    assert refused.returncode == 2
