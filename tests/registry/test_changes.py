"""Info changes and ID photos (institution review), my data, departments, authorities, look-up, summary."""

from __future__ import annotations

import httpx

from server.common import scope
from server.common.models import AuditEntry
from server.directory.models import Department, Institution
from server.proctoring.models import FaceReference
from server.registry import service
from server.registry.models import (
    InfoChangeRequest,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)
from server.workflow.models import ReviewItem, ReviewStatus
from tests.support import factories as wf
from tests.support import images
from tests.support import registry as rf
from tests.support import storage as sf

R = "/api/v1/registry"
REVIEWS = "/api/v1/reviews/items"


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


def _photo(quality: int = 80) -> bytes:
    return images.jpeg(images.id_photo(), quality=quality)


async def test_info_change_reviewed_replaces_registration_copy_only(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    other = await wf.institution("110105")
    who = await rf.person(institution=inst)
    user = await rf.activated(who)
    headers = await wf.auth_headers(user)
    r = await client.post(f"{R}/info-changes", json={"education": "本科"}, headers=headers)
    assert r.status_code == 422 and _code(r) == "NOTHING_TO_CHANGE"
    r = await client.post(f"{R}/info-changes", json={"education": "硕士研究生", "title": "副主任医师"}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"
    r2 = await client.post(f"{R}/info-changes", json={"school": "清华大学"}, headers=headers)
    assert r2.status_code == 409 and _code(r2) == "INFO_CHANGE_PENDING"
    item = await ReviewItem.get(id=r.json()["review_item_id"])
    assert item.payload["changes"] == {"education": "硕士研究生", "title": "副主任医师"}
    assert item.payload["current"]["education"] == "本科"
    r3 = await client.post(
        f"{REVIEWS}/{item.id}/approve", json={}, headers=await wf.auth_headers(await wf.institution_reviewer(other.id))
    )
    assert r3.status_code == 404
    r3 = await client.post(
        f"{REVIEWS}/{item.id}/approve", json={}, headers=await wf.auth_headers(await wf.institution_reviewer(inst.id))
    )
    assert r3.status_code == 200
    assert who.registration is not None
    reg = await PracticeRegistration.get(id=who.registration.id)
    assert reg.education == "硕士研究生" and reg.title == "副主任医师"
    assert (await Qualification.get(id=who.qualification.id)).education == "本科"  # original untouched
    listed = (await client.get(f"{R}/info-changes", headers=headers)).json()["items"]
    assert listed[0]["status"] == "approved"


async def test_photo_rules_each_with_its_own_error(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    who = await rf.person(institution=inst)
    user = await rf.activated(who)
    headers = await wf.auth_headers(user)
    cases = [
        (b"GIF89a" + b"\x00" * 100, "UPLOAD_TYPE_INVALID"),  # the one upload parser, by content
        (images.png(images.id_photo(size=(400, 472))), None),  # size or byte limit, whichever comes first
        (images.jpeg(images.id_photo(size=(300, 400)), 80), "PHOTO_SIZE_INVALID"),
        (images.jpeg(images.id_photo(background=(40, 40, 40)), 80), "PHOTO_BACKGROUND_INVALID"),
        (images.jpeg(images.id_photo(people=((0.3, 0.4, 0.3), (0.72, 0.4, 0.3))), 80), "FACE_MULTIPLE"),
    ]
    for data, code in cases:
        r = await client.post(f"{R}/photo", files={"photo": ("p.jpg", data, "image/jpeg")}, headers=headers)
        assert r.status_code in (413, 422), r.text
        if code:
            assert _code(r) == code, (code, r.text)
    big = images.png(images.id_photo())
    if len(big) > 80 * 1024:
        r = await client.post(f"{R}/photo", files={"photo": ("p.png", big, "image/png")}, headers=headers)
        assert _code(r) == "PHOTO_TOO_LARGE"
    r = await client.post(f"{R}/photo", headers=headers)
    assert r.status_code == 400 and _code(r) == "UPLOAD_MISSING"
    assert not await InfoChangeRequest.all().exists()


async def test_photo_upload_review_and_replace(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    other = await wf.institution("110105")
    who = await rf.person(institution=inst)
    user = await rf.activated(who)
    headers = await wf.auth_headers(user)
    first = _photo(80)
    r = await client.post(f"{R}/photo", files={"photo": ("p.jpg", first, "image/jpeg")}, headers=headers)
    assert r.status_code == 201, r.text
    first_id = r.json()["id"]
    second = _photo(75)
    r = await client.post(f"{R}/photo", files={"photo": ("p.jpg", second, "image/jpeg")}, headers=headers)
    assert r.status_code == 201 and r.json()["replaced"] is True
    second_id = r.json()["id"]
    old = await InfoChangeRequest.get(id=first_id)
    assert (await ReviewItem.get(id=old.review_item_id)).status == ReviewStatus.WITHDRAWN
    req = await InfoChangeRequest.get(id=second_id)
    item = await ReviewItem.get(id=req.review_item_id)
    # the reviewer of the main institution sees the photo, another institution and another physician do not
    url = f"{R}/info-changes/{second_id}/photo"
    ours = await wf.auth_headers(await wf.institution_reviewer(inst.id))
    r = await client.get(url, headers=ours)
    assert r.status_code == 200 and r.content == second and r.headers["content-type"] == "image/jpeg"
    assert await AuditEntry.filter(action="registry.photo.read").exists()
    assert (
        await client.get(url, headers=await wf.auth_headers(await wf.institution_reviewer(other.id)))
    ).status_code == 404
    stranger = await rf.activated(await rf.person(name="李华", institution=inst))
    assert (await client.get(url, headers=await wf.auth_headers(stranger))).status_code == 404
    # the reviewer's detail offers the photo as a downloadable image link (no current photo yet)
    r = await client.get(f"{REVIEWS}/{item.id}", headers=ours)
    assert r.json()["files"] == [{"role": "new_photo", "label": "新相片", "href": url, "media_type": "image/jpeg"}]
    assert (await client.get(f"{R}/info-changes/{second_id}/current-photo", headers=ours)).status_code == 404
    # stored encrypted
    assert req.photo_key and second not in (await _raw(req.photo_key))
    assert (await client.get(f"{R}/photo", headers=headers)).status_code == 404
    r = await client.post(f"{REVIEWS}/{item.id}/approve", json={}, headers=ours)
    assert r.status_code == 200
    r = await client.get(f"{R}/photo", headers=headers)
    assert r.status_code == 200 and r.content == second
    # the approved photo is now the reference of the physician's face comparisons before exams
    reference = await FaceReference.get(user_id=user.id)
    assert reference.storage_key == req.photo_key
    # a later photo change shows the new photo beside the current one, both served with the same checks
    third = _photo(70)
    r = await client.post(f"{R}/photo", files={"photo": ("p.jpg", third, "image/jpeg")}, headers=headers)
    third_id = r.json()["id"]
    later = await ReviewItem.get(id=(await InfoChangeRequest.get(id=third_id)).review_item_id)
    r = await client.get(f"{REVIEWS}/{later.id}", headers=ours)
    files = {f["role"]: f for f in r.json()["files"]}
    assert set(files) == {"new_photo", "current_photo"} and files["current_photo"]["label"] == "当前相片"
    assert (await client.get(files["new_photo"]["href"], headers=ours)).content == third
    current = await client.get(files["current_photo"]["href"], headers=ours)
    assert current.status_code == 200 and current.content == second and current.headers["content-type"] == "image/jpeg"
    assert (await client.get(files["current_photo"]["href"], headers=headers)).content == second
    for who in (await wf.institution_reviewer(other.id), stranger):
        assert (await client.get(files["current_photo"]["href"], headers=await wf.auth_headers(who))).status_code == 404
    entry = await AuditEntry.filter(action="registry.photo.read").order_by("-id").first()
    assert entry is not None and entry.details == {"which": "current"}


async def _raw(key: str) -> bytes:
    return sf.raw(key)


async def test_my_data_is_masked_and_audited(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    who = await rf.person(name="张明", institution=inst)
    user = await rf.activated(who)
    r = await client.get(f"{R}/me", headers=await wf.auth_headers(user))
    assert r.status_code == 200
    body = r.json()
    assert body["qualifications"][0]["name"] == "张*"
    assert who.id_number not in r.text and body["qualifications"][0]["id_number"].count("*") == 8
    assert body["registration"]["practice_scopes"] == ["内科专业"]
    assert await AuditEntry.filter(action="registry.me.read", actor_id=user.id).exists()
    r = await client.get(f"{R}/me", headers=await wf.auth_headers(await rf.account()))
    assert r.status_code == 200 and r.json()["account_status"] == "unverified" and r.json()["qualifications"] == []
    r = await client.get(f"{R}/me", headers=await wf.auth_headers(await wf.institution_reviewer(inst.id)))
    assert r.status_code == 403


async def test_choose_department_from_my_institution_only(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    other = await wf.institution("110105")
    mine = await Department.create(institution=inst, name="内科")
    theirs = await Department.create(institution=other, name="外科")
    who = await rf.person(institution=inst)
    user = await rf.activated(who)
    headers = await wf.auth_headers(user)
    r = await client.get(f"{R}/me/departments", headers=headers)
    assert [d["name"] for d in r.json()["items"]] == ["内科"]
    r = await client.put(f"{R}/me/department", json={"department_id": theirs.id}, headers=headers)
    assert r.status_code == 404 and _code(r) == "DEPARTMENT_NOT_FOUND"
    assert who.registration is not None
    assert (await PracticeRegistration.get(id=who.registration.id)).department_id is None  # type: ignore[attr-defined]
    r = await client.put(f"{R}/me/department", json={"department_id": mine.id}, headers=headers)
    assert r.status_code == 200 and r.json()["department_name"] == "内科"
    assert (await PracticeRegistration.get(id=who.registration.id)).department_id == mine.id  # type: ignore[attr-defined]


async def test_institution_departments_and_authorities(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    other = await wf.institution("110105")
    theirs = await Department.create(institution=other, name="外科")
    headers = await wf.auth_headers(await wf.institution_reviewer(inst.id))
    r = await client.post(f"{R}/institution/departments", json={"name": "儿科", "sort_order": 2}, headers=headers)
    assert r.status_code == 201
    dept_id = r.json()["id"]
    r = await client.post(f"{R}/institution/departments", json={"name": "儿科"}, headers=headers)
    assert r.status_code == 409
    r = await client.post(f"{R}/institution/departments", json={"name": ""}, headers=headers)
    assert r.status_code == 422
    r = await client.patch(f"{R}/institution/departments/{dept_id}", json={"name": "小儿科"}, headers=headers)
    assert r.status_code == 200 and r.json()["name"] == "小儿科"
    r = await client.patch(f"{R}/institution/departments/{theirs.id}", json={"name": "x"}, headers=headers)
    assert r.status_code == 404
    r = await client.delete(f"{R}/institution/departments/{theirs.id}", headers=headers)
    assert r.status_code == 404 and await Department.filter(id=theirs.id).exists()
    who = await rf.person(institution=inst)
    assert who.registration is not None
    await PracticeRegistration.filter(id=who.registration.id).update(department_id=dept_id)
    r = await client.delete(f"{R}/institution/departments/{dept_id}", headers=headers)
    assert r.status_code == 409 and _code(r) == "DEPARTMENT_IN_USE"
    await PracticeRegistration.filter(id=who.registration.id).update(status=RegistrationStatus.FILED)
    r = await client.delete(f"{R}/institution/departments/{dept_id}", headers=headers)
    assert r.status_code == 200 and not await Department.filter(id=dept_id).exists()
    # authorities
    r = await client.put(
        f"{R}/institution/approval-authorities",
        json={"clinical": "东城区卫健委", "tcm": "东城区中医局"},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["tcm"] == "东城区中医局"
    assert (await Institution.get(id=inst.id)).approval_authorities["clinical"] == "东城区卫健委"
    r = await client.put(f"{R}/institution/approval-authorities", json={"surgery": "x"}, headers=headers)
    assert r.status_code == 422
    r = await client.get(f"{R}/institution/approval-authorities", headers=await wf.auth_headers(await rf.account()))
    assert r.status_code == 403


async def test_lookup_for_institutions(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    who = await rf.person(name="张明", institution=inst)
    headers = await wf.auth_headers(await wf.institution_reviewer(inst.id))
    r = await client.post(f"{R}/lookup", json={"name": "张明", "id_number": who.id_number}, headers=headers)
    assert r.status_code == 200
    assert r.json()["qualifications"][0]["qualification_cert_no"] == who.qualification.qualification_cert_no
    assert r.json()["registrations"][0]["status"] == "active"
    assert await AuditEntry.filter(action="registry.lookup").exists()
    r = await client.post(f"{R}/lookup", json={"name": "张敏", "id_number": who.id_number}, headers=headers)
    assert r.status_code == 404 and _code(r) == "PHYSICIAN_NOT_FOUND"
    r = await client.post(
        f"{R}/lookup",
        json={"name": "张明", "id_number": who.id_number},
        headers=await wf.auth_headers(await rf.account()),
    )
    assert r.status_code == 403


async def test_registration_summary_for_other_parts(db: None) -> None:
    inst = await wf.institution("110101")
    who = await rf.person(institution=inst)
    nobody = await rf.account()
    assert await service.registration_summary(user_id=nobody.id) is None
    user = await rf.activated(who)
    summary = await service.registration_summary(user_id=user.id)
    assert summary is not None and summary["practice"]["institution_id"] == inst.id
    assert summary["practice"]["institution_region_code"] == "110101" and summary["multi_sites"] == []
    assert summary["qualification"]["qualification_cert_no"] == who.qualification.qualification_cert_no
    # the one scope answer agrees: the physician belongs to the main institution's county and province
    affiliation = await scope.affiliation_of(user.id)
    assert affiliation is not None and affiliation.institution_id == inst.id
    assert (affiliation.region_code, affiliation.province_code) == ("110101", "110000")


async def test_info_changes_and_photos_need_an_active_registration(client: httpx.AsyncClient) -> None:
    inst = await wf.institution("110101")
    who = await rf.person(institution=inst)
    user = await rf.account()
    assert (await rf.verify(client, user, who)).status_code == 200  # verified, not activated
    headers = await wf.auth_headers(user)
    r = await client.post(f"{R}/info-changes", json={"title": "副主任医师"}, headers=headers)
    assert r.status_code == 403 and _code(r) == "ACCOUNT_NOT_ACTIVATED", r.text
    r = await client.post(f"{R}/photo", files={"photo": ("p.jpg", _photo(), "image/jpeg")}, headers=headers)
    assert r.status_code == 403 and _code(r) == "ACCOUNT_NOT_ACTIVATED", r.text
    assert not await InfoChangeRequest.all().exists()
