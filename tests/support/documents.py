"""Uploadable documents built at run time: real PDFs (pypdf), small real images, and the bombs the upload parser
must refuse (an image header declaring billions of pixels, a PDF of thousands of pages or with a giant image)."""

from __future__ import annotations

import io
import zlib
from functools import cache

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from tests.support import images as img


def pdf(pages: int = 1, *, width_pt: float = 595, height_pt: float = 842) -> bytes:
    """A valid PDF of ``pages`` blank A4 pages (or the size given)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=width_pt, height=height_pt)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def small_pdf() -> bytes:
    return pdf(1)


def pdf_with_image(width: int, height: int) -> bytes:
    """A one-page PDF that draws an image XObject declaring ``width``×``height`` pixels (its data a few bytes: a
    viewer that trusts the dictionary allocates the whole bitmap)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    image = DecodedStreamObject()
    image.set_data(b"\x00" * 16)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(width),
            NameObject("/Height"): NumberObject(height),
            NameObject("/ColorSpace"): NameObject("/DeviceGray"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    ref = writer._add_object(image)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): ref})}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def small_png() -> bytes:
    return img.png(img.face_frame(320, 240))


@cache
def small_jpeg() -> bytes:
    return img.jpeg(img.face_frame(320, 240))


def image_bomb(kind: str = "png", width: int = 60000, height: int = 60000) -> bytes:
    """A small real image whose header declares ``width``×``height`` (3.6 GP by default): a decompression bomb.
    A PNG's header keeps a valid checksum, as a crafted one would."""
    if kind != "png":
        return img.with_declared_size(small_jpeg(), width, height)
    data = img.with_declared_size(small_png(), width, height)
    ihdr = data[12:29]  # chunk type and its 13 bytes of data
    return data[:29] + zlib.crc32(ihdr).to_bytes(4, "big") + data[33:]
