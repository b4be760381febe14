"""What a job handler gets from the worker, and how it reports a failure retrying cannot fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from verae.config import Settings
from verae.jobs.queue import ClaimedJob, Queue
from verae.kit.blobstore import BlobStore
from verae.kit.db import Database
from verae.kit.time import utcnow


class PermanentJobError(Exception):
    """Fails the job at once with a stable code and a diagnostic a person can act on."""

    def __init__(self, code: str, diagnostic: str) -> None:
        super().__init__(code)
        self.code = code
        self.diagnostic = diagnostic


@dataclass(frozen=True)
class JobContext:
    db: Database
    blobs: BlobStore
    queue: Queue
    settings: Settings

    def today(self) -> date:
        return utcnow().date()


JobHandler = Callable[[ClaimedJob, JobContext], None]
