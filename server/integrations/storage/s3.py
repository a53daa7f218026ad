"""S3-compatible object storage backend (Aliyun OSS, MinIO, AWS S3, any S3) through boto3.

boto3 rather than aioboto3: the storage calls already run on a thread pool of their own (a face check or a PDF
render does the same), boto3's client is thread-safe and keeps one connection pool per process, and it is the
client AWS maintains, without aiobotocore's tight pin on one botocore release. The objects are sealed before they
get here, so the store (and whoever runs it) only ever holds ciphertext.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server.config import Settings
from server.integrations.storage.errors import StorageFailed, StorageUnavailable

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_RETRYABLE = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "ServiceUnavailable"})


class S3Storage:
    name = "s3"

    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
            config=Config(
                s3={"addressing_style": settings.s3_addressing_style},
                connect_timeout=settings.s3_timeout_s,
                read_timeout=settings.s3_timeout_s,
                retries={"max_attempts": settings.s3_max_attempts, "mode": "standard"},
                max_pool_connections=settings.storage_threads,
                # Checksums only where the API requires them: Aliyun OSS and older MinIO refuse the CRC32 trailers
                # botocore adds by default since 1.36. Integrity is the AEAD tag's job anyway.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def _call(self, op: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, op)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in _MISSING:
                raise FileNotFoundError(kwargs.get("Key", "")) from exc
            cls = StorageUnavailable if status >= 500 or code in _RETRYABLE else StorageFailed
            raise cls(provider_code=code or status, provider_message=str(error.get("Message", ""))) from exc
        except BotoCoreError as exc:  # no answer: connection refused or reset, time-out, DNS
            raise StorageUnavailable(provider_message=str(exc)) from exc

    def write(self, key: str, data: bytes) -> None:
        self._call("put_object", Key=self.prefix + key, Body=data, ContentType="application/octet-stream")

    def read(self, key: str) -> bytes:
        body = self._call("get_object", Key=self.prefix + key)["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

    def remove(self, key: str) -> bool:
        # DeleteObject answers 204 whether or not the object existed; the HEAD tells a retention sweep's retry apart.
        try:
            self._call("head_object", Key=self.prefix + key)
        except FileNotFoundError:
            return False
        self._call("delete_object", Key=self.prefix + key)
        return True

    def keys(self, prefix: str = "") -> Iterator[str]:
        token: str | None = None
        while True:
            page = self._call(
                "list_objects_v2", Prefix=self.prefix + prefix, **({"ContinuationToken": token} if token else {})
            )
            for item in page.get("Contents", []):
                yield str(item["Key"])[len(self.prefix) :]
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]
