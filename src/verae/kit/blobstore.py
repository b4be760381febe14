"""Where uploaded documents live: a local folder (embedded mode) or an S3-compatible bucket (kit/s3.py)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from verae.config import Settings

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,254}$")
_TEMP_SUFFIX = ".part"


class BlobStoreUnavailable(OSError):
    """The store could not be reached or refused the request. Nothing stored was lost: the API answers 503
    and the worker retries, as for any OSError."""


@dataclass(frozen=True)
class StoredBlob:
    key: str
    modified_at: datetime


@dataclass(frozen=True)
class UnfinishedWrite:
    """A write that was neither committed nor aborted, most likely because its process died.

    `handle` means something only to the store that listed it (a temporary file's path relative to the
    root; on S3, the object key and the multipart upload's id)."""

    handle: str
    modified_at: datetime


class BlobWriter(Protocol):
    """A blob being written chunk by chunk; invisible until committed."""

    def write(self, chunk: bytes) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


class BlobStore(Protocol):
    def open_writer(self, key: str) -> BlobWriter: ...
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def check(self) -> None:
        """Raise if the store cannot be used (for /ready)."""

    def list_blobs(self, folder: str) -> Iterator[StoredBlob]:
        """Committed blobs whose keys start with `folder/`, in no particular order. Lazy, because a store
        may hold millions; a blob deleted while listing may or may not be yielded."""

    def list_unfinished_writes(self, folder: str) -> Iterator[UnfinishedWrite]:
        """Writes under `folder/` still in progress or abandoned; `modified_at` is their last write."""

    def discard_unfinished_write(self, write: UnfinishedWrite) -> None:
        """Remove what the write left behind; refuses a committed blob, which only `delete` removes."""


def check_key(key: str) -> str:
    """The key itself if it is a plain relative path; keys never come from users, but a store must not
    be talked into writing outside its root."""
    if not _SAFE_KEY.match(key) or ".." in key:
        raise ValueError("unsafe blob key")
    return key


def open_blob_store(settings: Settings) -> BlobStore:
    """The S3 bucket when one is configured, otherwise the local folder."""
    if settings.s3_bucket:
        from verae.kit.s3 import S3BlobStore  # boto3 is imported only when S3 is used

        return S3BlobStore(
            settings.s3_bucket, prefix=settings.s3_prefix, endpoint_url=settings.s3_endpoint_url
        )
    mode = GROUP_READABLE_FILE_MODE if settings.blob_group_readable else PRIVATE_FILE_MODE
    return LocalBlobStore(settings.blob_dir, file_mode=mode)


# Documents are health data: readable by the service's own user only (group-readable when a backup or
# scanner group needs them, VERAE_BLOB_GROUP_READABLE).
PRIVATE_FILE_MODE, GROUP_READABLE_FILE_MODE = 0o600, 0o640


class _LocalWriter:
    def __init__(self, final_path: Path, mode: int) -> None:
        self._final_path = final_path
        self._temp_path = final_path.with_name(f".{final_path.name}.{uuid.uuid4().hex}{_TEMP_SUFFIX}")
        # Created with its mode (not chmod-ed after), so the document is never readable by others.
        descriptor = os.open(self._temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        os.fchmod(descriptor, mode)  # the umask may have taken bits away, never added any
        self._file = os.fdopen(descriptor, "wb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def commit(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        # Atomic on POSIX: readers see the whole blob or none of it.
        self._temp_path.replace(self._final_path)

    def abort(self) -> None:
        self._file.close()
        self._temp_path.unlink(missing_ok=True)


class LocalBlobStore:
    def __init__(self, root: Path, *, file_mode: int = PRIVATE_FILE_MODE) -> None:
        self.root = root
        self.file_mode = file_mode
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def open_writer(self, key: str) -> BlobWriter:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return _LocalWriter(path, self.file_mode)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def check(self) -> None:
        probe = self.root / f".ready-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()

    def list_blobs(self, folder: str) -> Iterator[StoredBlob]:
        for path, modified_at in self._files_under(folder):
            # Dot files are a writer's temporary files (and /ready probes), never committed blobs.
            if not path.name.startswith("."):
                yield StoredBlob(key=path.relative_to(self.root).as_posix(), modified_at=modified_at)

    def list_unfinished_writes(self, folder: str) -> Iterator[UnfinishedWrite]:
        for path, modified_at in self._files_under(folder):
            if path.name.startswith(".") and path.name.endswith(_TEMP_SUFFIX):
                yield UnfinishedWrite(handle=path.relative_to(self.root).as_posix(), modified_at=modified_at)

    def discard_unfinished_write(self, write: UnfinishedWrite) -> None:
        name = Path(write.handle).name
        if not (name.startswith(".") and name.endswith(_TEMP_SUFFIX)) or ".." in write.handle:
            raise ValueError("not an unfinished write")
        (self.root / write.handle).unlink(missing_ok=True)

    def _files_under(self, folder: str) -> Iterator[tuple[Path, datetime]]:
        """Regular files below the folder with their modification time, walking one directory at a time so
        memory does not grow with the number of files."""
        pending = [self._path(folder)]
        while pending:
            directory = pending.pop()
            try:
                entries = os.scandir(directory)
            except FileNotFoundError:
                continue
            with entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(Path(entry.path))
                        elif entry.is_file(follow_symlinks=False):
                            modified = entry.stat(follow_symlinks=False).st_mtime
                            yield Path(entry.path), datetime.fromtimestamp(modified, UTC)
                    except FileNotFoundError:  # deleted since the directory was read
                        continue
