"""The worker as Verae runs it: the generic queue worker with every feature's job handlers, composed here
as app.py composes the routers. Imported only where jobs run (`verae worker`, the embedded workers of
`verae serve`), so API-only processes never load the document reader or the model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verae.queue import worker
from verae.queue.context import JobHandler
from verae.uploads.service import PROCESS_UPLOAD
from verae.uploads.tasks import process_upload

HANDLERS: Mapping[str, JobHandler] = {PROCESS_UPLOAD: process_upload}


class Worker(worker.Worker):
    """A queue worker that runs every kind of job Verae queues (or only the `handlers` given)."""

    def __init__(self, *, handlers: Mapping[str, JobHandler] = HANDLERS, **options: Any) -> None:
        super().__init__(handlers=handlers, **options)
