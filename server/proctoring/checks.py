"""The face checks, run off the event loop in a thread pool, and storing or discarding a face image.

Face images are checked off the event loop (OpenCV in a thread pool), stored encrypted outside any web root and
never logged.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from server.config import Settings, get_settings
from server.integrations import storage
from server.proctoring.id_photo import IdPhotoCheck, check_id_photo
from server.proctoring.image import FaceCheck, FaceThresholds, check_face_capture

log = logging.getLogger(__name__)

STORAGE_PURPOSE: Final = "face"

_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=get_settings().face_check_threads, thread_name_prefix="face-check")
    return _executor


def face_thresholds() -> FaceThresholds:
    """The capture limits from the settings (FACE_* environment variables)."""
    s = get_settings()
    return FaceThresholds(
        max_bytes=s.face_max_bytes,
        max_pixels=s.face_max_width * s.face_max_height,
        min_face_ratio=s.face_min_face_ratio,
        edge_margin=s.face_edge_margin,
        max_center_offset=s.face_max_center_offset,
        min_brightness=s.face_min_brightness,
        max_brightness=s.face_max_brightness,
        min_sharpness=s.face_min_sharpness,
    )


def capture_size_text(settings: Settings | None = None) -> str:
    """The capture size limit as the spec and the guide state it ("4096×3072"); the defaults unless given settings,
    so the committed spec does not depend on the environment it was exported in."""
    if settings is None:
        fields = Settings.model_fields
        width, height = fields["face_max_width"].default, fields["face_max_height"].default
    else:
        width, height = settings.face_max_width, settings.face_max_height
    return f"{width}×{height}"


async def check_frame(data: bytes) -> FaceCheck:
    """Run the OpenCV face check in the thread pool, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool(), check_face_capture, data, face_thresholds())


async def check_id_photo_off_loop(data: bytes) -> IdPhotoCheck:
    """The registry's ID-photo rules (id_photo.check_id_photo), run in the same thread pool."""
    return await asyncio.get_running_loop().run_in_executor(_pool(), check_id_photo, data)


async def store_image(data: bytes, fmt: str) -> storage.StoredFile:
    return await storage.save(data, purpose=STORAGE_PURPOSE, ext="png" if fmt == "png" else "jpg")


def image_content_type(fmt: str) -> str:
    return "image/png" if fmt == "png" else "image/jpeg"


async def discard_image(key: str) -> None:
    try:
        await storage.delete(key)
    except Exception:  # noqa: BLE001 - the sweep finds no row for it; an orphan file is the lesser harm
        log.exception("could not remove a face image after a failed write")
