"""The blob store on an S3-compatible object store (AWS S3, MinIO, Ceph, R2, ...), for the scaled deployment.

Credentials and region come from the usual AWS sources (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_DEFAULT_REGION, ~/.aws, an instance role), never from Verae's own settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from verae.kit.blobstore import BlobStoreUnavailable, BlobWriter, StoredBlob, UnfinishedWrite, check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

# S3 refuses parts under 5 MiB except the last; most lab reports fit in one part and go up as one PUT.
PART_BYTES = 8 * 1024 * 1024
_UPLOAD_ID_SEPARATOR = "?uploadId="  # `?` never occurs in a key (check_key), so the split is unambiguous
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


@contextmanager
def _unavailable_on_error() -> Iterator[None]:
    """botocore's errors as BlobStoreUnavailable, named by class and S3 error code only (a message could
    quote a key or a header)."""
    try:
        yield
    except ClientError as error:
        raise BlobStoreUnavailable(f"S3 {_error_code(error)}") from error
    except BotoCoreError as error:
        raise BlobStoreUnavailable(f"S3 {type(error).__name__}") from error


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class _S3Writer:
    """Buffers up to one part in memory; a document larger than a part becomes a multipart upload, which
    stays invisible until completed (an abandoned one is what `list_unfinished_writes` reports)."""

    def __init__(self, client: S3Client, bucket: str, object_key: str, part_bytes: int) -> None:
        self._client = client
        self._bucket = bucket
        self._object_key = object_key
        self._part_bytes = part_bytes
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[CompletedPartTypeDef] = []

    def write(self, chunk: bytes) -> None:
        self._buffer += chunk
        while len(self._buffer) >= self._part_bytes:
            with _unavailable_on_error():
                self._upload_part(bytes(self._buffer[: self._part_bytes]))
            del self._buffer[: self._part_bytes]

    @_unavailable_on_error()
    def commit(self) -> None:
        if self._upload_id is None:
            self._client.put_object(Bucket=self._bucket, Key=self._object_key, Body=bytes(self._buffer))
        else:
            if self._buffer:
                self._upload_part(bytes(self._buffer))
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._object_key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        self._buffer.clear()

    @_unavailable_on_error()
    def abort(self) -> None:
        self._buffer.clear()
        if self._upload_id is not None:
            self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._object_key, UploadId=self._upload_id
            )

    def _upload_part(self, body: bytes) -> None:
        if self._upload_id is None:
            created = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._object_key)
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        uploaded = self._client.upload_part(
            Bucket=self._bucket, Key=self._object_key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append({"ETag": uploaded["ETag"], "PartNumber": number})


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        part_bytes: int = PART_BYTES,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.part_bytes = part_bytes
        # One client for all threads (boto3 clients are thread-safe); short connect timeout so /ready
        # answers quickly when the store is down.
        self.client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            config=Config(
                connect_timeout=3, read_timeout=30, retries={"mode": "standard", "max_attempts": 3}
            ),
        )

    def _object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def open_writer(self, key: str) -> BlobWriter:
        return _S3Writer(self.client, self.bucket, self._object_key(key), self.part_bytes)

    @_unavailable_on_error()
    def read(self, key: str) -> bytes:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                raise FileNotFoundError(key) from error
            raise
        return found["Body"].read()

    @_unavailable_on_error()
    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object_key(key))  # no error when absent

    @_unavailable_on_error()
    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                return False
            raise
        return True

    @_unavailable_on_error()
    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def list_blobs(self, folder: str) -> Iterator[StoredBlob]:
        with _unavailable_on_error():
            yield from self._list_blobs(folder)

    def _list_blobs(self, folder: str) -> Iterator[StoredBlob]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._object_key(folder) + "/"
        )
        for page in pages:
            for found in page.get("Contents", []):
                yield StoredBlob(
                    key=found["Key"].removeprefix(self.prefix), modified_at=found["LastModified"]
                )

    def list_unfinished_writes(self, folder: str) -> Iterator[UnfinishedWrite]:
        with _unavailable_on_error():
            yield from self._list_unfinished_writes(folder)

    def _list_unfinished_writes(self, folder: str) -> Iterator[UnfinishedWrite]:
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self._object_key(folder) + "/"
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                object_key, upload_id = upload["Key"], upload["UploadId"]
                yield UnfinishedWrite(
                    handle=object_key.removeprefix(self.prefix) + _UPLOAD_ID_SEPARATOR + upload_id,
                    modified_at=self._last_part_at(object_key, upload_id) or upload["Initiated"],
                )

    @_unavailable_on_error()
    def discard_unfinished_write(self, write: UnfinishedWrite) -> None:
        key, separator, upload_id = write.handle.partition(_UPLOAD_ID_SEPARATOR)
        if not separator or not upload_id:
            raise ValueError("not an unfinished write")
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self._object_key(key), UploadId=upload_id
            )
        except ClientError as error:
            if _error_code(error) != "NoSuchUpload":  # completed or aborted since it was listed
                raise

    def _last_part_at(self, object_key: str, upload_id: str) -> datetime | None:
        """When the write last sent a part: a slow upload that is still sending is not abandoned."""
        pages = self.client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=object_key, UploadId=upload_id
        )
        times = [part["LastModified"] for page in pages for part in page.get("Parts", [])]
        return max(times, default=None)
