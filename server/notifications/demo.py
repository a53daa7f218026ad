"""Demo data of the notifications part: a few inbox messages for the first demo physician (development only).

Events go through ``emit`` like any other part's, with dedupe keys, so seeding twice adds nothing; the worker of
`python -m server run` delivers them within a second.
"""

from __future__ import annotations

from server.accounts import api as accounts_api
from server.common.outbox import emit
from server.db import run_atomic

DEMO_PHONE = "13800000001"


async def seed_demo() -> list[str]:
    user_id = await accounts_api.user_id_by_phone(DEMO_PHONE)
    if user_id is None:
        return []

    async def body() -> None:
        await emit(
            kind="review.decided",
            user_id=user_id,
            payload={
                "item_id": 0,
                "kind": "info_change",
                "title": "信息修改申请",
                "decision": "approved",
                "reason": None,
            },
            dedupe_key="demo:review.decided:1",
        )
        await emit(
            kind="exam.scored",
            user_id=user_id,
            payload={"exam_kind": "humanities", "score": 88, "passed": True, "attempt_ref": "demo"},
            dedupe_key="demo:exam.scored:1",
        )
        await emit(
            kind="account.security",
            user_id=user_id,
            payload={"action": "login.new_device"},
            dedupe_key="demo:account.security:1",
        )

    await run_atomic(body)
    return []
