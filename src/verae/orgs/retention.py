"""Organisations' retention periods: every worker, hourly, deletes the documents and results an
organisation keeps for fewer days than they have existed. Each deletion leaves the result's id with the
checksums of what went (so its link answers 410, and what was deleted can be proven), and an audit row.
Running it twice, or in several workers at once, deletes nothing twice: a row is deleted with RETURNING
and only the transaction that deleted it records it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from verae.kit.blobstore import BlobStore
from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.models import ExpiredResult
from verae.observability.audit import record_audit
from verae.observability.logging import get_logger
from verae.orgs import repository

log = get_logger("verae.retention")

BATCH = 200


@dataclass(frozen=True)
class RetentionReport:
    uploads_deleted: int
    blobs_not_deleted: int


def result_checksum(report: dict[str, object], risk: dict[str, object]) -> str:
    """SHA-256 of the result's stored content, canonical JSON (sorted keys, compact)."""
    canonical = json.dumps({"report": report, "risk": risk}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def expire_organisation_data(db: Database, blobs: BlobStore) -> RetentionReport:
    deleted, blob_failures = 0, 0
    now = utcnow()
    with db.unit_of_work(write=False) as session:
        organisations = [
            (found.id, found.user_id, found.retention_days)
            for found in repository.organisations_with_retention(session)
        ]
    for organisation_id, user_id, days in organisations:
        assert days is not None
        cutoff = now - timedelta(days=days)
        while True:
            with db.unit_of_work() as session:
                expired = repository.expired_uploads(session, user_id, cutoff, BATCH)
                gone = []
                for row in expired:
                    if not repository.delete_upload(session, row.upload_id):
                        continue  # another worker took it
                    gone.append(row.blob_key)
                    details = {"upload_id": str(row.upload_id), "document_sha256": row.document_sha256}
                    if row.result_id is not None:
                        checksum = result_checksum(row.report, row.risk)
                        session.add(
                            ExpiredResult(
                                result_id=row.result_id,
                                user_id=user_id,
                                expired_at=now,
                                document_sha256=row.document_sha256,
                                result_sha256=checksum,
                            )
                        )
                        details |= {"result_id": str(row.result_id), "result_sha256": checksum}
                    record_audit(
                        session,
                        "retention.expired",
                        user_id=None,
                        object_type="organisation",
                        object_id=organisation_id,
                        details=details,
                    )
            # After the commit: a blob that fails to go belongs to no upload, and `verae blobs sweep` takes it.
            for blob_key in gone:
                try:
                    blobs.delete(blob_key)
                except Exception as error:
                    blob_failures += 1
                    log.warning("retention_blob_not_deleted", error_type=type(error).__name__)
            deleted += len(gone)
            if len(expired) < BATCH:
                break
    return RetentionReport(uploads_deleted=deleted, blobs_not_deleted=blob_failures)
