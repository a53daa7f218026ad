"""Uploaded files: the one parser every upload route uses. It reads the file from the multipart request and checks
its type by content, its size and what opening it would cost, with one set of error codes (UPLOAD_MISSING,
UPLOAD_TYPE_INVALID, UPLOAD_TOO_LARGE, UPLOAD_TOO_MANY, UPLOAD_FILE_INVALID).

Images and PDFs end up on a reviewer's phone, so a small file that is huge once opened (a decompression bomb) is
refused before it is stored: an image's pixel count is read from its header (Pillow's JPEG and PNG readers, which
decode no pixels for this) and checked against ``UPLOAD_MAX_PIXELS`` (or a route's lower limit); a PDF is parsed
(pypdf, non-strict) with limits on its pages, their size and the images they embed. A file that cannot be opened is
``UPLOAD_FILE_INVALID``.

The type comes from the content (magic numbers; for text, that it decodes), never from the name or the
Content-Type the client sent: a renamed ``.exe`` is refused whatever it is called. Parts pass the kinds they accept
and their own size limits, then apply their domain rules (an ID photo's 80 KB, a face's size in the frame).
"""

from __future__ import annotations

import io
import logging
import struct
from dataclasses import dataclass
from typing import Any

from PIL import ImageFile, JpegImagePlugin, PngImagePlugin
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sanic import Request

from server.config import get_settings
from server.errors import AppError

log = logging.getLogger(__name__)

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


class UploadFileInvalid(AppError):
    code, status, message = "UPLOAD_FILE_INVALID", 422, "文件已损坏或无法打开，请重新导出后上传"


# What ``read_file`` / ``read_files`` can refuse: a route that reads an upload declares them (``@raises(*ERRORS)``).
ERRORS: tuple[type[AppError], ...] = (
    UploadMissing,
    UploadTypeInvalid,
    UploadTooLarge,
    UploadTooMany,
    UploadFileInvalid,
)

# PDF limits: a proof or an attachment is a certificate or a few scanned pages, never a book
PDF_MAX_PAGES = 50
PDF_MAX_PAGE_SIDE_PT = 14400  # 200 inches, the largest page PDF itself allows (ISO 32000-1, annex C)


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


def check(
    data: bytes,
    *,
    filename: str,
    allowed: tuple[str, ...],
    max_bytes: int,
    field: str = "file",
    max_pixels: int | None = None,
) -> Upload:
    """One file checked: present, of an allowed kind by content, within ``max_bytes``, and openable within the
    limits (``max_pixels``: the route's own, lower than ``UPLOAD_MAX_PIXELS``, e.g. a face capture's)."""
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
    limit = min(max_pixels or _max_pixels(), _max_pixels())
    if kind in ("jpg", "png"):
        _check_image(data, kind, field=field, limit=limit)
    elif kind == "pdf":
        _check_pdf(data, field=field, limit=limit)
    return Upload(data=data, kind=kind, filename=(filename or "")[-128:])


def _max_pixels() -> int:
    return get_settings().upload_max_pixels


def _too_many_pixels(width: int, height: int, field: str, limit: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"图片像素过多（{width}×{height}），请缩小到 {limit / 1_000_000:.3g} 百万像素以内后重新上传",
        field=field,
        details={"width": width, "height": height, "max_pixels": limit},
    )


_IMAGE_FILES: dict[str, type[ImageFile.ImageFile]] = {
    "jpg": JpegImagePlugin.JpegImageFile,
    "png": PngImagePlugin.PngImageFile,
}


def _check_image(data: bytes, kind: str, *, field: str, limit: int) -> None:
    """Refuse an image whose header declares more pixels than ``limit``, or that cannot be opened.

    The format's own Pillow class reads the header and nothing more (``Image.open`` would also apply Pillow's
    global bomb limit before we could see the size); ``verify`` then walks the chunks without decompressing pixels.
    """
    try:
        with _IMAGE_FILES[kind](io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > limit:
                raise _too_many_pixels(width, height, field, limit)
            image.verify()
    except AppError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError) as exc:
        raise UploadFileInvalid("图片文件已损坏或无法打开，请重新拍摄或导出后上传", field=field) from exc


