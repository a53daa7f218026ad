from __future__ import annotations

import pytest

from server.common import uploads
from tests.support import documents

PNG = documents.small_png()
PDF = documents.small_pdf()


def test_kind_comes_from_content_not_name() -> None:
    up = uploads.check(PNG, filename="photo.pdf", allowed=("png", "jpg"), max_bytes=10**6)
    assert up.kind == "png" and up.content_type == "image/png"
    with pytest.raises(uploads.UploadTypeInvalid) as err:
        uploads.check(b"MZ\x90\0 not really a pdf", filename="proof.pdf", allowed=("pdf",), max_bytes=1000)
    assert err.value.details == {"allowed": ["pdf"]}


def test_size_and_emptiness() -> None:
    with pytest.raises(uploads.UploadTooLarge) as err:
        uploads.check(PDF + b"x" * 2048, filename="a.pdf", allowed=("pdf",), max_bytes=1024)
    assert "1 KB" in err.value.text
    with pytest.raises(uploads.UploadMissing):
        uploads.check(b"", filename="a.pdf", allowed=("pdf",), max_bytes=1024)


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_an_image_bomb_is_refused_from_its_header(kind: str) -> None:
    bomb = documents.image_bomb(kind)  # a few hundred KB declaring 60000×60000 (3.6 gigapixels)
    with pytest.raises(uploads.UploadTooLarge) as err:
        uploads.check(bomb, filename=f"a.{kind}", allowed=("png", "jpg"), max_bytes=10**7)
    assert err.value.status == 413 and err.value.details is not None
    assert err.value.details["max_pixels"] == 25_000_000
    # below the limit, the same small file with an honest header passes
    assert uploads.check(documents.image_bomb(kind, 4000, 3000), filename="a", allowed=(kind,), max_bytes=10**7)


def test_a_pdf_is_parsed_with_limits_on_pages_page_size_and_embedded_images() -> None:
    assert uploads.check(documents.pdf(3), filename="a.pdf", allowed=("pdf",), max_bytes=10**6).kind == "pdf"
    cases = [
        (documents.pdf(uploads.PDF_MAX_PAGES + 1), {"pages": 51, "max_pages": 50}),
        (documents.pdf(1, width_pt=20000, height_pt=842), {"page": 1, "max_side_pt": 14400}),
        (
            documents.pdf_with_image(60000, 60000),
            {"page": 1, "width": 60000, "height": 60000, "max_pixels": 25_000_000},
        ),
    ]
    for data, details in cases:
        with pytest.raises(uploads.UploadTooLarge) as err:
            uploads.check(data, filename="a.pdf", allowed=("pdf",), max_bytes=10**7)
        assert err.value.details == details


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n%proof\n", b"%PDF-1.7\n" + b"\x00" * 300, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"],
)
def test_a_malformed_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(uploads.UploadFileInvalid) as err:
        uploads.check(data, filename="a.pdf", allowed=("pdf",), max_bytes=10**6)
    assert err.value.status == 422 and err.value.code == "UPLOAD_FILE_INVALID"


def test_a_broken_image_is_refused() -> None:
    png = documents.small_png()
    for data in (png[:40], b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"\xff\xd8\xff\xe0\x00\x10JFIF"):
        with pytest.raises(uploads.UploadFileInvalid):
            uploads.check(data, filename="a.png", allowed=("png", "jpg"), max_bytes=10**6)
