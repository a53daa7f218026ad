"""One upload parser behind every upload route: a missing file, a file of a kind the route does not take, a file over
the route's limit and a second file get the same status and code everywhere, with the route's own field name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from server.assessment import proofs
from server.config import get_settings
from server.exams import routes as exam_routes
from server.registry import institution_routes
from server.registry import routes as registry_routes
from tests.support import factories as f
from tests.support import proctoring as pf

LIMIT = 1024  # every route's byte limit, lowered for the test (the test server's request limit is the default 2 MB)
GIF = b"GIF89a\x80\x02\xe0\x01\xf7\x00\x00" + b"\x00" * 2000  # a kind no route takes
MISSING = (400, "UPLOAD_MISSING")
WRONG_KIND = (422, "UPLOAD_TYPE_INVALID")
TOO_LARGE = (413, "UPLOAD_TOO_LARGE")
TOO_MANY = (400, "UPLOAD_TOO_MANY")


@dataclass(frozen=True)
class Route:
    url: str
    field: str
    headers: dict[str, str]
    big: bytes | None  # a file of a kind the route takes, over LIMIT (None: the route's limit is not adjustable)
    single: bool = True  # one file per request
    form: dict[str, str] = field(default_factory=dict)


def _lower_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "face_max_bytes", LIMIT)
    monkeypatch.setattr(registry_routes, "MAX_PHOTO_UPLOAD", LIMIT)
    monkeypatch.setattr(institution_routes, "MAX_IMPORT_BYTES", LIMIT)
    monkeypatch.setattr(exam_routes, "MAX_IMPORT_BYTES", LIMIT)
    monkeypatch.setattr(proofs, "PROOF_MAX_BYTES", LIMIT)


async def _routes() -> list[Route]:
    w = await pf.world()
    attempt = await pf.attempt(w.physician)
    physician = await f.auth_headers(w.physician)
    office = await f.auth_headers(w.office)
    admin = await f.auth_headers(await f.admin())
    jpeg = pf.ok_frame()
    assert len(jpeg) > LIMIT
    return [
        Route("/api/v1/proctoring/captures", "image", physician, jpeg, form={"exam_kind": "humanities"}),
        Route(f"/api/v1/proctoring/attempts/{attempt.attempt_ref}/snapshots", "image", physician, jpeg),
        Route("/api/v1/registry/photo", "photo", physician, jpeg),
        Route("/api/v1/registry/applications/1/attachments", "file", physician, None),
        Route("/api/v1/assessment/proofs", "file", physician, b"%PDF-1.7\n" + b"x" * LIMIT, single=False),
        Route("/api/v1/exams/admin/questions/import", "file", office, b"[" + b" " * LIMIT + b"]"),
        Route("/api/v1/registry/import/regions", "file", admin, b"code,name\n" * LIMIT),
    ]


def _answer(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, str(r.json()["error"]["code"])


async def test_every_upload_route_refuses_alike(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    routes = await _routes()  # the attempt's own capture is taken under the real limits
    _lower_limits(monkeypatch)
    for route in routes:

        async def post(files: Any, route: Route = route) -> httpx.Response:
            return await client.post(route.url, data=route.form, files=files, headers=route.headers)

        r = await post(None)
        assert _answer(r) == MISSING, (route.url, r.text)
        assert r.json()["error"]["field"] == route.field
        r = await post({route.field: ("upload.jpg", GIF, "image/jpeg")})
        assert _answer(r) == WRONG_KIND, (route.url, r.text)
        assert r.json()["error"]["field"] == route.field and "allowed" in r.json()["error"]["details"]
        if route.big is not None:
            r = await post({route.field: ("upload.bin", route.big, "application/octet-stream")})
            assert _answer(r) == TOO_LARGE, (route.url, r.text)
            assert r.json()["error"]["details"] == {"max_bytes": LIMIT, "size": len(route.big)}
        if route.single:
            two = [(route.field, ("a.jpg", GIF, "image/jpeg")), (route.field, ("b.jpg", GIF, "image/jpeg"))]
            r = await post(two)
            assert _answer(r) == TOO_MANY, (route.url, r.text)


async def test_every_route_that_takes_images_refuses_a_bomb_before_storing_it(client: httpx.AsyncClient) -> None:
    from server.assessment.models import Proof
    from server.proctoring.models import FaceImage
    from tests.support import documents

    routes = await _routes()
    images_before, proofs_before = await FaceImage.all().count(), await Proof.all().count()
    image_routes = [r for r in routes if "/exams/" not in r.url and "/import/" not in r.url]
    assert len(image_routes) == 5  # captures, snapshots, ID photo, application attachments, assessment proofs
    for route in image_routes:
        for kind in ("png", "jpg"):
            bomb = documents.image_bomb(kind)
            r = await client.post(
                route.url, data=route.form, files={route.field: (f"a.{kind}", bomb)}, headers=route.headers
            )
            assert _answer(r) == TOO_LARGE, (route.url, kind, r.text)
            details = r.json()["error"]["details"]
            assert (details["width"], details["height"]) == (60000, 60000) and r.json()["error"]["field"] == route.field
    for route in [r for r in image_routes if r.url.endswith(("/attachments", "/proofs"))]:
        for data, expected in (
            (documents.pdf_with_image(60000, 60000), TOO_LARGE),
            (documents.pdf(60), TOO_LARGE),
            (b"%PDF-1.4\n%proof\n", (422, "UPLOAD_FILE_INVALID")),
        ):
            r = await client.post(
                route.url, data=route.form, files={route.field: ("a.pdf", data)}, headers=route.headers
            )
            assert _answer(r) == expected, (route.url, r.text)
    assert (await FaceImage.all().count(), await Proof.all().count()) == (images_before, proofs_before)
