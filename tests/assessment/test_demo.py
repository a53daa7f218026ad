"""The assessment demo: after the registry demo, a bound-ready physician whose credential is in the banner."""

from __future__ import annotations

import re

import httpx

from server import demo as registry_demo
from server.accounts.models import User
from server.assessment import demo
from server.common import crypto
from tests.support.assessment import A
from tests.support.factories import auth_headers


async def test_seed_demo_gives_a_working_credential(client: httpx.AsyncClient) -> None:
    await registry_demo.seed_demo()
    lines = await demo.seed_demo()
    text = "\n".join(lines)
    match = re.search(r"一次性初始密码 (\S+)（", text)
    assert match, text
    user = await User.get(phone=demo.DEMO_PHONE)
    id_number = crypto.decrypt(user.id_number_enc or "", context="id_number")
    assert id_number in text
    headers = await auth_headers(user)
    r = await client.post(
        f"{A}/binding",
        json={
            "province_code": "110000",
            "id_number": id_number,
            "name": user.real_name,
            "credential": match.group(1),
            "new_password": "Demo-bind-2026x",
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    r = await client.get(f"{A}/home", headers=headers)
    assert r.json()["current_step"] == "user_notice"
    assert all(w["is_open"] for w in r.json()["windows"])
    assert [p["result"] for p in r.json()["previous"]] == ["passed", "failed"]
    # the results page shows the two past cycles, the last one at two practice sites, each with its notice
    r = await client.post(f"{A}/notice", json={"version": "2024.1"}, headers=headers)
    assert r.status_code == 200, r.text
    r = await client.get(f"{A}/results", headers=headers)
    items = r.json()["items"]
    assert [(i["is_current"], i["result_label"]) for i in items] == [(False, "合格"), (False, "不合格")]
    assert [s["is_main"] for s in items[0]["sites"]] == [True, False]
    r = await client.get(items[1]["notice_url"], headers=headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    # seeding again does not touch a bound account
    again = await demo.seed_demo()
    assert "已绑定" in again[0]
    from server.assessment.models import Assessment

    assert await Assessment.filter(user_id=user.id).count() == 2  # the past results are seeded once
