"""What a job handler gets from the worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from verae.config import Settings
from verae.kit.blobstore import BlobStore
from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.observability.metrics import StageClock
from verae.queue.faults import Fault
from verae.queue.queue import ClaimedJob, Queue


@dataclass(frozen=True)
class JobContext:
    db: Database
    blobs: BlobStore
    queue: Queue
    settings: Settings
    faults: tuple[Fault, ...] = ()
    stages: StageClock = field(default_factory=StageClock)

    def enter_stage(self, job: ClaimedJob, stage: str) -> None:
        """Report the stage to people polling the job (and trigger any test fault set for it)."""
        self.queue.set_stage(job, stage)
        self.stages.enter(job.id, job.kind, stage)
        for fault in self.faults:
            fault.trigger(stage, job.attempt)

    def today(self) -> date:
        return utcnow().date()


JobHandler = Callable[[ClaimedJob, JobContext], None]
