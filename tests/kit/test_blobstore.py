"""The local blob store lists committed blobs and unfinished writes apart, so a sweep can tell them apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from verae.kit.blobstore import LocalBlobStore, UnfinishedWrite


def test_committed_blobs_and_unfinished_writes_are_listed_apart(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    committed = store.open_writer("uploads/a")
    committed.write(b"x")
    committed.commit()
    nested = store.open_writer("uploads/2025/b")
    nested.write(b"y")
    nested.commit()
    unfinished = store.open_writer("uploads/c")
    unfinished.write(b"z")
    aborted = store.open_writer("uploads/d")
    aborted.abort()
    (tmp_path / "uploads" / ".ready-probe").write_bytes(b"")

    assert sorted(blob.key for blob in store.list_blobs("uploads")) == ["uploads/2025/b", "uploads/a"]
    (write,) = store.list_unfinished_writes("uploads")
    assert write.handle.startswith("uploads/.c.")
    assert write.handle.endswith(".part")
    store.discard_unfinished_write(write)
    assert list(store.list_unfinished_writes("uploads")) == []
    assert store.read("uploads/a") == b"x"


def test_a_missing_folder_lists_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    assert list(store.list_blobs("uploads")) == []
    assert list(store.list_unfinished_writes("uploads")) == []


@pytest.mark.parametrize("handle", ["uploads/a", "uploads/../../etc/.passwd.part", "uploads/.a"])
def test_discarding_refuses_anything_but_a_temporary_file(tmp_path: Path, handle: str) -> None:
    store = LocalBlobStore(tmp_path)
    committed = store.open_writer("uploads/a")
    committed.write(b"x")
    committed.commit()
    write = next(iter(store.list_blobs("uploads")))
    with pytest.raises(ValueError, match="not an unfinished write"):
        store.discard_unfinished_write(UnfinishedWrite(handle=handle, modified_at=write.modified_at))
    assert store.read("uploads/a") == b"x"
