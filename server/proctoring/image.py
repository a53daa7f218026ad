"""Checks of uploaded images: the face capture before an exam (头像采集); the face detector, format sniffing and
decoding that the registry ID photo check (``id_photo.py``, 证件照) shares.

Everything here is synchronous and CPU-bound (OpenCV), so it must never run on the event loop; a caller does
``await loop.run_in_executor(executor, check_face_capture, data)``. Nothing here keeps state between calls except
the Haar cascades, loaded once per thread because ``cv2.CascadeClassifier`` is not safe to share across threads.

How a capture is judged, cheapest first, and stopping at the first failure so the person gets one instruction:

1. byte count, format by magic bytes, and width × height read from the file header, before anything is decoded
   (a 40 KB JPEG may declare 65535×65535 pixels: it is refused here, not after allocating gigabytes);
2. one greyscale, EXIF-rotated decode, JPEG-downscaled in the decoder itself (DCT scaling by 1/2, 1/4 or 1/8),
   to a *work image* with 480–959 px on its shorter side (or all of them, for a smaller upload); a *detection
   image* with a 240 px shorter side is resized from it;
3. Haar face detection on the detection image (where the cost is; see ``_DETECT_*``);
4. face size, position, then brightness and sharpness measured on the face region of the work image only, so a
   bright window or a dark sweater around the face does not decide the result.

The numbers behind each default are in ``FaceThresholds`` and next to the ``_DETECT_*`` constants; they were
measured on frames built from ``skimage.data.astronaut()`` (see ``tests/support/images.py``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from server.config import Settings
from server.proctoring.errors import (
    FaceMultiple,
    FaceNotCentered,
    FaceNotFound,
    FaceTooSmall,
    ImageBlurry,
    ImageInvalid,
    ImageTooBright,
    ImageTooDark,
    ImageTooLarge,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "FaceBox",
    "FaceCheck",
    "FaceThresholds",
    "check_face_capture",
    "sniff_format",
]

ImageFormat = Literal["jpeg", "png"]
Gray = NDArray[np.uint8]


@dataclass(frozen=True)
class FaceThresholds:
    """Limits a face capture must meet. Brightness is the mean grey level (0–255) of the face box.

    Measured on the astronaut frames (face box = Haar ``frontalface_alt2`` box, a square from mid-forehead to chin):

    - brightness: the well-lit face averages 155. Darkened by ×0.45 it averages 70 and is still usable;
      by ×0.35 it is 54 and its detail (Laplacian variance) has fallen from 227 to 32. Brightened, the share of
      blown-out face pixels (≥ 250) is 13 % at a mean of 195 and 28 % at 208. Hence 60 and 200.
    - sharpness: variance of the Laplacian of the face box resized to 128×128, so it does not depend on how
      big the face is in the frame. Sharp faces score 164–234 over face sizes 0.2–0.6 and JPEG quality 50–95;
      a Gaussian blur of σ (in pixels of the 128 px face) scores alike for face ratios 0.25 and 0.45: σ 1.0 → 46–49,
      1.2 → 32–34, 1.5 → 22–23, 1.8 → 15–16, 2.4 → 9–10. 20 refuses blur beyond σ ≈ 1.6, 1.25 % of the face width.
    - size and position: ``min_face_ratio`` is the face box side over the frame's shorter side; 0.2 is 96 px in
      a 640×480 frame. The detector looks for faces down to 0.15 (see ``DETECT_MIN_RATIO``), so faces between
      the two get "请靠近一些" instead of "未检测到人脸". The box ends at the chin and mid-forehead; ears and hair
      reach 0.2–0.4 box sides beyond it, so ``edge_margin`` = 0.15 box sides must separate the box from every
      edge for the whole face to be in the picture. The box centre may be off the frame centre by at most
      ``max_center_offset`` of the width and of the height (0.25: within the middle half).
    - bytes and pixels: the 1280×960 test frame is 137 KB as a JPEG of quality 90 and 1.4 MB as a PNG; 2 MB and
      4096×3072 (12.6 MP, a full-resolution phone photo) leave room, and a header declaring more pixels is refused
      before decoding. ``min_side`` 240 (QVGA): in a smaller frame a face at ``min_face_ratio`` has under 48 px,
      too few to judge.
    """

    max_bytes: int = 2 * 1024 * 1024
    max_pixels: int = Settings.model_fields["face_max_width"].default * Settings.model_fields["face_max_height"].default
    min_side: int = 240
    min_face_ratio: float = 0.2
    edge_margin: float = 0.15
    max_center_offset: float = 0.25
    min_brightness: float = 60.0
    max_brightness: float = 200.0
    min_sharpness: float = 20.0


DEFAULT_THRESHOLDS: Final = FaceThresholds()


@dataclass(frozen=True)
class FaceBox:
    """A face's bounding box in pixels of the uploaded image (after EXIF rotation)."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class FaceCheck:
    """What was measured on an accepted face capture."""

    format: ImageFormat
    size_bytes: int
    width: int
    height: int
    face: FaceBox
    face_ratio: float
    brightness: float
    sharpness: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- Face detector ------------------------------------------------------------------------------------------------
