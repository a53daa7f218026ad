"""The registry's ID photo (证件照) under the legacy rules: jpg/jpeg/png, at most 80 KB, exactly 354×472 px, a light
plain background and one face. Synchronous and CPU-bound like ``image.py``, whose detector and decoder it uses: run
it in an executor (``checks.id_photo``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np

from server.proctoring.errors import (
    FaceMultiple,
    FaceNotFound,
    PhotoBackgroundInvalid,
    PhotoFormatInvalid,
    PhotoSizeInvalid,
    PhotoTooLarge,
)
from server.proctoring.image import (
    DETECT_MIN_RATIO,
    Decoded,
    FaceBox,
    Gray,
    ImageFormat,
    box_dict,
    decode_gray,
    detect_faces,
    header_size,
    sniff_format,
    to_full,
)


@dataclass(frozen=True)
class IdPhotoCheck:
    """What was measured on an accepted ID photo."""

    format: ImageFormat
    size_bytes: int
    width: int
    height: int
    face: FaceBox
    background_brightness: float
    background_spread: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- ID photo ---------------------------------------------------------------------------------------------------
#
# The legacy registry's rules: jpg/jpeg/png, at most 80 KB, exactly 354×472 px, a light plain background.
# The background is judged on border strips that a correctly framed head and shoulders leave free: the top 5 % of
# the height and the outer 6 % of the width down to half the height. Measured as grey mean / standard deviation on
# 354×472 JPEGs (quality 90): white 250 / 0.0; white with sensor noise (σ 6) 249 / 3.0; light grey 215 / 0.0;
# light blue (BGR 240, 200, 160) 193 / 0.0; the astronaut's mottled studio backdrop 194 / 11; a side light fading
# from 250 to 200 across the photo 225 / 19.7. Refused: standard ID blue (BGR 219, 142, 67) 128, red 76; and as
# backdrops, skimage's text 22, brick 23, grass 32, gravel 37, coffee 53 spread. Hence >= 170 and <= 20.

ID_PHOTO_WIDTH: Final = 354
ID_PHOTO_HEIGHT: Final = 472
ID_PHOTO_MAX_BYTES: Final = 80 * 1024
_BACKGROUND_MIN_BRIGHTNESS: Final = 170.0
_BACKGROUND_MAX_SPREAD: Final = 20.0
_BACKGROUND_TOP: Final = 0.05  # share of the height
_BACKGROUND_SIDE: Final = 0.06  # share of the width
_BACKGROUND_SIDE_DEPTH: Final = 0.5  # side strips run down this share of the height, above the shoulders


def _background(work: Gray) -> tuple[float, float]:
    """Mean and standard deviation of the grey level over the border strips."""
    height, width = work.shape
    top = max(1, round(height * _BACKGROUND_TOP))
    side = max(1, round(width * _BACKGROUND_SIDE))
    depth = round(height * _BACKGROUND_SIDE_DEPTH)
    strips = np.concatenate(
        [
            work[:top, :].ravel(),
            work[top:depth, :side].ravel(),
            work[top:depth, width - side :].ravel(),
        ]
    )
    return float(strips.mean()), float(strips.std())


def check_id_photo(data: bytes) -> IdPhotoCheck:
    """Accept an ID photo for the registry under the legacy rules, or raise the rule it breaks."""
    details: dict[str, Any] = {"size_bytes": len(data)}
    detected = sniff_format(data)
    if detected not in ("jpeg", "png"):
        allowed = ["jpg", "jpeg", "png"]
        raise PhotoFormatInvalid(details={**details, "detected_format": detected, "allowed_formats": allowed})
    fmt: ImageFormat = "jpeg" if detected == "jpeg" else "png"
    details["format"] = fmt
    if len(data) > ID_PHOTO_MAX_BYTES:
        raise PhotoTooLarge(details={**details, "max_bytes": ID_PHOTO_MAX_BYTES})
    size = header_size(data, fmt)
    if size is None:
        raise PhotoFormatInvalid("证件照文件已损坏，请重新上传", details={**details, "reason": "corrupt_header"})
    required = {"required_width": ID_PHOTO_WIDTH, "required_height": ID_PHOTO_HEIGHT}
    # Either orientation may be stored (EXIF may turn it); anything else is refused before it is decoded.
    if sorted(size) != [ID_PHOTO_WIDTH, ID_PHOTO_HEIGHT]:
        raise PhotoSizeInvalid(details={**details, "width": size[0], "height": size[1], **required})
    work = decode_gray(data, *size)
    if work is None:
        raise PhotoFormatInvalid("证件照文件已损坏，请重新上传", details={**details, "reason": "undecodable"})
    height, width = work.shape
    details.update(width=width, height=height)
    if (width, height) != (ID_PHOTO_WIDTH, ID_PHOTO_HEIGHT):
        raise PhotoSizeInvalid(details={**details, **required})

    brightness, spread = _background(work)
    details.update(background_brightness=round(brightness, 1), background_spread=round(spread, 1))
    if brightness < _BACKGROUND_MIN_BRIGHTNESS or spread > _BACKGROUND_MAX_SPREAD:
        raise PhotoBackgroundInvalid(
            details={
                **details,
                "min_background_brightness": _BACKGROUND_MIN_BRIGHTNESS,
                "max_background_spread": _BACKGROUND_MAX_SPREAD,
            }
        )

    decoded = Decoded(fmt, width, height, work)
    boxes = detect_faces(work, DETECT_MIN_RATIO)
    if not boxes:
        raise FaceNotFound("证件照中未检测到人脸，请上传本人正面免冠照片", details=details)
    if len(boxes) > 1:
        raise FaceMultiple(
            "证件照中检测到多张人脸，请上传仅含本人的照片",
            details={**details, "face_count": len(boxes), "faces": [box_dict(to_full(b, decoded)) for b in boxes]},
        )
    return IdPhotoCheck(
        format=fmt,
        size_bytes=len(data),
        width=width,
        height=height,
        face=to_full(boxes[0], decoded),
        background_brightness=round(brightness, 1),
        background_spread=round(spread, 1),
    )
