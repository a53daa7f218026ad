"""HTTP routes of the notifications part: /api/v1/inbox/*, /api/v1/me/notification-preferences,
/api/v1/me/push-devices, /api/v1/me/subscriptions, /api/v1/admin/dead-letters."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty
from sanic_ext import openapi

from server.common.apidoc import raises
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, query
from server.common.web import json_content, out
from server.notifications import errors as notifications_errors
from server.notifications import service
from server.notifications.errors import DeadLetterNotFound, MessageNotFound
from server.notifications.schemas import (
    DeadLetterOut,
    DeadLetterPageOut,
    DeadLetterQuery,
    InboxMessageOut,
    InboxPageOut,
    PageQuery,
    PreferencesIn,
    PreferencesOut,
    PushDeviceIn,
    PushDeviceOut,
    SubscriptionsIn,
    SubscriptionsOut,
    UnreadCountOut,
    UpdatedOut,
)

bp = Blueprint("notifications", url_prefix="/api/v1")

_MAX_ID = 2**63 - 1


# ---------------------------------------------------------------- inbox


@bp.get("/inbox")
@raises(notifications_errors.CursorInvalid)
@openapi.tag("notifications")
@openapi.summary("站内消息列表（最新在前，游标分页）")
@openapi.response(200, json_content(InboxPageOut))
@require()
@query(PageQuery)
async def list_inbox(request: Request, principal: Principal, query: PageQuery) -> HTTPResponse:
    page = await service.list_inbox(user_id=principal.user_id, cursor=query.cursor, limit=query.limit)
    return out(InboxPageOut.of(page))


@bp.get("/inbox/unread-count")
@openapi.tag("notifications")
@openapi.summary("未读站内消息条数")
@openapi.response(200, json_content(UnreadCountOut))
@require()
async def unread_count(request: Request, principal: Principal) -> HTTPResponse:
    return out(UnreadCountOut(unread=await service.unread_count(user_id=principal.user_id)))


@bp.post("/inbox/<message_id:int>/read")
@raises(notifications_errors.MessageNotFound)
@openapi.tag("notifications")
@openapi.summary("标记一条消息已读")
@openapi.response(200, json_content(InboxMessageOut))
@require()
async def mark_read(request: Request, principal: Principal, message_id: int) -> HTTPResponse:
    if not 0 < message_id <= _MAX_ID:
        raise MessageNotFound()
    message = await service.mark_read(user_id=principal.user_id, message_id=message_id)
    return out(InboxMessageOut.of(message))


@bp.post("/inbox/read-all")
@openapi.tag("notifications")
@openapi.summary("全部标记已读")
@openapi.response(200, json_content(UpdatedOut))
@require()
async def mark_all_read(request: Request, principal: Principal) -> HTTPResponse:
    return out(UpdatedOut(updated=await service.mark_all_read(user_id=principal.user_id)))


@bp.delete("/inbox/<message_id:int>")
@raises(notifications_errors.MessageNotFound)
@openapi.tag("notifications")
@openapi.summary("删除一条消息")
@openapi.response(204, None, "已删除")
@require()
async def delete_message(request: Request, principal: Principal, message_id: int) -> HTTPResponse:
    if not 0 < message_id <= _MAX_ID:
        raise MessageNotFound()
    await service.delete_message(user_id=principal.user_id, message_id=message_id)
    return empty()


# ---------------------------------------------------------------- preferences


@bp.get("/me/notification-preferences")
@openapi.tag("notifications")
@openapi.summary("各类消息的接收渠道")
@openapi.response(200, json_content(PreferencesOut))
@require()
async def get_preferences(request: Request, principal: Principal) -> HTTPResponse:
    return out(PreferencesOut.of(await service.get_preferences(user_id=principal.user_id)))


@bp.put("/me/notification-preferences")
@raises(notifications_errors.PreferenceMandatory, notifications_errors.PreferenceUnknown)
@openapi.tag("notifications")
@openapi.summary("设置消息接收渠道（必需通知不能关闭）")
@openapi.response(200, json_content(PreferencesOut))
@require()
@body(PreferencesIn)
async def set_preferences(request: Request, principal: Principal, body: PreferencesIn) -> HTTPResponse:
    kinds = await service.set_preferences(
        user_id=principal.user_id, choices=[(p.kind, p.channel, p.enabled) for p in body.preferences]
    )
    return out(PreferencesOut.of(kinds))


# ---------------------------------------------------------------- push devices


@bp.post("/me/push-devices")
@openapi.tag("notifications")
@openapi.summary("登记本机推送设备（退出登录时自动注销）")
@openapi.response(201, json_content(PushDeviceOut))
@require()
@body(PushDeviceIn)
async def register_push_device(request: Request, principal: Principal, body: PushDeviceIn) -> HTTPResponse:
    device = await service.register_push_device(
        user_id=principal.user_id, session_id=principal.session_id, device_id=body.device_id, platform=body.platform
    )
    return out(PushDeviceOut.of(device), status=201)


@bp.delete("/me/push-devices/<device_id:str>")
@raises(notifications_errors.PushDeviceNotFound)
@openapi.tag("notifications")
@openapi.summary("注销推送设备")
@openapi.response(204, None, "已注销")
@require()
async def unregister_push_device(request: Request, principal: Principal, device_id: str) -> HTTPResponse:
    await service.unregister_push_device(user_id=principal.user_id, device_id=device_id[:64])
    return empty()


# ---------------------------------------------------------------- subscribe messages


@bp.get("/me/subscriptions")
@openapi.tag("notifications")
@openapi.summary("订阅消息模板及剩余可发送次数")
@openapi.response(200, json_content(SubscriptionsOut))
@require()
async def list_subscriptions(request: Request, principal: Principal) -> HTTPResponse:
    return out(SubscriptionsOut.of(await service.list_subscriptions(user_id=principal.user_id)))


@bp.post("/me/subscriptions")
@raises(notifications_errors.TemplateUnknown)
@openapi.tag("notifications")
@openapi.summary("记录用户同意的订阅消息（每个模板 +1 次）")
@openapi.response(200, json_content(SubscriptionsOut))
@require()
@body(SubscriptionsIn)
async def record_subscriptions(request: Request, principal: Principal, body: SubscriptionsIn) -> HTTPResponse:
    rows = await service.record_subscriptions(user_id=principal.user_id, template_ids=body.template_ids)
    return out(SubscriptionsOut.of(rows))


# ---------------------------------------------------------------- dead letters


@bp.get("/admin/dead-letters")
@raises(notifications_errors.CursorInvalid)
@openapi.tag("notifications")
@openapi.summary("投递失败的消息（死信）")
@openapi.response(200, json_content(DeadLetterPageOut))
@require(Role.ADMIN)
@query(DeadLetterQuery)
async def list_dead_letters(request: Request, principal: Principal, query: DeadLetterQuery) -> HTTPResponse:
    page = await service.list_dead_letters(cursor=query.cursor, limit=query.limit, channel=query.channel)
    return out(DeadLetterPageOut.of(page))


@bp.post("/admin/dead-letters/<delivery_id:int>/retry")
@raises(notifications_errors.DeadLetterNotFound, notifications_errors.DeliveryNotDead)
@openapi.tag("notifications")
@openapi.summary("重新投递一条死信")
@openapi.response(200, json_content(DeadLetterOut))
@require(Role.ADMIN)
async def retry_dead_letter(request: Request, principal: Principal, delivery_id: int) -> HTTPResponse:
    if not 0 < delivery_id <= _MAX_ID:
        raise DeadLetterNotFound()
    delivery = await service.retry_dead_letter(
        admin_id=principal.user_id, delivery_id=delivery_id, ip=client_ip(request)
    )
    return out(DeadLetterOut.of(delivery))