#
# Chosen on 160 positive frames (60 astronaut frames at face ratios 0.14–0.6, rotated ±12°, gain 0.6–1.3,
# JPEG quality 60–95, landscape and portrait; 100 LFW faces from skimage.data.lfw_subset) and 362 negative frames
# (211: crops of 17 skimage pictures and the 100 LFW non-faces; 151: JPEG frames of the astronaut's body and
# background without her head, the likeliest source of a second "face" in a real capture).
# - frontalface_default, minNeighbors 5: 3 misses, 3 frames with a second "face" (on the suit), 6 false hits.
# - frontalface_alt2: the strongest box of a real face gathers at least 11 neighbours (5th percentile 14); a second
#   box on a one-face frame, and every false hit but one coin (7), at most 4. So minNeighbors 5 (a box needs 6):
#   with the settings below, 158 of 160 found (the misses: two 25 px LFW faces), no doubles, one false hit (the
#   coin), none on the 151 body frames; minNeighbors 3 found a "face" on the suit.
# - A second cascade run on each candidate did not remove the coin and cost 4–9 ms; the remaining guard against
#   doubles is merging boxes that overlap (a box inside another is the same face).
# Speed (one OpenCV thread, the 640×480 test frame): the pyramid's range, minSize … image side, sets the cost, not
# the image size, and the small scales cost most. Searching down to 0.12 of the shorter side took 27.5 ms, to 0.15
# 22.5 ms, to 0.2 15.1 ms. scaleFactor 1.15 saves a quarter but leaves some real faces with 3 neighbours. 0.15
# still finds 36 of 40 small faces (0.15–0.2, rotated ±15°), which are answered "请靠近一些".
_FACE_CASCADE: Final = "haarcascade_frontalface_alt2.xml"
_DETECT_SHORT_SIDE: Final = 240  # detection image's shorter side, px
_DETECT_SCALE_FACTOR: Final = 1.1
_DETECT_MIN_NEIGHBORS: Final = 5
DETECT_MIN_RATIO: Final = 0.15  # smallest face searched for, as a share of the shorter side (36 px at 240)
_DETECT_WINDOW: Final = 20  # the alt2 cascade's window; nothing smaller can be found
_SAME_FACE_OVERLAP: Final = 0.3  # two boxes sharing this share of the smaller one's area are one face
_WORK_SHORT_SIDE: Final = 480  # the work image keeps at least this many pixels on its shorter side
_SHARPNESS_SIDE: Final = 128  # the face box is resized to this square before the Laplacian

_local = threading.local()


def _face_cascade() -> cv2.CascadeClassifier:
    """This thread's face cascade, loaded on first use (a CascadeClassifier must not be shared by threads)."""
    cascade: cv2.CascadeClassifier | None = getattr(_local, "face_cascade", None)
    if cascade is None:
        path = os.path.join(cv2.data.haarcascades, _FACE_CASCADE)  # type: ignore[attr-defined]  # not in the stubs
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():
            raise RuntimeError(f"cannot load the Haar cascade {path}")
        _local.face_cascade = cascade
    return cascade


# --- Format and header ------------------------------------------------------------------------------------------

_MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_HEIF_BRANDS: Final = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")


def sniff_format(data: bytes) -> str:
    """The format named by the first bytes: ``jpeg`` or ``png`` (accepted), another name, or ``unknown``."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "avif" if data[8:12] == b"avif" else "heic"
    return "unknown"


# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_SOF: Final = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first SOF segment, walking the marker segments; None if malformed."""
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            return None
        while i < n and data[i] == 0xFF:  # fill bytes may pad any marker
            i += 1
        if i >= n:
            return None
        marker = data[i]
        i += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # stand-alone markers have no length
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data, before any frame header
            return None
        if i + 2 > n:
            return None
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            if i + 7 > n:
                return None
            height = int.from_bytes(data[i + 3 : i + 5], "big")
            width = int.from_bytes(data[i + 5 : i + 7], "big")
            return width, height
        i += length
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the IHDR chunk, which the PNG standard requires to come first."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def header_size(data: bytes, fmt: ImageFormat) -> tuple[int, int] | None:
    size = _jpeg_size(data) if fmt == "jpeg" else _png_size(data)
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return size


# --- Decoding ---------------------------------------------------------------------------------------------------

