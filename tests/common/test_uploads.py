from __future__ import annotations

import pytest

from server.common import uploads

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
PDF = b"%PDF-1.7\n..."


def test_kind_comes_from_content_not_name() -> None:
    up = uploads.check(PNG, filename="photo.pdf", allowed=("png", "jpg"), max_bytes=1000)
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
