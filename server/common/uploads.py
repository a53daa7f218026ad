"""Uploaded files: read one from a multipart request, check its type by content and its size.

The type comes from the first bytes (magic numbers), never from the name or the Content-Type the client sent:
a renamed ``.exe`` is refused whatever it is called. Parts pass the kinds they accept and their own size limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sanic import Request

from server.errors import AppError

_MAGIC: tuple[tuple[str, bytes], ...] = (
    ("jpg", b"\xff\xd8\xff"),
    ("png", b"\x89PNG\r\n\x1a\n"),
    ("pdf", b"%PDF-"),
)
KIND_LABELS = {"jpg": "JPG", "png": "PNG", "pdf": "PDF"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}


class UploadMissing(AppError):
    code, status, message = "UPLOAD_MISSING", 400, "请选择要上传的文件"


class UploadTypeInvalid(AppError):
    code, status, message = "UPLOAD_TYPE_INVALID", 422, "文件格式不支持"


class UploadTooLarge(AppError):
    code, status, message = "UPLOAD_TOO_LARGE", 413, "文件过大"


class UploadTooMany(AppError):
    code, status, message = "UPLOAD_TOO_MANY", 400, "一次上传的文件过多"


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    kind: str  # jpg | png | pdf, from the content
    filename: str  # as the client named it; for display only, never a path

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def sniff(data: bytes) -> str | None:
    """The file kind its first bytes show, or None."""
    for kind, magic in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def check(data: bytes, *, filename: str, allowed: tuple[str, ...], max_bytes: int, field: str = "file") -> Upload:
    if not data:
        raise UploadMissing(field=field)
    kind = sniff(data)
    if kind not in allowed:
        labels = "、".join(KIND_LABELS[k] for k in allowed)
        raise UploadTypeInvalid(f"仅支持 {labels} 格式的文件", field=field, details={"allowed": list(allowed)})
    if len(data) > max_bytes:
        raise UploadTooLarge(
            f"文件不能超过 {_human(max_bytes)}",
            field=field,
            details={"max_bytes": max_bytes, "size": len(data)},
        )
    return Upload(data=data, kind=kind, filename=(filename or "")[-128:])


def read_files(
    request: Request,
    *,
    field: str = "file",
    allowed: tuple[str, ...],
    max_bytes: int,
    max_files: int = 1,
    max_total_bytes: int | None = None,
    required: bool = True,
) -> list[Upload]:
    """Every file sent under ``field`` in a multipart/form-data body, each checked; refuses more than ``max_files``."""
    files = request.files.getlist(field) if request.files else []
    if not files:
        if required:
            raise UploadMissing(field=field)
        return []
    if len(files) > max_files:
        raise UploadTooMany(f"一次最多上传 {max_files} 个文件", field=field, details={"max_files": max_files})
    uploads = [check(f.body, filename=f.name, allowed=allowed, max_bytes=max_bytes, field=field) for f in files]
    total = sum(len(u.data) for u in uploads)
    if max_total_bytes is not None and total > max_total_bytes:
        raise UploadTooLarge(
            f"本次上传的文件合计不能超过 {_human(max_total_bytes)}",
            field=field,
            details={"max_total_bytes": max_total_bytes, "size": total},
        )
    return uploads


def read_file(request: Request, *, field: str = "file", allowed: tuple[str, ...], max_bytes: int) -> Upload:
    """The one file sent under ``field``."""
    return read_files(request, field=field, allowed=allowed, max_bytes=max_bytes)[0]


def _human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:g} MB"
    return f"{n // 1024} KB"