_REDUCED_GRAY: Final = {
    1: cv2.IMREAD_GRAYSCALE,
    2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
    4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
    8: cv2.IMREAD_REDUCED_GRAYSCALE_8,
}


def decode_gray(data: bytes, width: int, height: int) -> Gray | None:
    """Greyscale, EXIF-rotated, reduced by the largest of 2/4/8 that keeps ``_WORK_SHORT_SIDE`` pixels.

    For JPEG the reduction happens inside libjpeg (DCT scaling), so a 1280×960 frame never exists at full size;
    for PNG OpenCV decodes in full and then shrinks, which the pixel limit keeps bounded.
    """
    factor = 1
    for f in (8, 4, 2):
        if min(width, height) // f >= _WORK_SHORT_SIDE:
            factor = f
            break
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), _REDUCED_GRAY[factor])
    except cv2.error:
        return None
    if image is None or image.ndim != 2 or image.size == 0:
        return None
    return np.asarray(image, dtype=np.uint8)


def _oriented_size(width: int, height: int, work: Gray) -> tuple[int, int]:
    """The header's size, swapped when EXIF orientation turned the picture by 90°."""
    work_h, work_w = work.shape
    if width != height and (work_w > work_h) != (width > height):
        return height, width
    return width, height


@dataclass(frozen=True)
class Decoded:
    format: ImageFormat
    width: int  # full size, after EXIF rotation
    height: int
    work: Gray  # greyscale, shorter side >= _WORK_SHORT_SIDE when the upload has that many pixels


# --- Measurements ---------------------------------------------------------------------------------------------------

_Box = tuple[int, int, int, int]


