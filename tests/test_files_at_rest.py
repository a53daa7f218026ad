"""Issue 17 finding 9 and issue 20 item 1: every file an upload route keeps is sealed at rest, the same way, on
either backend, and comes back only through the app's own access checks.

One test, run on the local folder and on the loopback S3 server, drives every route that stores a file (face
capture, exam snapshot, ID photo, application attachment, assessment proof), fetches each back through its route
as its owner (the bytes uploaded) and as a stranger (404), then reads every object the test stored straight from
the backend and counts the ones whose bytes are the upload in clear. Before the fix: 6 objects, 1 in clear (the
proof); after: 0.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from server.assessment.models import Proof
from server.proctoring.models import FaceImage, ProctoredAttempt
from tests.support import assessment as af
from tests.support import documents, images
from tests.support import factories as f
from tests.support import proctoring as pf
from tests.support import registry as rf
from tests.support import storage as sf

MAGIC = (b"%PDF", b"\xff\xd8\xff", b"\x89PNG")


def _plaintext(raw: bytes, uploads: list[bytes]) -> bool:
    return raw[:1] != b"\x01" or raw.startswith(MAGIC) or any(u in raw for u in uploads)


@pytest.mark.usefixtures("storage_backend")
async def test_every_stored_upload_is_encrypted_at_rest(client: httpx.AsyncClient) -> None:
    uploads: list[bytes] = []
    before = set(sf.stored_objects())

    served: list[tuple[str, bytes, dict[str, str]]] = []  # (download url, bytes uploaded, the owner's headers)

    async def post(url: str, field: str, data: bytes, headers: dict[str, str], **form: str) -> httpx.Response:
        uploads.append(data)
        r = await client.post(url, data=form, files={field: ("upload.bin", data)}, headers=headers)
        assert r.status_code == 201, (url, r.text)
        return r

    # proctoring: a face capture and an exam snapshot
    w = await pf.world()
    await pf.consent(w.physician)
    h = await f.auth_headers(w.physician)
    frame = pf.frames()["ok_1280"]
    r = await post("/api/v1/proctoring/captures", "image", frame, h, exam_kind="humanities")
    served.append((f"/api/v1/proctoring/images/{r.json()['image_id']}", frame, h))
    attempt = await pf.attempt(w.physician, offsets=[100, 2000])
    await ProctoredAttempt.filter(id=attempt.id).update(started_at=attempt.started_at - timedelta(seconds=95))
    frame = pf.frames()["ok_640"]
    r = await post(f"/api/v1/proctoring/attempts/{attempt.attempt_ref}/snapshots", "image", frame, h)
    served.append((f"/api/v1/proctoring/images/{r.json()['image_id']}", frame, h))
    # registry: an ID photo and an application attachment
    inst = await f.institution("110105", name="朝阳医院")
    who = await rf.person(institution=inst)
    user = await rf.activated(who)
    rh = await f.auth_headers(user)
    photo = images.jpeg(images.id_photo(), quality=80)
    r = await post("/api/v1/registry/photo", "photo", photo, rh)
    served.append((f"/api/v1/registry/info-changes/{r.json()['id']}/photo", photo, rh))
    r = await client.post(
        "/api/v1/registry/applications",
        json={"kind": "change", "institution_id": inst.id, "practice_scopes": ["外科专业"]},
        headers=rh,
    )
    assert r.status_code == 201, r.text
    attachment = documents.pdf(1)  # a real PDF: the upload parser opens it
    app_id = r.json()["id"]
    await post(f"/api/v1/registry/applications/{app_id}/attachments", "file", attachment, rh, purpose="other")
    served.append((f"/api/v1/registry/applications/{app_id}/attachments/0", attachment, rh))
    # assessment: a proof
    aw = await af.world()
    await af.enrolled(client, aw, aw.doctor)
    proof = documents.pdf(2)
    r = await post(f"{af.A}/proofs", "file", proof, aw.doctor.headers)
    served.append((f"{af.A}/proofs/{r.json()['items'][0]['id']}", proof, aw.doctor.headers))

    stranger = await f.auth_headers(w.other_physician)
    for url, data, owner in served:
        r = await client.get(url, headers=owner)
        assert r.status_code == 200 and r.content == data, (url, r.status_code)
        r = await client.get(url, headers=stranger)
        assert r.status_code == 404, (url, r.status_code)

    stored = {key: raw for key, raw in sf.stored_objects().items() if key not in before}
    plaintext = sorted(key for key, raw in stored.items() if _plaintext(raw, uploads))
    print(f"\nstored objects: {len(stored)}, plaintext: {len(plaintext)} {plaintext}")
    assert len(stored) >= 5
    assert plaintext == []


async def test_an_unreachable_object_store_answers_503_and_keeps_nothing(
    client: httpx.AsyncClient, s3_server: sf.S3Server, closed_port: str
) -> None:
    aw = await af.world()
    await af.enrolled(client, aw, aw.doctor)
    proof_id = await af.upload(client, aw.doctor)  # stored while the store answers
    w = await pf.world()
    await pf.consent(w.physician)
    h = await f.auth_headers(w.physician)
    down = s3_server.settings_env() | {
        "S3_ENDPOINT_URL": f"http://{closed_port}",
        "S3_MAX_ATTEMPTS": "1",
        "S3_TIMEOUT_S": "2",
    }
    before = sf.use_env(down)
    try:
        proofs, images = await Proof.all().count(), await FaceImage.all().count()
        r = await client.post(f"{af.A}/proofs", files={"file": ("p.pdf", af.PDF)}, headers=aw.doctor.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (503, "STORAGE_UNAVAILABLE")
        r = await client.post(
            "/api/v1/proctoring/captures", data={"exam_kind": "humanities"}, files={"image": pf.ok_frame()}, headers=h
        )
        assert (r.status_code, r.json()["error"]["code"]) == (503, "STORAGE_UNAVAILABLE")
        assert (await Proof.all().count(), await FaceImage.all().count()) == (proofs, images)  # nothing recorded
        r = await client.get(f"{af.A}/proofs/{proof_id}", headers=aw.doctor.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (503, "STORAGE_UNAVAILABLE")
        assert "message" in r.json()["error"]
    finally:
        sf.restore_env(before)
    r = await client.get(f"{af.A}/proofs/{proof_id}", headers=aw.doctor.headers)
    assert r.status_code == 200 and r.content == af.PDF
