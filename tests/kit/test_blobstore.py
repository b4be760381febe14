"""Both blob stores keep the same promises: a blob is invisible until committed, an aborted write leaves
nothing, committed blobs and unfinished writes are listed apart (so a sweep can tell them apart), and keys
cannot escape the store. The S3 store runs against an S3 server over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from tests.processes import free_port
from verae.kit.blobstore import BlobStore, BlobStoreUnavailable, LocalBlobStore, UnfinishedWrite
from verae.kit.s3 import S3BlobStore

MIB = 1024 * 1024
# S3's smallest part (all but the last); the S3 store is built with it so that tests need only a few MiB
# to make a multipart upload.
SMALLEST_PART = 5 * MIB


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path)
    bucket: str = request.getfixturevalue("s3_bucket")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    return S3BlobStore(bucket, prefix="verae", endpoint_url=endpoint, part_bytes=SMALLEST_PART)


def _commit(store: BlobStore, key: str, *chunks: bytes) -> None:
    writer = store.open_writer(key)
    for chunk in chunks:
        writer.write(chunk)
    writer.commit()


def _large(seed: int) -> bytes:
    """More than one part, and not a multiple of the part size."""
    return bytes([seed]) * SMALLEST_PART + b"the last part"


def test_a_blob_is_invisible_until_committed_and_gone_after_delete(store: BlobStore) -> None:
    writer = store.open_writer("uploads/a")
    writer.write(b"first ")
    writer.write(b"second")
    assert not store.exists("uploads/a")
    writer.commit()
    assert store.exists("uploads/a")
    assert store.read("uploads/a") == b"first second"

    store.delete("uploads/a")
    assert not store.exists("uploads/a")
    with pytest.raises(FileNotFoundError):
        store.read("uploads/a")
    store.delete("uploads/a")  # deleting what is gone is not an error


def test_an_aborted_write_leaves_nothing(store: BlobStore) -> None:
    for key, content in (("uploads/small", b"x"), ("uploads/large", _large(1))):
        writer = store.open_writer(key)
        writer.write(content)
        writer.abort()
        assert not store.exists(key)
    assert list(store.list_blobs("uploads")) == []
    assert list(store.list_unfinished_writes("uploads")) == []


def test_a_document_larger_than_a_part_is_stored_whole(store: BlobStore) -> None:
    content = _large(7)
    # Chunks that do not line up with parts, as an upload's network reads do not.
    _commit(
        store,
        "uploads/big",
        *(content[start : start + 1_000_003] for start in range(0, len(content), 1_000_003)),
    )
    assert store.read("uploads/big") == content
    assert list(store.list_unfinished_writes("uploads")) == []


def test_committed_blobs_and_unfinished_writes_are_listed_apart(store: BlobStore) -> None:
    _commit(store, "uploads/a", b"x")
    _commit(store, "uploads/2025/b", b"y")
    _commit(store, "elsewhere/c", b"z")
    # A large write whose process died: S3 keeps its parts, the local store its temporary file.
    unfinished = store.open_writer("uploads/d")
    unfinished.write(_large(2))

    assert sorted(blob.key for blob in store.list_blobs("uploads")) == ["uploads/2025/b", "uploads/a"]
    (write,) = store.list_unfinished_writes("uploads")
    assert write.modified_at.tzinfo is not None
    store.discard_unfinished_write(write)
    assert list(store.list_unfinished_writes("uploads")) == []
    assert not store.exists("uploads/d")
    assert store.read("uploads/a") == b"x"


def test_discarding_refuses_a_committed_blob(store: BlobStore) -> None:
    _commit(store, "uploads/a", b"x")
    (blob,) = store.list_blobs("uploads")
    with pytest.raises(ValueError, match="not an unfinished write"):
        store.discard_unfinished_write(UnfinishedWrite(handle=blob.key, modified_at=blob.modified_at))
    assert store.read("uploads/a") == b"x"


def test_a_missing_folder_lists_nothing(store: BlobStore) -> None:
    assert list(store.list_blobs("uploads")) == []
    assert list(store.list_unfinished_writes("uploads")) == []


@pytest.mark.parametrize("key", ["../outside", "uploads/../../etc/passwd", "/absolute", "uploads/a?b", ""])
def test_keys_cannot_escape_the_store(store: BlobStore, key: str) -> None:
    for operation in (store.open_writer, store.read, store.exists, store.delete):
        with pytest.raises(ValueError, match="unsafe blob key"):
            operation(key)


def test_check_passes_on_a_working_store(store: BlobStore) -> None:
    store.check()


# -- the local store -----------------------------------------------------------------------------------


def test_local_unfinished_writes_are_the_writers_temporary_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.open_writer("uploads/c").write(b"z")
    (tmp_path / "uploads" / ".ready-probe").write_bytes(b"")
    (write,) = store.list_unfinished_writes("uploads")
    assert write.handle.startswith("uploads/.c.")
    assert write.handle.endswith(".part")
    assert list(store.list_blobs("uploads")) == []


@pytest.mark.parametrize("handle", ["uploads/a", "uploads/../../etc/.passwd.part", "uploads/.a"])
def test_local_discarding_refuses_anything_but_a_temporary_file(tmp_path: Path, handle: str) -> None:
    store = LocalBlobStore(tmp_path)
    _commit(store, "uploads/a", b"x")
    write = next(iter(store.list_blobs("uploads")))
    with pytest.raises(ValueError, match="not an unfinished write"):
        store.discard_unfinished_write(UnfinishedWrite(handle=handle, modified_at=write.modified_at))
    assert store.read("uploads/a") == b"x"


# -- the S3 store ----------------------------------------------------------------------------------------


def test_s3_keeps_blobs_under_its_prefix(s3_bucket: str, s3_endpoint: str) -> None:
    store = S3BlobStore(s3_bucket, prefix="/tenant/verae/", endpoint_url=s3_endpoint)
    _commit(store, "uploads/a", b"x")
    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=s3_bucket)
    assert [found["Key"] for found in listed["Contents"]] == ["tenant/verae/uploads/a"]
    assert [blob.key for blob in store.list_blobs("uploads")] == ["uploads/a"]


def test_s3_an_unfinished_write_is_dated_by_its_last_part(s3_bucket: str, s3_endpoint: str) -> None:
    """A slow upload still sending parts must not look abandoned because it began long ago."""
    store = S3BlobStore(s3_bucket, endpoint_url=s3_endpoint, part_bytes=SMALLEST_PART)
    writer = store.open_writer("uploads/d")
    writer.write(_large(3))
    time.sleep(1.1)  # S3 dates to the second
    writer.write(_large(3))
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    (upload,) = client.list_multipart_uploads(Bucket=s3_bucket)["Uploads"]
    parts = client.list_parts(Bucket=s3_bucket, Key=upload["Key"], UploadId=upload["UploadId"])["Parts"]
    (write,) = store.list_unfinished_writes("uploads")
    assert write.modified_at == parts[-1]["LastModified"] > upload["Initiated"]
    assert write.handle == f"uploads/d?uploadId={upload['UploadId']}"


@pytest.mark.parametrize("handle", ["uploads/a", "uploads/a?uploadId=", "uploads/../x?uploadId=abc"])
def test_s3_discarding_refuses_anything_but_a_multipart_upload(
    s3_bucket: str, s3_endpoint: str, handle: str
) -> None:
    store = S3BlobStore(s3_bucket, endpoint_url=s3_endpoint)
    _commit(store, "uploads/a", b"x")
    (blob,) = store.list_blobs("uploads")
    with pytest.raises(ValueError, match=r"not an unfinished write|unsafe blob key"):
        store.discard_unfinished_write(UnfinishedWrite(handle=handle, modified_at=blob.modified_at))
    assert store.read("uploads/a") == b"x"


def test_s3_discarding_a_write_that_already_finished_is_not_an_error(
    s3_bucket: str, s3_endpoint: str
) -> None:
    store = S3BlobStore(s3_bucket, endpoint_url=s3_endpoint, part_bytes=SMALLEST_PART)
    writer = store.open_writer("uploads/d")
    writer.write(_large(4))
    (write,) = store.list_unfinished_writes("uploads")
    writer.commit()  # it finished between the listing and the discard
    store.discard_unfinished_write(write)
    assert store.read("uploads/d") == _large(4)


@pytest.mark.parametrize(
    "operation",
    [
        lambda store: store.check(),
        lambda store: store.read("uploads/a"),
        lambda store: store.exists("uploads/a"),
        lambda store: store.delete("uploads/a"),
        lambda store: store.open_writer("uploads/a").commit(),
        lambda store: store.open_writer("uploads/a").write(_large(5)),
        lambda store: list(store.list_blobs("uploads")),
        lambda store: list(store.list_unfinished_writes("uploads")),
    ],
    ids=["check", "read", "exists", "delete", "commit", "write", "list_blobs", "list_unfinished_writes"],
)
def test_s3_unreachable_is_blob_store_unavailable(
    s3_bucket: str, operation: Callable[[S3BlobStore], object]
) -> None:
    store = S3BlobStore(s3_bucket, endpoint_url=f"http://127.0.0.1:{free_port()}", part_bytes=SMALLEST_PART)
    with pytest.raises(BlobStoreUnavailable, match=r"^S3 EndpointConnectionError$"):
        operation(store)


def test_s3_a_missing_bucket_is_blob_store_unavailable(s3_endpoint: str, s3_bucket: str) -> None:
    store = S3BlobStore(f"{s3_bucket}-missing", endpoint_url=s3_endpoint)
    with pytest.raises(BlobStoreUnavailable, match=r"^S3 (404|NoSuchBucket)$"):
        store.check()
    with pytest.raises(BlobStoreUnavailable, match=r"^S3 NoSuchBucket$"):
        _commit(store, "uploads/a", b"x")
