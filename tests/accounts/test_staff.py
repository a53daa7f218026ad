"""Staff accounts through HTTP: who may create, list, disable, re-enable and reset whom, by role and region."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.accounts import api as accounts_api
from server.accounts import passwords as pw
from server.accounts.errors import AdminExists, PasswordWeak
from server.accounts.models import User
from server.common import scope
from server.common.enums import Role
from server.common.models import AuditEntry, OutboxEvent
from server.db import run_atomic
from server.notifications.drain import drain
from server.notifications.models import InboxMessage
from tests.support import factories as f
from tests.support.accounts import PASSWORD, error_code

S = "/api/v1/staff"


async def _world() -> dict[str, Any]:
    """Beijing (东城 110101, 朝阳 110105) and Hebei (长安 130102), a manager of each kind and an institution each."""
    names = {"110000": "北京市", "110100": "市辖区", "110101": "东城区", "110105": "朝阳区", "130000": "河北省"}
    for code in ("110000", "110100", "110101", "110105", "130000", "130100", "130102"):
        await f.region(code, names.get(code))
    dc = await f.institution("110101", "东城医院")
    cy = await f.institution("110105", "朝阳医院")
    hb = await f.institution("130102", "长安医院")
    users = {
        "admin": await f.admin(),
        "bj_commission": await f.commission_reviewer("110000"),
        "dc_commission": await f.commission_reviewer("110101"),
        "bj_office": await f.office_reviewer("110000"),
        "cy_office": await f.office_reviewer("110105"),
        "dc_hospital": await f.institution_reviewer(dc.id, region_code="110101"),
        "physician": await f.physician(),
    }
    return {"dc": dc, "cy": cy, "hb": hb, **users}


async def _h(w: dict[str, Any], who: str) -> dict[str, str]:
    return await f.auth_headers(w[who])


async def _logged_in(client: httpx.AsyncClient, user: User) -> dict[str, str]:
    """A real log-in of ``user`` (a session row and its Redis key, as the accounts part opens them)."""
    username = user.username or f"u{user.id}"
    await User.filter(id=user.id).update(username=username, password_hash=await pw.hash_password(PASSWORD))
    r = await client.post("/api/v1/auth/login", json={"login": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _body(username: str, role: str, **scope: Any) -> dict[str, Any]:
    return {"username": username, "role": role, "real_name": "李管理", **scope}


async def test_commission_creates_institution_account_that_must_change_its_one_time_password(
    client: httpx.AsyncClient,
) -> None:
    w = await _world()
    r = await client.post(
        S,
        json=_body("dc_hospital2", "institution_reviewer", institution_id=w["dc"].id),
        headers=await _h(w, "bj_commission"),
    )
    assert r.status_code == 201, r.text
    data = r.json()
    otp = data["one_time_password"]
    assert len(otp) == 12 and data["staff"]["must_change_password"] is True
    assert data["staff"]["region_code"] == "110101" and data["staff"]["institution_id"] == w["dc"].id
    user = await User.get(username="dc_hospital2")
    assert otp not in (user.password_hash or "")
    assert await AuditEntry.filter(
        action="staff.created", actor_id=w["bj_commission"].id, subject_id=str(user.id)
    ).exists()
    # The one-time password opens one session that can only change it, then never works again
    r = await client.post("/api/v1/auth/login", json={"login": "dc_hospital2", "password": otp})
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    token = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await client.get("/api/v1/staff", headers=token)
    assert r.status_code == 403 and error_code(r) == "PASSWORD_CHANGE_REQUIRED"
    r = await client.post("/api/v1/auth/login", json={"login": "dc_hospital2", "password": otp})
    assert r.status_code == 401 and error_code(r) == "INITIAL_PASSWORD_USED"


@pytest.mark.parametrize(
    ("who", "role", "scope", "status", "code"),
    [
        ("admin", "admin", {}, 201, None),
        ("admin", "office_reviewer", {"region_code": "130000"}, 201, None),
        ("bj_commission", "commission_reviewer", {"region_code": "110105"}, 201, None),
        ("bj_office", "office_reviewer", {"region_code": "110105"}, 201, None),
        ("cy_office", "office_reviewer", {"region_code": "110105"}, 201, None),
        # wrong region: a district office or commission stays in its district, Beijing's in Beijing
        ("cy_office", "office_reviewer", {"region_code": "110101"}, 403, "STAFF_SCOPE_FORBIDDEN"),
        ("bj_office", "office_reviewer", {"region_code": "130000"}, 403, "STAFF_SCOPE_FORBIDDEN"),
        ("dc_commission", "institution_reviewer", {"institution": "cy"}, 403, "STAFF_SCOPE_FORBIDDEN"),
        ("bj_commission", "institution_reviewer", {"institution": "hb"}, 403, "STAFF_SCOPE_FORBIDDEN"),
        # wrong role: an office makes no institution or commission log-ins, a commission no office ones, nobody
        # but an administrator makes administrators
        ("bj_office", "institution_reviewer", {"institution": "dc"}, 403, "STAFF_SCOPE_FORBIDDEN"),
        ("bj_office", "commission_reviewer", {"region_code": "110105"}, 403, "STAFF_SCOPE_FORBIDDEN"),
        ("bj_commission", "office_reviewer", {"region_code": "110105"}, 403, "STAFF_SCOPE_FORBIDDEN"),
        ("bj_commission", "admin", {}, 403, "STAFF_SCOPE_FORBIDDEN"),
        # institutions and physicians manage no staff
        ("dc_hospital", "institution_reviewer", {"institution": "dc"}, 403, "ROLE_FORBIDDEN"),
        ("physician", "office_reviewer", {"region_code": "110105"}, 403, "ROLE_FORBIDDEN"),
        # scopes that do not fit the role, or do not exist
        ("admin", "office_reviewer", {}, 422, "STAFF_SCOPE_INVALID"),
        ("admin", "office_reviewer", {"region_code": "990000"}, 422, "STAFF_SCOPE_INVALID"),
        ("admin", "institution_reviewer", {"region_code": "110101"}, 422, "STAFF_SCOPE_INVALID"),
        ("admin", "institution_reviewer", {"institution_id": 999999}, 422, "STAFF_SCOPE_INVALID"),
        ("admin", "admin", {"region_code": "110000"}, 422, "STAFF_SCOPE_INVALID"),
    ],
)
async def test_who_may_create_which_staff_account(
    client: httpx.AsyncClient, who: str, role: str, scope: dict[str, Any], status: int, code: str | None
) -> None:
    w = await _world()
    if "institution" in scope:
        scope = {"institution_id": w[scope["institution"]].id}
    before = await User.all().count()
    r = await client.post(S, json=_body("newstaff", role, **scope), headers=await _h(w, who))
    assert r.status_code == status, r.text
    if code:
        assert error_code(r) == code
        assert await User.all().count() == before and not await AuditEntry.filter(action="staff.created").exists()
    else:
        assert (await User.get(username="newstaff")).role == Role(role)


@pytest.mark.parametrize(
    "bad",
    [
        {"username": "ab"},
        {"username": "1abc"},
        {"username": "李四"},
        {"role": "physician"},
        {"real_name": ""},
        {"phone": "12345"},
        {"region_code": "11"},
        {"extra": 1},
    ],
)
async def test_bad_input_is_refused_and_nothing_stored(client: httpx.AsyncClient, bad: dict[str, Any]) -> None:
    w = await _world()
    before = await User.all().count()
    r = await client.post(
        S, json={**_body("good_name", "office_reviewer", region_code="110105"), **bad}, headers=await _h(w, "admin")
    )
    assert r.status_code == 422 and error_code(r) == "VALIDATION_FAILED"
    assert await User.all().count() == before


async def test_taken_username_and_phone_are_refused(client: httpx.AsyncClient) -> None:
    w = await _world()
    h = await _h(w, "admin")
    assert (await client.post(S, json=_body("taken", "admin"), headers=h)).status_code == 201
    r = await client.post(S, json=_body("TAKEN", "admin"), headers=h)
    assert r.status_code == 409 and error_code(r) == "USERNAME_TAKEN"
    r = await client.post(S, json=_body("other", "admin", phone=w["physician"].phone), headers=h)
    assert r.status_code == 409 and r.json()["error"]["field"] == "phone"
    assert await User.filter(username="other").count() == 0


async def test_list_shows_only_what_the_caller_manages_with_filters_and_pages(client: httpx.AsyncClient) -> None:
    w = await _world()
    h = await _h(w, "admin")
    for i, region in enumerate(("110101", "110105", "110105", "130102")):
        await client.post(S, json=_body(f"office{i}", "office_reviewer", region_code=region), headers=h)
    r = await client.get(S, params={"limit": 50}, headers=h)
    names = {s["username"] for s in r.json()["items"]}
    assert {"office0", "office1", "office2", "office3"} <= names and len(r.json()["items"]) == 10  # + 6 staff
    # the 朝阳 office sees offices in 朝阳 only (itself included); no institution or commission accounts
    r = await client.get(S, headers=await _h(w, "cy_office"))
    assert r.status_code == 200
    ids = {s["id"] for s in r.json()["items"]}
    assert ids == {w["cy_office"].id} | set(
        await User.filter(username__in=["office1", "office2"]).values_list("id", flat=True)
    )
    # the 东城 commission sees 东城's commission and institution accounts
    r = await client.get(S, headers=await _h(w, "dc_commission"))
    assert {s["id"] for s in r.json()["items"]} == {w["dc_commission"].id, w["dc_hospital"].id}
    # filters and search
    r = await client.get(S, params={"role": "office_reviewer", "region_code": "110105"}, headers=h)
    assert {s["username"] for s in r.json()["items"]} == {"office1", "office2", None}
    r = await client.get(S, params={"q": "OFFICE3"}, headers=h)
    assert [s["username"] for s in r.json()["items"]] == ["office3"]
    assert r.json()["items"][0]["phone"] is None
    # pages
    r = await client.get(S, params={"limit": 4}, headers=h)
    first = r.json()
    assert len(first["items"]) == 4 and first["next_cursor"] == first["items"][-1]["id"]
    r = await client.get(S, params={"limit": 4, "cursor": first["next_cursor"]}, headers=h)
    assert not {s["id"] for s in r.json()["items"]} & {s["id"] for s in first["items"]}
    # bad input and wrong user
    r = await client.get(S, params={"role": "physician"}, headers=h)
    assert r.status_code == 422 and error_code(r) == "VALIDATION_FAILED"
    r = await client.get(S, headers=await _h(w, "dc_hospital"))
    assert r.status_code == 403 and error_code(r) == "ROLE_FORBIDDEN"
    assert (await client.get(S)).status_code == 401


async def test_detail_disable_enable_in_scope_only(client: httpx.AsyncClient) -> None:
    w = await _world()
    target = w["cy_office"].id
    # out of scope or not staff: 404, nothing changes
    for who, uid in (("dc_commission", target), ("bj_commission", target), ("admin", w["physician"].id)):
        r = await client.post(f"{S}/{uid}/disable", json={"reason": "离职"}, headers=await _h(w, who))
        assert r.status_code == 404 and error_code(r) == "STAFF_NOT_FOUND"
        r = await client.get(f"{S}/{uid}", headers=await _h(w, who))
        assert r.status_code == 404
    assert (await User.get(id=target)).is_active
    h = await _h(w, "bj_office")
    r = await client.post(f"{S}/{target}/disable", json={"reason": "x"}, headers=h)
    assert r.status_code == 422 and (await User.get(id=target)).is_active
    victim = await _logged_in(client, w["cy_office"])
    assert (await client.get(S, headers=victim)).status_code == 200
    r = await client.post(f"{S}/{target}/disable", json={"reason": "人员调离"}, headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is False
    # every session of the disabled account ends at once
    assert (await client.get(S, headers=victim)).status_code == 401
    assert await AuditEntry.filter(
        action="account.disabled", actor_id=w["bj_office"].id, subject_id=str(target)
    ).exists()
    r = await client.get(S, params={"is_active": "false"}, headers=h)
    assert [s["id"] for s in r.json()["items"]] == [target]
    r = await client.post(f"{S}/{target}/enable", json={"reason": "返岗"}, headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert await AuditEntry.filter(action="account.enabled", subject_id=str(target)).exists()
    # one's own account is not disabled from here
    r = await client.post(f"{S}/{w['bj_office'].id}/disable", json={"reason": "测试"}, headers=h)
    assert r.status_code == 409 and error_code(r) == "STAFF_SELF_CHANGE"


async def test_password_reset_gives_a_new_one_time_password_and_ends_sessions(client: httpx.AsyncClient) -> None:
    w = await _world()
    h = await _h(w, "dc_commission")
    target = w["dc_hospital"]
    victim = await _logged_in(client, target)
    for who in ("cy_office", "bj_office"):  # an office manages no institution accounts
        r = await client.post(f"{S}/{target.id}/password-reset", headers=await _h(w, who))
        assert r.status_code == 404 and error_code(r) == "STAFF_NOT_FOUND"
    r = await client.post(f"{S}/{target.id}/password-reset", headers=await _h(w, "dc_hospital"))
    assert r.status_code == 403
    r = await client.post(f"{S}/{target.id}/password-reset", headers=h)
    assert r.status_code == 200
    otp = r.json()["one_time_password"]
    assert r.json()["staff"]["must_change_password"] is True
    r = await client.get("/api/v1/me", headers=victim)
    assert r.status_code == 401
    assert await AuditEntry.filter(action="staff.password_reset", actor_id=w["dc_commission"].id).exists()
    r = await client.post("/api/v1/auth/login", json={"login": f"u{target.id}", "password": otp})
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    r = await client.post(f"{S}/{w['dc_commission'].id}/password-reset", headers=h)
    assert r.status_code == 409 and error_code(r) == "STAFF_SELF_CHANGE"


async def test_create_admin_refuses_weak_passwords_and_a_second_admin_without_force(db: None) -> None:
    with pytest.raises(PasswordWeak):
        await accounts_api.create_admin(username="root", password="88888888")
    assert not await User.filter(role=Role.ADMIN).exists()
    first = await accounts_api.create_admin(username="Root", password="Ops-Start-2026!")
    assert first.username == "root" and not first.must_change_password
    with pytest.raises(AdminExists):
        await accounts_api.create_admin(username="root2", password="Ops-Start-2026!")
    await accounts_api.create_admin(username="root2", password="Ops-Start-2026!", force=True)
    assert await User.filter(role=Role.ADMIN).count() == 2
    assert await AuditEntry.filter(action="staff.admin_created").count() == 2


async def test_institution_resets_its_physicians_password_by_sms(client: httpx.AsyncClient, emulators: Any) -> None:
    w = await _world()
    doctor = w["physician"]
    await run_atomic(
        scope.set_affiliation, user_id=doctor.id, institution_id=w["dc"].id, region_code="110101", source="registry"
    )
    old_session = await _logged_in(client, doctor)
    url = f"{S}/physicians/{doctor.id}/password-reset"
    # another institution, an office, a commission, the physician: refused, nothing changes
    cy_hospital = await f.institution_reviewer(w["cy"].id, region_code="110105")
    for who in (cy_hospital, w["bj_office"], w["bj_commission"], doctor):
        r = await client.post(url, headers=await f.auth_headers(who))
        assert r.status_code in (403, 404), r.text
    r = await client.post(url, headers=await f.auth_headers(cy_hospital))
    assert r.status_code == 404 and error_code(r) == "PHYSICIAN_NOT_FOUND"
    r = await client.post(f"{S}/physicians/{w['bj_office'].id}/password-reset", headers=await _h(w, "dc_hospital"))
    assert r.status_code == 404  # staff are not reset from here
    assert not (await User.get(id=doctor.id)).must_change_password
    assert not await OutboxEvent.filter(kind="account.password_reset").exists()

    r = await client.post(url, headers=await _h(w, "dc_hospital"))
    assert r.status_code == 200, r.text
    assert r.json()["sessions_ended"] == 1 and "password" not in r.text.lower().replace("password-reset", "")
    assert (await client.get("/api/v1/me", headers=old_session)).status_code == 401
    assert await AuditEntry.filter(
        action="account.password_reset_by_institution", actor_id=w["dc_hospital"].id
    ).exists()
    await drain()
    sms = emulators.state.latest_sms(doctor.phone)
    assert sms is not None and "东城医院" in sms.text
    temp = sms.params["code"]
    assert len(temp) == 12
    # the inbox tells the physician, without the password
    [inbox] = await InboxMessage.filter(user_id=doctor.id, kind="account.password_reset")
    assert "临时密码已通过短信发送" in inbox.body and temp not in inbox.body
    r = await client.post("/api/v1/auth/login", json={"login": doctor.phone, "password": PASSWORD})
    assert r.status_code == 401
    r = await client.post("/api/v1/auth/login", json={"login": doctor.phone, "password": temp})
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    r = await client.post("/api/v1/auth/login", json={"login": doctor.phone, "password": temp})
    assert r.status_code == 401 and error_code(r) == "INITIAL_PASSWORD_USED"


async def test_one_time_password_expires_and_the_answer_says_when(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from tortoise.timezone import now

    from server.config import get_settings

    w = await _world()
    monkeypatch.setattr(get_settings(), "staff_one_time_password_hours", 24)
    h = await _h(w, "admin")
    r = await client.post(S, json=_body("late_office", "office_reviewer", region_code="110105"), headers=h)
    assert r.status_code == 201, r.text
    data = r.json()
    user = await User.get(username="late_office")
    expires = user.one_time_password_expires_at
    assert expires is not None and timedelta(hours=23) < expires - now() <= timedelta(hours=24)
    assert data["expires_at"] and data["staff"]["one_time_password_expires_at"]
    assert data["staff"]["region_name"] == "北京市朝阳区" and data["staff"]["institution_name"] is None
    # past its time: a clear code, audited, and no session opened (a wrong password still says only "wrong")
    await User.filter(id=user.id).update(one_time_password_expires_at=now() - timedelta(minutes=1))
    r = await client.post("/api/v1/auth/login", json={"login": "late_office", "password": "Wrong-Guess-2026"})
    assert r.status_code == 401 and error_code(r) == "INVALID_CREDENTIALS"
    r = await client.post("/api/v1/auth/login", json={"login": "late_office", "password": data["one_time_password"]})
    assert r.status_code == 401 and error_code(r) == "ONE_TIME_PASSWORD_EXPIRED"
    assert "管理员" in r.json()["error"]["message"]
    assert await AuditEntry.filter(action="login.one_time_password_expired", subject_id=str(user.id)).exists()
    assert (await User.get(id=user.id)).initial_login_at is None
    # a reset gives a fresh one (its own expires_at); once changed, nothing expires any more
    r = await client.post(f"{S}/{user.id}/password-reset", headers=h)
    assert r.status_code == 200 and r.json()["expires_at"]
    otp = r.json()["one_time_password"]
    r = await client.post("/api/v1/auth/login", json={"login": "late_office", "password": otp})
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    token = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await client.post(
        "/api/v1/me/password", json={"old_password": otp, "new_password": "Xin-Mima-2026!"}, headers=token
    )
    assert r.status_code == 200, r.text
    changed = await User.get(id=user.id)
    assert changed.one_time_password_expires_at is None and not changed.must_change_password
    r = await client.get(f"{S}/{user.id}", headers=h)
    assert r.json()["one_time_password_expires_at"] is None and r.json()["must_change_password"] is False


async def test_username_log_in_is_case_insensitive(client: httpx.AsyncClient) -> None:
    w = await _world()
    await User.filter(id=w["bj_office"].id).update(username="bj_office", password_hash=await pw.hash_password(PASSWORD))
    for typed in ("BJ_Office", "BJ_OFFICE", " bj_office "):
        r = await client.post("/api/v1/auth/login", json={"login": typed, "password": PASSWORD})
        assert r.status_code == 200, (typed, r.text)
    r = await client.post("/api/v1/auth/login", json={"login": "BJ_OFFICE", "password": "Wrong-Guess-2026"})
    assert r.status_code == 401 and error_code(r) == "INVALID_CREDENTIALS"
    r = await client.post("/api/v1/auth/login", json={"login": "BJ_OFFICE2", "password": PASSWORD})
    assert r.status_code == 401 and error_code(r) == "INVALID_CREDENTIALS"


async def test_staff_answers_name_the_scope(client: httpx.AsyncClient) -> None:
    w = await _world()
    h = await _h(w, "admin")
    r = await client.get(S, params={"limit": 50}, headers=h)
    by_id = {s["id"]: s for s in r.json()["items"]}
    assert by_id[w["dc_hospital"].id]["institution_name"] == "东城医院"
    assert by_id[w["bj_office"].id]["region_name"] == "北京市"
    assert by_id[w["cy_office"].id]["region_name"] == "北京市朝阳区"
    assert by_id[w["admin"].id]["region_name"] is None and by_id[w["admin"].id]["institution_name"] is None
    r = await client.get(f"{S}/{w['dc_commission'].id}", headers=h)
    assert r.json()["region_name"] == "北京市东城区"


def test_region_names_read_once_whatever_the_directory_calls_them() -> None:
    from types import SimpleNamespace as R

    from server.accounts.staff_schemas import _full_name

    assert _full_name([R(name="北京市"), R(name="市辖区"), R(name="东城区")]) == "北京市东城区"
    assert _full_name([R(name="北京市"), R(name="北京市东城区")]) == "北京市东城区"
    assert _full_name([R(name="河北省"), R(name="石家庄市"), R(name="长安区")]) == "河北省石家庄市长安区"
    assert _full_name([]) == ""