def detect_faces(work: Gray, min_ratio: float) -> list[_Box]:
    """Face boxes in work-image pixels, largest first, overlapping boxes merged into the largest."""
    short = min(work.shape)
    scale = min(1.0, _DETECT_SHORT_SIDE / short)
    detect = work if scale == 1.0 else cv2.resize(work, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    min_side = max(_DETECT_WINDOW, round(min(min_ratio, DETECT_MIN_RATIO) * min(detect.shape)))
    found = _face_cascade().detectMultiScale(
        detect,
        scaleFactor=_DETECT_SCALE_FACTOR,
        minNeighbors=_DETECT_MIN_NEIGHBORS,
        minSize=(min_side, min_side),
    )
    boxes: list[_Box] = [
        (round(x / scale), round(y / scale), round(w / scale), round(h / scale)) for x, y, w, h in found
    ]
    boxes.sort(key=lambda b: b[2] * b[3], reverse=True)
    kept: list[_Box] = []
    for box in boxes:
        area = box[2] * box[3]
        if not any(_overlap(box, other) > _SAME_FACE_OVERLAP * min(area, other[2] * other[3]) for other in kept):
            kept.append(box)
    return kept


def _overlap(a: _Box, b: _Box) -> int:
    dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return dx * dy if dx > 0 and dy > 0 else 0


def _face_region(work: Gray, box: _Box) -> Gray:
    x, y, w, h = box
    height, width = work.shape
    return work[max(y, 0) : min(y + h, height), max(x, 0) : min(x + w, width)]


def _sharpness(region: Gray) -> float:
    """Variance of the Laplacian of the region resized to a fixed square, so face size does not change it."""
    side = _SHARPNESS_SIDE
    shrinking = region.shape[0] >= side and region.shape[1] >= side
    square = cv2.resize(region, (side, side), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    _, std = cv2.meanStdDev(cv2.Laplacian(square, cv2.CV_16S))
    return float(std[0][0]) ** 2


def to_full(box: _Box, decoded: Decoded) -> FaceBox:
    work_h, work_w = decoded.work.shape
    sx, sy = decoded.width / work_w, decoded.height / work_h
    x, y, w, h = box
    return FaceBox(round(x * sx), round(y * sy), round(w * sx), round(h * sy))


def box_dict(box: FaceBox) -> dict[str, int]:
    return asdict(box)


# --- Face capture ---------------------------------------------------------------------------------------------------


def _open_capture(data: bytes, limits: FaceThresholds) -> Decoded:
    base: dict[str, Any] = {"size_bytes": len(data)}
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(
            f"图片过大（{len(data) / 1024 / 1024:.1f} MB），请上传不超过 {limits.max_bytes // 1024 // 1024} MB 的照片",
            details={**base, "max_bytes": limits.max_bytes},
        )
    detected = sniff_format(data)
    if detected not in ("jpeg", "png"):
        raise ImageInvalid(details={**base, "detected_format": detected, "allowed_formats": ["jpeg", "png"]})
    fmt: ImageFormat = "jpeg" if detected == "jpeg" else "png"
    base["format"] = fmt
    size = header_size(data, fmt)
    if size is None:
        raise ImageInvalid("图片文件已损坏，请重新拍摄", details={**base, "reason": "corrupt_header"})
    width, height = size
    base.update(width=width, height=height)
    if width * height > limits.max_pixels:
        raise ImageTooLarge(
            "图片分辨率过高，请降低相机分辨率后重新拍摄", details={**base, "max_pixels": limits.max_pixels}
        )
    if min(width, height) < limits.min_side:
        raise ImageInvalid(
            f"图片分辨率过低，短边至少需要 {limits.min_side} 像素",
            details={**base, "reason": "resolution_too_low", "min_side": limits.min_side},
        )
    work = decode_gray(data, width, height)
    if work is None:
        raise ImageInvalid("图片文件已损坏，请重新拍摄", details={**base, "reason": "undecodable"})
    width, height = _oriented_size(width, height, work)
    return Decoded(fmt, width, height, work)


def check_face_capture(data: bytes, thresholds: FaceThresholds = DEFAULT_THRESHOLDS) -> FaceCheck:
    """Accept one camera frame for the pre-exam face capture, or raise the one error that says what to fix."""
    limits = thresholds
    decoded = _open_capture(data, limits)
    work = decoded.work
    details: dict[str, Any] = {
        "format": decoded.format,
        "size_bytes": len(data),
        "width": decoded.width,
        "height": decoded.height,
    }
    light = {"min_brightness": limits.min_brightness, "max_brightness": limits.max_brightness}

    boxes = detect_faces(work, limits.min_face_ratio)
    if not boxes:
        # Without a face the whole frame's light is the best hint: a black frame is "too dark", not "no face".
        frame_brightness = round(float(cv2.mean(work)[0]), 1)
        no_face = {**details, "frame_brightness": frame_brightness, **light}
        if frame_brightness < limits.min_brightness:
            raise ImageTooDark(details=no_face)
        if frame_brightness > limits.max_brightness:
            raise ImageTooBright(details=no_face)
        raise FaceNotFound(details=no_face)
    if len(boxes) > 1:
        raise FaceMultiple(
            details={**details, "face_count": len(boxes), "faces": [box_dict(to_full(b, decoded)) for b in boxes]}
        )

    face = to_full(boxes[0], decoded)
    face_ratio = face.width / min(decoded.width, decoded.height)
    details.update(face=box_dict(face), face_ratio=round(face_ratio, 3))
    if face_ratio < limits.min_face_ratio:
        raise FaceTooSmall(details={**details, "min_face_ratio": limits.min_face_ratio})
    _check_position(face, decoded.width, decoded.height, limits, details)

    region = _face_region(work, boxes[0])
    brightness = round(float(cv2.mean(region)[0]), 1)
    details["brightness"] = brightness
    if brightness < limits.min_brightness:
        raise ImageTooDark(details={**details, **light})
    if brightness > limits.max_brightness:
        raise ImageTooBright(details={**details, **light})
    sharpness = round(_sharpness(region), 1)
    if sharpness < limits.min_sharpness:
        raise ImageBlurry(details={**details, "sharpness": sharpness, "min_sharpness": limits.min_sharpness})

    return FaceCheck(
        format=decoded.format,
        size_bytes=len(data),
        width=decoded.width,
        height=decoded.height,
        face=face,
        face_ratio=round(face_ratio, 3),
        brightness=brightness,
        sharpness=sharpness,
    )


def _check_position(face: FaceBox, width: int, height: int, limits: FaceThresholds, details: dict[str, Any]) -> None:
    """Refuse a face cut off by an edge of the frame, or too far from its centre."""
    margin = limits.edge_margin * face.width
    cut = [
        edge
        for edge, room in (
            ("left", face.x),
            ("top", face.y),
            ("right", width - face.x - face.width),
            ("bottom", height - face.y - face.height),
        )
        if room < margin
    ]
    # Offsets of the face centre from the frame centre, as shares of the frame (+: right / down).
    offset_x = (face.x + face.width / 2) / width - 0.5
    offset_y = (face.y + face.height / 2) / height - 0.5
    position = {
        "center_offset": {"x": round(offset_x, 3), "y": round(offset_y, 3)},
        "max_center_offset": limits.max_center_offset,
        "edge_margin": limits.edge_margin,
    }
    if cut:
        raise FaceNotCentered(
            "面部被画面边缘截断，请将整个面部置于框内",
            details={**details, **position, "reason": "cut_off", "cut_edges": cut},
        )
    if max(abs(offset_x), abs(offset_y)) > limits.max_center_offset:
        raise FaceNotCentered(details={**details, **position, "reason": "off_center"})
