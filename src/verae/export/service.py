"""Everything held about a person, as a ZIP; a result as a PDF report or a FHIR Bundle."""

from __future__ import annotations

import json
import tempfile
import uuid
import zipfile
from pathlib import PurePosixPath
from typing import IO, Any

from sqlalchemy.orm import Session

from verae.export import repository
from verae.export.fhir import result_bundle
from verae.jobs.inputs import REVIEWED_VALUES
from verae.kit.blobstore import BlobStore
from verae.kit.time import utcnow
from verae.models import Job, Result, User
from verae.observability.audit import record_audit
from verae.results import repository as results_repository
from verae.results.errors import ResultNotFound
from verae.results.schemas import ResultOut
from verae.risk.schemas import Language
from verae.sharing import repository as sharing_repository

# Past this the ZIP being built moves from memory to a temporary file.
_IN_MEMORY_BYTES = 8 * 1024 * 1024


def export_account(session: Session, blobs: BlobStore, user: User) -> IO[bytes]:
    """The ZIP, rewound: export.json and, under documents/, every uploaded document as it was received."""
    uploads = repository.uploads_of_user(session, user.id)
    documents = {upload.id: _document_name(upload.id, upload.filename) for upload in uploads}
    results = repository.results_of_user(session, user.id)
    filenames = results_repository.source_filenames(session, results)
    data = {
        "format": "verae-export-1",
        "exported_at": utcnow().isoformat(),
        "profile": {
            "id": str(user.id),
            "email": user.email,
            "created_at": user.created_at.isoformat(),
            "sex": user.sex,
            "birth_date": user.birth_date.isoformat() if user.birth_date else None,
            "height_cm": user.height_cm,
            "weight_kg": user.weight_kg,
        },
        "uploads": [
            {
                "id": str(upload.id),
                "created_at": upload.created_at.isoformat(),
                "filename": upload.filename,
                "media_type": upload.media_type,
                "size_bytes": upload.size_bytes,
                "sha256": upload.sha256,
                "document": documents[upload.id],
            }
            for upload in uploads
        ],
        "jobs": [_job(job) for job in repository.jobs_of_user(session, user.id)],
        "results": [
            ResultOut.of(result, filenames.get(result.id)).model_dump(mode="json") for result in results
        ],
        "share_links": [
            {
                "id": str(link.id),
                "result_id": str(link.result_id) if link.result_id else None,
                "label": link.label,
                "has_pin": link.pin_hash is not None,
                "created_at": link.created_at.isoformat(),
                "expires_at": link.expires_at.isoformat(),
                "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
                "accesses": [
                    {
                        "at": access.created_at.isoformat(),
                        "view": access.view,
                        "outcome": access.outcome,
                        "network": access.network,
                        "client": access.client,
                    }
                    for access in sharing_repository.accesses_of_link(session, link.id)
                ],
            }
            for link in repository.share_links_of_user(session, user.id)
        ],
        "audit": [
            {
                "at": entry.created_at.isoformat(),
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "ip": None if entry.action in sharing_repository.VISITOR_ACTIONS else entry.ip,
                "details": entry.details,
            }
            for entry in repository.audit_of_user(session, user.id)
        ],
    }
    archive = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES)  # noqa: SIM115 (returned open)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("export.json", json.dumps(data, ensure_ascii=False, indent=2))
        for upload in uploads:
            # documents are mostly compressed already (PDF, JPEG): stored as they are
            zipped.writestr(
                documents[upload.id], blobs.read(upload.blob_key), compress_type=zipfile.ZIP_STORED
            )
    record_audit(
        session,
        "user.exported",
        user_id=user.id,
        object_type="user",
        object_id=user.id,
        details={"uploads": len(uploads), "results": len(results)},
    )
    archive.seek(0)
    return archive


def _document_name(upload_id: uuid.UUID, filename: str | None) -> str:
    # The id names the file (a client's file name may be anything); its extension is kept for opening it.
    suffix = PurePosixPath(filename or "").suffix.lower()
    return f"documents/{upload_id}{suffix if suffix.isascii() and 1 < len(suffix) <= 6 else ''}"


def _job(job: Job) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "upload_id": str(job.upload_id) if job.upload_id else None,
        "result_id": str(job.result_id),
        "state": job.state,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "values_as_read": job.extraction,
        "values_as_reviewed": job.payload.get(REVIEWED_VALUES),
        "inputs_supplied": job.supplied_inputs,
        "missing_required_fields": job.missing_required_fields,
        "invalid_fields": job.invalid_fields,
    }


def _result_of_user(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> Result:
    result = results_repository.get_result_of_user(session, result_id, user_id)
    if result is None:
        raise ResultNotFound()
    return result


def result_pdf(session: Session, result_id: uuid.UUID, user_id: uuid.UUID, language: Language) -> bytes:
    # Imported here: reportlab loads with the first PDF, not with the API process.
    from verae.export.pdf import render_results_pdf

    result = _result_of_user(session, result_id, user_id)
    record_audit(session, "result.pdf_exported", user_id=user_id, object_type="result", object_id=result.id)
    return render_results_pdf([result], language)


def result_fhir(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> dict[str, Any]:
    result = _result_of_user(session, result_id, user_id)
    record_audit(session, "result.fhir_exported", user_id=user_id, object_type="result", object_id=result.id)
    return result_bundle(result)
