"""Deleting upload blobs that no upload row owns, and writes that never finished.

An upload commits its blob first and its row second; a process that dies in between leaves a blob
without an owner (as does a crash before an account deletion's background blob deletes have run), and a
writer that dies mid-stream leaves its temporary file. Health documents must not linger without an owner,
so `verae blobs sweep` removes them. It never deletes a blob an upload row names, however old, and it
leaves everything younger than the grace period alone, so an upload still in flight is never touched.
When most old blobs look orphaned it is almost certainly looking at the wrong database, and it refuses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from verae.kit.blobstore import BlobStore, StoredBlob
from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.observability.logging import get_logger
from verae.uploads import repository
from verae.uploads.service import BLOB_FOLDER

DEFAULT_GRACE = timedelta(hours=1)
# Keys per reference query: well below SQLite's bound-parameter limit, and few round trips per million.
REFERENCE_BATCH_SIZE = 500

# Orphans are crash leftovers: a handful. When more than this many, and more than this share of the old
# blobs, have no row, the sweep is almost certainly pointed at the wrong database (an empty one, another
# deployment's), and deleting would lose people's documents.
SUSPICIOUS_ORPHAN_COUNT = 20
SUSPICIOUS_ORPHAN_SHARE = 0.5

log = get_logger("verae.uploads.sweep")


class SweepRefused(Exception):
    """Most old blobs have no upload row; nothing was deleted."""

    def __init__(self, orphans: int, old_blobs: int) -> None:
        super().__init__(f"{orphans} of {old_blobs} blobs older than the grace period have no upload row")
        self.orphans = orphans
        self.old_blobs = old_blobs


@dataclass(frozen=True)
class SweepReport:
    """Counts only: keys are upload ids, and document contents are never read."""

    blobs_seen: int
    blobs_within_grace: int  # kept whatever their rows: their upload may still be committing
    blobs_referenced: int  # older than the grace period and kept because an upload row names them
    orphan_blobs: int  # older than the grace period, no upload row: deleted unless dry_run
    unfinished_writes_seen: int
    stale_unfinished_writes: int  # last written before the grace period: deleted unless dry_run
    dry_run: bool


def sweep_orphan_blobs(
    db: Database,
    blobs: BlobStore,
    *,
    grace: timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
    force: bool = False,
    batch_size: int = REFERENCE_BATCH_SIZE,
) -> SweepReport:
    """Delete upload blobs older than `grace` that no upload row references, and unfinished writes whose
    last write is older than `grace`. With `dry_run` nothing is deleted and the counts say what would be.

    Raises SweepRefused, having deleted nothing, when the orphans look like a wrong database (unless
    `force`). The orphans' keys are held until the listing ends (about 100 bytes each)."""
    if grace < timedelta(0):
        raise ValueError("the grace period cannot be negative")
    cutoff = utcnow() - grace
    seen = within_grace = referenced = 0
    orphans: list[str] = []
    for batch in _batches(blobs.list_blobs(BLOB_FOLDER), batch_size):
        seen += len(batch)
        old_keys = [blob.key for blob in batch if blob.modified_at < cutoff]
        within_grace += len(batch) - len(old_keys)
        # A short read per batch: no transaction stays open across the listing.
        with db.unit_of_work(write=False) as session:
            owned = repository.referenced_blob_keys(session, old_keys)
        referenced += len(owned)
        orphans.extend(key for key in old_keys if key not in owned)
    old_blobs = referenced + len(orphans)
    suspicious = len(orphans) > max(SUSPICIOUS_ORPHAN_COUNT, SUSPICIOUS_ORPHAN_SHARE * old_blobs)
    if suspicious and not force:
        log.warning("blob_sweep_refused", orphan_blobs=len(orphans), old_blobs=old_blobs)
        raise SweepRefused(len(orphans), old_blobs)
    if not dry_run:
        for key in orphans:
            blobs.delete(key)

    unfinished_seen = stale_unfinished = 0
    for write in blobs.list_unfinished_writes(BLOB_FOLDER):
        unfinished_seen += 1
        if write.modified_at < cutoff:
            stale_unfinished += 1
            if not dry_run:
                blobs.discard_unfinished_write(write)

    report = SweepReport(
        blobs_seen=seen,
        blobs_within_grace=within_grace,
        blobs_referenced=referenced,
        orphan_blobs=len(orphans),
        unfinished_writes_seen=unfinished_seen,
        stale_unfinished_writes=stale_unfinished,
        dry_run=dry_run,
    )
    log.info("blob_sweep_finished", grace_seconds=int(grace.total_seconds()), **vars(report))
    return report


def _batches(items: Iterable[StoredBlob], size: int) -> Iterator[list[StoredBlob]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
