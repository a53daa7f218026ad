"""Face capture and ID photo checks, on frames built at test time from skimage's astronaut (see images.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from server.errors import AppError
from server.proctoring import errors
from server.proctoring.id_photo import ID_PHOTO_MAX_BYTES, check_id_photo
from server.proctoring.image import DEFAULT_THRESHOLDS, FaceThresholds, _face_cascade, check_face_capture, sniff_format
from tests.support import images as img


@pytest.fixture(scope="module")
def frames() -> dict[str, bytes]:
    return img.make_test_frames()


def refused(data: bytes, code: str, **kwargs: object) -> errors.ImageRejected:
    """Run the capture check, assert it raised the error with ``code``, and return that error."""
    with pytest.raises(errors.ImageRejected) as caught:
        check_face_capture(data, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code, caught.value.details
    return caught.value


def photo_refused(data: bytes, code: str) -> errors.ImageRejected:
    with pytest.raises(errors.ImageRejected) as caught:
        check_id_photo(data)
    assert caught.value.code == code, caught.value.details
    return caught.value


# --- accepted captures --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "width", "height"), [("ok_640", 640, 480), ("ok_1280", 1280, 960)])
def test_capture_accepts_a_centred_sharp_well_lit_face(frames: dict[str, bytes], name: str, width: int, height: int):
    check = check_face_capture(frames[name])

    assert (check.format, check.width, check.height) == ("jpeg", width, height)
    assert check.size_bytes == len(frames[name])
    # The frame was built with the face box at 0.4 of the height, centred at (0.5, 0.45).
    assert 0.35 <= check.face_ratio <= 0.48
    centre_x = (check.face.x + check.face.width / 2) / width
    centre_y = (check.face.y + check.face.height / 2) / height
    assert abs(centre_x - 0.5) < 0.05 and abs(centre_y - 0.45) < 0.06
    assert 130 <= check.brightness <= 180  # the astronaut's face averages ~155
    assert check.sharpness > 100  # sharp faces score 160–235; the limit is 20
    face = check.to_dict()["face"]
    assert face == {"x": check.face.x, "y": check.face.y, "width": check.face.width, "height": check.face.height}


def test_capture_judges_format_by_content_not_name(frames: dict[str, bytes]):
    # A PNG that a phone might upload as "capture.jpg": there is no name to trust, only the bytes.
    check = check_face_capture(frames["ok_640_png"])
    assert check.format == "png"
    assert (check.width, check.height) == (640, 480)


def test_capture_accepts_a_progressive_jpeg():
    ok, data = cv2.imencode(".jpg", img.face_frame(), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert ok and b"\xff\xc2" in data.tobytes()  # SOF2: the size sits in a different frame header
    assert check_face_capture(data.tobytes()).width == 640


def test_capture_accepts_a_portrait_frame():
    check = check_face_capture(img.jpeg(img.face_frame(480, 640, face_ratio=0.45, center=(0.5, 0.42))))
    assert (check.width, check.height) == (480, 640)
    assert 0.38 <= check.face_ratio <= 0.52


def test_capture_follows_exif_orientation():
    # Phones store a portrait shot sideways and tag it "rotate 90° clockwise to view" (orientation 6).
    upright = img.face_frame(480, 640, face_ratio=0.45, center=(0.5, 0.42))
    stored = img.jpeg(cv2.rotate(upright, cv2.ROTATE_90_COUNTERCLOCKWISE))
    check = check_face_capture(img.with_exif_orientation(stored, 6))
    assert (check.width, check.height) == (480, 640)
    assert abs((check.face.x + check.face.width / 2) / 480 - 0.5) < 0.05


# --- refused captures: the file -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (bytes(range(256)) * 40, "unknown"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 50, "pdf"),
        (b"GIF89a\x80\x02\xe0\x01\xf7\x00\x00" + b"\x00" * 2000, "gif"),
        (b"", "unknown"),
    ],
)
def test_capture_refuses_what_is_not_a_jpeg_or_png(data: bytes, detected: str):
    error = refused(data, "IMAGE_INVALID")
    assert error.status == 422
    assert error.details is not None and error.details["detected_format"] == detected


def test_capture_refuses_webp_even_though_opencv_could_decode_it():
    ok, webp = cv2.imencode(".webp", img.face_frame())
    assert ok
    error = refused(webp.tobytes(), "IMAGE_INVALID")
    assert error.details is not None and error.details["detected_format"] == "webp"


def test_capture_refuses_a_jpeg_whose_header_is_cut_short(frames: dict[str, bytes]):
    error = refused(frames["ok_640"][:120], "IMAGE_INVALID")
    assert error.details is not None and error.details["reason"] == "corrupt_header"


def test_capture_refuses_a_jpeg_header_followed_by_garbage(frames: dict[str, bytes]):
    # Everything up to the scan data is intact; the compressed picture itself is zeros and then ends.
    data = frames["ok_640"]
    start_of_scan = data.index(b"\xff\xda")
    broken = data[: start_of_scan + 2] + b"\x00\x0c" + b"\x00" * 10
    refused(broken, "IMAGE_INVALID")


def test_capture_refuses_an_upload_cut_off_half_way(frames: dict[str, bytes]):
    data = frames["ok_640"]
    error = refused(data[: len(data) // 2], "IMAGE_INVALID")
    assert error.details is not None and error.details["reason"] == "undecodable"


def test_capture_refuses_too_many_bytes():
    data = img.png(np.random.default_rng(0).integers(0, 256, (960, 1280, 3), dtype=np.uint8))  # noise: ~3.7 MB
    assert len(data) > DEFAULT_THRESHOLDS.max_bytes
    error = refused(data, "IMAGE_TOO_LARGE")
    assert error.status == 413
    assert error.details is not None and error.details["max_bytes"] == DEFAULT_THRESHOLDS.max_bytes


@pytest.mark.parametrize("encode", [img.jpeg, img.png])
def test_capture_refuses_a_decompression_bomb_header_before_decoding(encode):
    small = encode(img.face_frame(320, 240))
    bomb = img.with_declared_size(small, 60000, 60000)
    error = refused(bomb, "IMAGE_TOO_LARGE")
    assert error.status == 413
    assert error.details is not None and (error.details["width"], error.details["height"]) == (60000, 60000)


def test_capture_refuses_a_frame_below_the_minimum_resolution():
    error = refused(img.jpeg(img.face_frame(200, 150)), "IMAGE_INVALID")
    assert error.details is not None and error.details["reason"] == "resolution_too_low"


# --- refused captures: the face -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["no_face", "cat"])
def test_capture_refuses_a_frame_without_a_human_face(frames: dict[str, bytes], name: str):
    error = refused(frames[name], "FACE_NOT_FOUND")
    assert error.details is not None and 60 <= error.details["frame_brightness"] <= 200


def test_capture_refuses_two_faces(frames: dict[str, bytes]):
    error = refused(frames["two_faces"], "FACE_MULTIPLE")
    assert error.details is not None and error.details["face_count"] == 2
    left, right = sorted(error.details["faces"], key=lambda f: f["x"])
    assert left["x"] + left["width"] <= 320 <= right["x"]


def test_capture_refuses_a_face_far_from_the_camera(frames: dict[str, bytes]):
    error = refused(frames["small_face"], "FACE_TOO_SMALL")
    assert error.details is not None
    assert 0.14 <= error.details["face_ratio"] < DEFAULT_THRESHOLDS.min_face_ratio
    assert error.details["min_face_ratio"] == DEFAULT_THRESHOLDS.min_face_ratio


def test_capture_refuses_a_face_cut_off_by_the_edge(frames: dict[str, bytes]):
    error = refused(frames["cut_off"], "FACE_NOT_CENTERED")
    assert error.details is not None
    assert error.details["reason"] == "cut_off"
    assert error.details["cut_edges"] == ["right"]
    assert "截断" in error.text


def test_capture_refuses_a_face_off_centre(frames: dict[str, bytes]):
    error = refused(frames["off_centre"], "FACE_NOT_CENTERED")
    assert error.details is not None
    assert error.details["reason"] == "off_center"
    assert error.details["center_offset"]["x"] < -DEFAULT_THRESHOLDS.max_center_offset
    assert error.text == errors.FaceNotCentered.message


def test_capture_refuses_a_dim_face(frames: dict[str, bytes]):
    error = refused(frames["dark"], "IMAGE_TOO_DARK")
    assert error.details is not None and error.details["brightness"] < DEFAULT_THRESHOLDS.min_brightness
    assert "face" in error.details  # the face was found: the message is about light, not about the face


def test_capture_calls_a_black_frame_too_dark_rather_than_faceless():
    error = refused(img.jpeg(img.scale_brightness(img.face_frame(), 0.04)), "IMAGE_TOO_DARK")
    assert error.details is not None and error.details["frame_brightness"] < 20
    assert "face" not in error.details


def test_capture_refuses_an_overexposed_face(frames: dict[str, bytes]):
    error = refused(frames["bright"], "IMAGE_TOO_BRIGHT")
    assert error.details is not None and error.details["brightness"] > DEFAULT_THRESHOLDS.max_brightness


def test_capture_calls_a_white_frame_too_bright_rather_than_faceless():
    error = refused(img.jpeg(img.scale_brightness(img.face_frame(), 0.1, 240)), "IMAGE_TOO_BRIGHT")
    assert error.details is not None and error.details["frame_brightness"] > 240


def test_capture_refuses_a_blurred_face(frames: dict[str, bytes]):
    error = refused(frames["blurry"], "IMAGE_BLURRY")
    assert error.details is not None
    assert error.details["sharpness"] < DEFAULT_THRESHOLDS.min_sharpness
    assert error.details["min_sharpness"] == DEFAULT_THRESHOLDS.min_sharpness


def test_capture_sharpness_does_not_depend_on_face_size():
    # The same relative blur (σ = 1 % of the face width) on a small and a large face scores alike.
    small = img.face_frame(640, 480, face_ratio=0.25)
    large = img.face_frame(640, 480, face_ratio=0.6)
    s_small = check_face_capture(img.jpeg(img.blur(small, 0.01 * 0.25 * 480))).sharpness
    s_large = check_face_capture(img.jpeg(img.blur(large, 0.01 * 0.6 * 480))).sharpness
    assert 0.6 < s_small / s_large < 1.6


def test_capture_thresholds_can_be_tightened(frames: dict[str, bytes]):
    strict = FaceThresholds(min_face_ratio=0.6)
    error = refused(frames["ok_640"], "FACE_TOO_SMALL", thresholds=strict)
    assert error.details is not None and error.details["min_face_ratio"] == 0.6


# --- errors and threads -----------------------------------------------------------------------------------------


def test_capture_errors_render_as_the_common_error_shape(frames: dict[str, bytes]):
    error = refused(frames["small_face"], "FACE_TOO_SMALL")
    assert isinstance(error, AppError)
    body = error.to_dict()["error"]
    assert body["code"] == "FACE_TOO_SMALL"
    assert "请靠近一些" in body["message"]
    assert body["details"]["width"] == 1280


def test_every_error_code_is_distinct_and_upper_case():
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.ImageRejected)]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)) == 14
    assert all(code.isupper() and " " not in code for code in codes)
    assert {c.status for c in classes} == {422, 413}


def test_each_thread_gets_its_own_cascade_and_the_same_answer(frames: dict[str, bytes]):
    cascades: dict[int, int] = {}

    def check(data: bytes):
        cascades.setdefault(threading.get_ident(), id(_face_cascade()))
        assert id(_face_cascade()) == cascades[threading.get_ident()]  # loaded once per thread
        return check_face_capture(data)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(check, [frames["ok_640"]] * 16))
    assert len(set(cascades.values())) == len(cascades) >= 2
    assert all(r == results[0] for r in results)


def test_sniff_format_names_common_uploads():
    assert sniff_format(img.jpeg(img.face_frame(320, 240))) == "jpeg"
    assert sniff_format(img.png(img.face_frame(320, 240))) == "png"
    assert sniff_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") == "heic"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"


# --- ID photo ---------------------------------------------------------------------------------------------------------


def test_id_photo_accepts_a_light_plain_background_photo():
    data = img.jpeg(img.id_photo(), 90)
    assert len(data) <= ID_PHOTO_MAX_BYTES
    check = check_id_photo(data)
    assert (check.format, check.width, check.height, check.size_bytes) == ("jpeg", 354, 472, len(data))
    assert check.background_brightness >= 245 and check.background_spread < 3
    # The face was pasted centred at x = 0.5, y = 0.4 with its box 0.42 of the width (~149 px).
    assert abs(check.face.x + check.face.width / 2 - 177) < 12
    assert abs(check.face.y + check.face.height / 2 - 189) < 15
    assert 130 <= check.face.width <= 170


def test_id_photo_accepts_light_blue():
    check = check_id_photo(img.jpeg(img.id_photo(background=(240, 200, 160)), 90))
    assert 185 <= check.background_brightness <= 200


def test_id_photo_follows_exif_orientation():
    stored = img.jpeg(cv2.rotate(img.id_photo(), cv2.ROTATE_90_COUNTERCLOCKWISE), 90)
    check = check_id_photo(img.with_exif_orientation(stored, 6))
    assert (check.width, check.height) == (354, 472)


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 500,
        b"%PDF-1.4\n" + b"0" * 500,
        b"BM" + b"\x00" * 500,
        b"not an image at all",
    ],
)
def test_id_photo_refuses_other_formats(data: bytes):
    error = photo_refused(data, "PHOTO_FORMAT_INVALID")
    assert error.details is not None and error.details["allowed_formats"] == ["jpg", "jpeg", "png"]


def test_id_photo_refuses_a_corrupt_jpeg():
    photo_refused(b"\xff\xd8\xff\xe0\x00\x10JFIF", "PHOTO_FORMAT_INVALID")


def test_id_photo_refuses_more_than_80_kb():
    data = img.png(img.id_photo())  # the same photo as a PNG is ~190 KB
    assert len(data) > ID_PHOTO_MAX_BYTES
    error = photo_refused(data, "PHOTO_TOO_LARGE")
    assert error.status == 422
    assert error.details is not None and error.details["max_bytes"] == 80 * 1024


@pytest.mark.parametrize("size", [(360, 480), (472, 354), (353, 472), (708, 944)])
def test_id_photo_refuses_any_size_but_354_by_472(size: tuple[int, int]):
    data = img.jpeg(img.id_photo(size=size), 80)
    error = photo_refused(data, "PHOTO_SIZE_INVALID")
    assert error.details is not None
    assert (error.details["width"], error.details["height"]) == size


def test_id_photo_refuses_a_size_bomb_header_without_decoding():
    data = img.with_declared_size(img.jpeg(img.id_photo(), 90), 30000, 40000)
    photo_refused(data, "PHOTO_SIZE_INVALID")


def test_id_photo_refuses_a_dark_background():
    error = photo_refused(img.jpeg(img.id_photo(background=(219, 142, 67)), 90), "PHOTO_BACKGROUND_INVALID")
    assert error.details is not None and error.details["background_brightness"] < 170


def test_id_photo_refuses_a_busy_background():
    # A light but busy room: the astronaut's own flag-and-rocket scene, lightened.
    room = img.scale_brightness(img.astronaut(), 0.7, 90)
    error = photo_refused(img.jpeg(img.id_photo(backdrop=room), 90), "PHOTO_BACKGROUND_INVALID")
    assert error.details is not None
    assert error.details["background_brightness"] >= 170  # light enough: it is the spread that fails
    assert error.details["background_spread"] > 20


def test_id_photo_refuses_a_photo_without_a_face():
    error = photo_refused(img.jpeg(img.id_photo(people=()), 90), "FACE_NOT_FOUND")
    assert "证件照" in error.text


def test_id_photo_refuses_two_people():
    two = img.id_photo(people=((0.28, 0.42, 0.24), (0.72, 0.42, 0.24)))
    error = photo_refused(img.jpeg(two, 90), "FACE_MULTIPLE")
    assert error.details is not None and error.details["face_count"] == 2
