"""Errors of the file storage. ``provider_code`` is the object store's own error code ("AccessDenied",
"NoSuchBucket", "SlowDown" …), or None when no answer came back.

    ProviderError
    └── StorageFailed          502 STORAGE_FAILED        the object store refused the call (credentials, bucket,
        │                                                policy): an operator must act
        └── StorageUnavailable 503 STORAGE_UNAVAILABLE   no answer, time-out, HTTP 5xx, throttling (retryable)

A missing object is not an error here: ``load`` raises FileNotFoundError, as for a local file, and the callers
turn that into their own "gone" answer (e.g. FACE_IMAGE_DELETED after retention).
"""

from __future__ import annotations

from server.integrations import ProviderError


class StorageFailed(ProviderError):
    code, status, message = "STORAGE_FAILED", 502, "文件存储服务调用失败，请稍后再试"


class StorageUnavailable(StorageFailed):
    code, status, message = "STORAGE_UNAVAILABLE", 503, "文件存储服务暂时不可用，请稍后再试"
    retryable_by_default = True