def _pdf_refusal(reason: str, field: str, **details: Any) -> UploadTooLarge:
    return UploadTooLarge(reason, field=field, details=details)


def _check_pdf(data: bytes, *, field: str, limit: int) -> None:
    """Parse the PDF and refuse one that cannot be read, is encrypted (no reviewer could open it), has too many
    pages, a page larger than PDF allows, or an embedded image over the pixel limit (read from its dictionary,
    never decoded)."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadFileInvalid("PDF 已加密，请上传未加密的文件", field=field, details={"reason": "encrypted"})
        pages = len(reader.pages)
        if pages == 0:
            raise UploadFileInvalid(field=field, details={"reason": "no_pages"})
        if pages > PDF_MAX_PAGES:
            raise _pdf_refusal(
                f"PDF 页数过多（{pages} 页），最多 {PDF_MAX_PAGES} 页", field, pages=pages, max_pages=PDF_MAX_PAGES
            )
        for number, page in enumerate(reader.pages, start=1):
            box = page.mediabox
            if max(float(box.width), float(box.height)) > PDF_MAX_PAGE_SIDE_PT:
                raise _pdf_refusal("PDF 页面尺寸超出范围", field, page=number, max_side_pt=PDF_MAX_PAGE_SIDE_PT)
            for width, height in _page_images(page):
                if width * height > limit:
                    raise _pdf_refusal(
                        f"PDF 中的图片像素过多（第 {number} 页，{width}×{height}）",
                        field,
                        page=number,
                        width=width,
                        height=height,
                        max_pixels=limit,
                    )
    except AppError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, RecursionError, OSError) as exc:
        log.info("PDF upload refused as unreadable", extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
        raise UploadFileInvalid("PDF 文件已损坏或无法打开，请重新导出后上传", field=field) from exc


def _page_images(page: Any) -> list[tuple[int, int]]:
    """Width and height of every image XObject a page draws (one level of forms deep), from their dictionaries."""
    found: list[tuple[int, int]] = []
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None:
        return found
    for ref in xobjects.get_object().values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            found.append((int(obj.get("/Width", 0)), int(obj.get("/Height", 0))))
        elif obj.get("/Subtype") == "/Form":
            inner = obj.get("/Resources")
            inner_x = inner.get_object().get("/XObject") if inner is not None else None
            for sub in inner_x.get_object().values() if inner_x is not None else []:
                img = sub.get_object()
                if img.get("/Subtype") == "/Image":
                    found.append((int(img.get("/Width", 0)), int(img.get("/Height", 0))))
    return found


def read_files(
    request: Request,
    *,
    field: str = "file",
    allowed: tuple[str, ...],
    max_bytes: int,
    max_files: int = 1,
    max_total_bytes: int | None = None,
    required: bool = True,
    max_pixels: int | None = None,
) -> list[Upload]:
    """Every file sent under ``field`` in a multipart/form-data body, each checked; refuses more than ``max_files``."""
    files = request.files.getlist(field) if request.files else []
    if not files:
        if required:
            raise UploadMissing(field=field)
        return []
    if len(files) > max_files:
        raise UploadTooMany(f"一次最多上传 {max_files} 个文件", field=field, details={"max_files": max_files})
    uploads = [
        check(f.body, filename=f.name, allowed=allowed, max_bytes=max_bytes, field=field, max_pixels=max_pixels)
        for f in files
    ]
    total = sum(len(u.data) for u in uploads)
    if max_total_bytes is not None and total > max_total_bytes:
        raise UploadTooLarge(
            f"本次上传的文件合计不能超过 {_human(max_total_bytes)}",
            field=field,
            details={"max_total_bytes": max_total_bytes, "size": total},
        )
    return uploads


def read_file(
    request: Request, *, field: str = "file", allowed: tuple[str, ...], max_bytes: int, max_pixels: int | None = None
) -> Upload:
    """The one file sent under ``field``."""
    return read_files(request, field=field, allowed=allowed, max_bytes=max_bytes, max_pixels=max_pixels)[0]


def _human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:g} MB"
    return f"{n // 1024} KB"
