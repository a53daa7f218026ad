"""Helpers for the notification tests: emit events as another part would, bind WeChat, register devices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.accounts.models import User, WechatBinding
from server.common.models import OutboxEvent
from server.common.outbox import emit
from server.db import run_atomic
from server.emulators import DEV_SUBSCRIBE_TEMPLATE_IDS
from server.notifications.models import PushDevice, WechatSubscription

REVIEW_TEMPLATE = DEV_SUBSCRIBE_TEMPLATE_IDS["review_result"]
RESULT_TEMPLATE = DEV_SUBSCRIBE_TEMPLATE_IDS["assessment_result"]


def review_payload(decision: str = "approved", reason: str | None = None, item_id: int = 7) -> dict[str, Any]:
    return {"item_id": item_id, "kind": "registration", "title": "执业注册申请", "decision": decision, "reason": reason}


async def emit_event(user: User, kind: str = "review.decided", payload: dict[str, Any] | None = None) -> OutboxEvent:
    """Emit in a transaction, like a service does; returns the row."""

    async def body() -> None:
        await emit(kind=kind, user_id=user.id, payload=payload if payload is not None else review_payload())

    await run_atomic(body)
    return await OutboxEvent.filter(user_id=user.id).order_by("-id").first()  # type: ignore[return-value]


async def bind_wechat(user: User, openid: str | None = None) -> str:
    openid = openid or f"o{user.id:027d}"
    await WechatBinding.create(user_id=user.id, openid=openid)
    return openid


async def subscribe(user: User, template_id: str = REVIEW_TEMPLATE, remaining: int = 1) -> None:
    await WechatSubscription.create(user_id=user.id, template_id=template_id, remaining=remaining)


async def device(user: User, device_id: str | None = None, session_id: str = "s1") -> str:
    device_id = device_id or f"dev{user.id:013d}abcdef"
    await PushDevice.create(user_id=user.id, device_id=device_id, platform="android", session_id=session_id)
    return device_id


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
