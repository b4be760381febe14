"""Where uploaded documents live. A local folder now; an S3-compatible store implements the same protocol."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Protocol

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,254}$")


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


class _LocalWriter:
    def __init__(self, final_path: Path) -> None:
        self._final_path = final_path
        self._temp_path = final_path.with_name(f".{final_path.name}.{uuid.uuid4().hex}.part")
        self._file = self._temp_path.open("wb")

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
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _SAFE_KEY.match(key) or ".." in key:
            raise ValueError("unsafe blob key")
        return self.root / key

    def open_writer(self, key: str) -> BlobWriter:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return _LocalWriter(path)

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
