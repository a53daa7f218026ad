"""The proctoring part's public face.

await proctoring_api.claim_capture(user_id=, capture_id=, attempt_ref=, exam_kind=)  # exam start, caller's tx
await proctoring_api.close_attempt(attempt_ref=)                                    # at submit, caller's tx
await proctoring_api.record_result_date(user_id=, result_at=)                       # retention starts
await proctoring_api.set_reference_photo(user_id=, storage_key=, approved_at=)      # ID photo approved, caller's tx
checked = await proctoring_api.check_id_photo(data)                                 # the ID-photo rules
SUBSCRIPTIONS = {proctoring_api.FlagInvalidated: [...]}
"""

from __future__ import annotations

from server.proctoring.captures import claim_capture
from server.proctoring.checks import check_id_photo_off_loop as check_id_photo
from server.proctoring.errors import (
    FaceCaptureRequired,
    FaceMultiple,
    FaceNotFound,
    PhotoBackgroundInvalid,
    PhotoFormatInvalid,
    PhotoSizeInvalid,
    PhotoTooLarge,
)
from server.proctoring.events import FlagInvalidated
from server.proctoring.id_photo import ID_PHOTO_HEIGHT, ID_PHOTO_MAX_BYTES, ID_PHOTO_WIDTH, IdPhotoCheck
from server.proctoring.matching import set_reference_photo
from server.proctoring.matching import shutdown_pool as shutdown_face_pool
from server.proctoring.retention import record_result_date
from server.proctoring.snapshots import close_attempt

# What check_id_photo may refuse a photo with, for the routes that declare it
ID_PHOTO_ERRORS = (
    PhotoFormatInvalid,
    PhotoTooLarge,
    PhotoSizeInvalid,
    PhotoBackgroundInvalid,
    FaceNotFound,
    FaceMultiple,
)

__all__ = [
    "ID_PHOTO_ERRORS",
    "ID_PHOTO_HEIGHT",
    "ID_PHOTO_MAX_BYTES",
    "ID_PHOTO_WIDTH",
    "FaceCaptureRequired",
    "FlagInvalidated",
    "IdPhotoCheck",
    "check_id_photo",
    "claim_capture",
    "close_attempt",
    "record_result_date",
    "set_reference_photo",
    "shutdown_face_pool",
]
