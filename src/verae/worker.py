"""The worker as Verae runs it: the generic queue worker with every feature's job handlers, composed here
as app.py composes the routers. Imported only where jobs run (`verae worker`, the embedded workers of
`verae serve`), so API-only processes never load the job handlers."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from verae.config import Settings
from verae.kit.blobstore import BlobStore
from verae.kit.db import Database
from verae.labs import isolation
from verae.orgs.retention import expire_organisation_data
from verae.queue import worker
from verae.queue.context import JobHandler
from verae.retention import PURGE_INTERVAL_SECONDS, purge_expired_personal_data
from verae.uploads.service import PROCESS_UPLOAD
from verae.uploads.tasks import process_upload
from verae.webhooks.events import DELIVER_WEBHOOK, emit_job_event
from verae.webhooks.tasks import deliver_webhook

HANDLERS: Mapping[str, JobHandler] = {PROCESS_UPLOAD: process_upload, DELIVER_WEBHOOK: deliver_webhook}


class Worker(worker.Worker):
    """A queue worker that runs every kind of job Verae queues (or only the `handlers` given), the
    hourly purge of expired personal data and of organisations' data past its retention, and turns organisations' job outcomes into webhooks."""

    def __init__(
        self,
        *,
        db: Database,
        blobs: BlobStore,
        settings: Settings,
        handlers: Mapping[str, JobHandler] = HANDLERS,
        **options: Any,
    ) -> None:
        if PROCESS_UPLOAD in handlers:  # its reading children start with Tesseract's models loaded
            isolation.prepare_for_reading()
        purge = functools.partial(purge_expired_personal_data, db, settings)
        expire = functools.partial(expire_organisation_data, db, blobs)
        periodic = (
            worker.PeriodicTask("purge_expired_personal_data", PURGE_INTERVAL_SECONDS, purge),
            worker.PeriodicTask("expire_organisation_data", PURGE_INTERVAL_SECONDS, expire),
        )
        # An organisation's finished upload jobs become webhook deliveries in the same transaction.
        listeners = (functools.partial(emit_job_event, settings),)
        super().__init__(
            db=db,
            blobs=blobs,
            settings=settings,
            handlers=handlers,
            periodic=periodic,
            outcome_listeners=listeners,
            **options,
        )
