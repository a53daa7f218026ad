"""Test frames built at run time from images shipped in scikit-image (no photos of people committed).

``skimage.data.astronaut()`` holds one real frontal face (Eileen Collins); every positive and negative frame is
derived from it by scaling, placing, tiling, darkening or blurring, so each test says exactly what it changes.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage import data

Image = NDArray[np.uint8]

# Where the Haar frontal-face cascade finds the face in astronaut() (x, y, w, h in its 512×512 pixels);
# every default and alt cascade agrees within 3 px.
ASTRONAUT_FACE = (177, 66, 95, 95)

WALL = (200, 204, 208)  # a plain light-grey wall (BGR) behind the person, like a typical exam room


@cache
def astronaut() -> Image:
    """The astronaut as a BGR image (OpenCV's channel order)."""
    return np.ascontiguousarray(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))


def face_frame(
    width: int = 640,
    height: int = 480,
    *,
    face_ratio: float = 0.4,
    center: tuple[float, float] = (0.5, 0.45),
    source: Image | None = None,
    source_face: tuple[int, int, int, int] = ASTRONAUT_FACE,
) -> Image:
    """A ``width``×``height`` BGR frame whose face box is ``face_ratio`` of the shorter side, centred at ``center``.

    The source image is scaled and placed on a plain wall so that its face lands where asked; whatever the
    scaled source does not cover stays wall-coloured.
    """
    src = astronaut() if source is None else source
    fx, fy, fw, fh = source_face
    scale = face_ratio * min(width, height) / fw
    scaled = cv2.resize(src, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    # Offset of the scaled source's top-left corner in the frame.
    ox = round(center[0] * width - (fx + fw / 2) * scale)
    oy = round(center[1] * height - (fy + fh / 2) * scale)
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = WALL
    _paste(frame, scaled, ox, oy)
    return frame


def _paste(dst: Image, src: Image, ox: int, oy: int) -> None:
    """Copy ``src`` into ``dst`` with its top-left corner at (ox, oy), clipped to ``dst``."""
    h, w = dst.shape[:2]
    x0, y0 = max(ox, 0), max(oy, 0)
    x1, y1 = min(ox + src.shape[1], w), min(oy + src.shape[0], h)
    if x0 < x1 and y0 < y1:
        dst[y0:y1, x0:x1] = src[y0 - oy : y1 - oy, x0 - ox : x1 - ox]


def two_faces_frame(width: int = 640, height: int = 480) -> Image:
    """Two copies of the astronaut side by side, each face ~0.3 of the frame height."""
    half = face_frame(width // 2, height, face_ratio=0.6, center=(0.5, 0.45))
    return np.ascontiguousarray(np.hstack([half, half]))


def no_face_frame(width: int = 640, height: int = 480) -> Image:
    """The astronaut's suit and flag, with her head cropped away."""
    src = astronaut()[220:, :]
    return cv2.resize(src, (width, height), interpolation=cv2.INTER_AREA)


def brick() -> Image:
    """skimage's brick wall (grey), as a BGR picture: a busy backdrop."""
    return cv2.cvtColor(data.brick(), cv2.COLOR_GRAY2BGR)


def cat_frame(width: int = 640, height: int = 480) -> Image:
    """Chelsea the cat: a face, but not a human one."""
    src = cv2.cvtColor(data.chelsea(), cv2.COLOR_RGB2BGR)
    return cv2.resize(src, (width, height), interpolation=cv2.INTER_AREA)


def scale_brightness(img: Image, gain: float, offset: float = 0.0) -> Image:
    """``img * gain + offset``, saturated to 0..255 (dim room: gain < 1; overexposed: offset > 0)."""
    return cv2.convertScaleAbs(img, alpha=gain, beta=offset)


def blur(img: Image, sigma: float) -> Image:
    """Gaussian blur of ``sigma`` pixels, like a shaky hand or a lens out of focus."""
    return cv2.GaussianBlur(img, (0, 0), sigma)


def jpeg(img: Image, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def png(img: Image) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def id_photo(
    *,
    background: tuple[int, int, int] = (250, 250, 250),
    backdrop: Image | None = None,
    people: tuple[tuple[float, float, float], ...] = ((0.5, 0.4, 0.42),),
    size: tuple[int, int] = (354, 472),
) -> Image:
    """A 354×472 ID photo: the astronaut's head and shoulders on a plain ``background`` colour (BGR), or on a
    ``backdrop`` picture stretched to the photo's size.

    ``people`` lists (centre x, centre y, face ratio) of each pasted person, as shares of the photo. Only a
    soft-edged ellipse around each head and shoulders is pasted, so the border strips show the background, as in
    a studio ID photo.
    """
    width, height = size
    out = np.empty((height, width, 3), np.float32)
    if backdrop is None:
        out[:] = background
    else:
        out[:] = cv2.resize(backdrop, (width, height), interpolation=cv2.INTER_AREA)
    for cx, cy, face_ratio in people:
        person = face_frame(width, height, face_ratio=face_ratio, center=(cx, cy)).astype(np.float32)
        mask = np.zeros((height, width), np.float32)
        face_w = face_ratio * width
        centre = (round(cx * width), round(cy * height))
        cv2.ellipse(mask, centre, (round(face_w * 0.75), round(face_w * 0.95)), 0, 0, 360, 1.0, -1)
        # Shoulders: a wide half-ellipse rising from the bottom edge, below the side strips.
        cv2.ellipse(mask, (centre[0], height), (round(face_w * 1.8), round(height * 0.3)), 0, 180, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), 3)[..., None]
        out = person * mask + out * (1 - mask)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def with_exif_orientation(jpeg_bytes: bytes, orientation: int) -> bytes:
    """The JPEG with an APP1 Exif segment holding only the Orientation tag (1–8), inserted after SOI."""
    assert jpeg_bytes[:2] == b"\xff\xd8"
    tiff = (
        b"II*\x00\x08\x00\x00\x00"  # little-endian TIFF header, first IFD at offset 8
        + b"\x01\x00"  # one entry
        + b"\x12\x01\x03\x00\x01\x00\x00\x00"  # tag 0x0112 Orientation, SHORT, count 1
        + orientation.to_bytes(2, "little")
        + b"\x00\x00"
        + b"\x00\x00\x00\x00"  # no next IFD
    )
    payload = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg_bytes[:2] + segment + jpeg_bytes[2:]


def with_declared_size(data: bytes, width: int, height: int) -> bytes:
    """The JPEG or PNG with its header rewritten to declare ``width``×``height`` (a decompression-bomb header)."""
    if data.startswith(b"\x89PNG"):
        return data[:16] + width.to_bytes(4, "big") + height.to_bytes(4, "big") + data[24:]
    i = 2
    while True:  # walk the segments to the first SOF0/SOF2
        assert data[i] == 0xFF
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC2):
            at = i + 5
            return data[:at] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + data[at + 4 :]
        i += 2 + length


def make_test_frames() -> dict[str, bytes]:
    """Encoded frames for the capture check, by name: one accepted frame and one per failure."""
    ok640 = face_frame(640, 480)
    return {
        "ok_640": jpeg(ok640),
        "ok_1280": jpeg(face_frame(1280, 960)),
        "ok_640_png": png(ok640),
        "no_face": jpeg(no_face_frame()),
        "cat": jpeg(cat_frame()),
        "two_faces": jpeg(two_faces_frame()),
        "small_face": jpeg(face_frame(1280, 960, face_ratio=0.17)),
        "cut_off": jpeg(face_frame(640, 480, face_ratio=0.45, center=(0.86, 0.45))),
        "off_centre": jpeg(face_frame(640, 480, face_ratio=0.3, center=(0.22, 0.5))),
        "dark": jpeg(scale_brightness(ok640, 0.18)),
        "bright": jpeg(scale_brightness(ok640, 0.5, 175)),
        "blurry": jpeg(blur(ok640, 4.0)),
    }


@cache
def grace_hopper() -> Image:
    """Grace Hopper's portrait from matplotlib's sample data (BGR): a second real person, different from the
    astronaut, for the face-comparison tests."""
    import matplotlib.cbook

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        raw = np.frombuffer(f.read(), np.uint8)
    return np.ascontiguousarray(cv2.imdecode(raw, cv2.IMREAD_COLOR))


@cache
def grace_hopper_face() -> tuple[int, int, int, int]:
    """Where OpenCV's frontal-face cascade finds the face in grace_hopper() (the largest box)."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")  # type: ignore[attr-defined]
    grey = cv2.cvtColor(grace_hopper(), cv2.COLOR_BGR2GRAY)
    boxes = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(80, 80))
    x, y, w, h = max(boxes, key=lambda b: b[2] * b[3])
    return int(x), int(y), int(w), int(h)


def hopper_frame(width: int = 640, height: int = 480, **kwargs: object) -> Image:
    """A camera frame of Grace Hopper placed like face_frame() places the astronaut."""
    return face_frame(width, height, source=grace_hopper(), source_face=grace_hopper_face(), **kwargs)  # type: ignore[arg-type]
