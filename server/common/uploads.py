"""Uploaded files: the one parser every upload route uses. It reads the file from the multipart request and checks
its type by content and its size, with one set of error codes (UPLOAD_MISSING, UPLOAD_TYPE_INVALID,
UPLOAD_TOO_LARGE, UPLOAD_TOO_MANY).

The type comes from the content (magic numbers; for text, that it decodes), never from the name or the
Content-Type the client sent: a renamed ``.exe`` is refused whatever it is called. Parts pass the kinds they accept
and their own size limits, then apply their domain rules (an ID photo's 80 KB, a face's size in the frame).
"""

from __future__ import annotations

from dataclasses import dataclass

from sanic import Request

from server.errors import AppError

_MAGIC: tuple[tuple[str, bytes], ...] = (
    ("jpg", b"\xff\xd8\xff"),
    ("png", b"\x89PNG\r\n\x1a\n"),
    ("pdf", b"%PDF-"),
    ("xlsx", b"PK\x03\x04"),  # an Office Open XML workbook is a zip (the importer opens it to be sure)
)
KIND_LABELS = {"jpg": "JPG", "png": "PNG", "pdf": "PDF", "xlsx": "Excel（xlsx）", "csv": "CSV", "json": "JSON"}
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "json": "application/json",
}


class UploadMissing(AppError):
    code, status, message = "UPLOAD_MISSING", 400, "请选择要上传的文件"


class UploadTypeInvalid(AppError):
    code, status, message = "UPLOAD_TYPE_INVALID", 422, "文件格式不支持"


class UploadTooLarge(AppError):
    code, status, message = "UPLOAD_TOO_LARGE", 413, "文件过大"


class UploadTooMany(AppError):
    code, status, message = "UPLOAD_TOO_MANY", 400, "一次上传的文件过多"


# What ``read_file`` / ``read_files`` can refuse: a route that reads an upload declares them (``@raises(*ERRORS)``).
ERRORS: tuple[type[AppError], ...] = (UploadMissing, UploadTypeInvalid, UploadTooLarge, UploadTooMany)


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    kind: str  # jpg | png | pdf, from the content
    filename: str  # as the client named it; for display only, never a path

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def _text(data: bytes) -> str | None:
    if b"\x00" in data[:4096]:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def sniff(data: bytes) -> str | None:
    """The file kind its content shows, or None: binary kinds by their first bytes, text as JSON or CSV."""
    for kind, magic in _MAGIC:
        if data.startswith(magic):
            return kind
    text = _text(data)
    if text is None:
        return None
    return "json" if text.lstrip()[:1] in ("{", "[") else "csv"


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
