"""Request and response bodies of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.notifications.models import Delivery, InboxMessage, PushDevice
from server.notifications.service import DeadLetterPage, InboxPage, KindChoices, SubscriptionCount


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PageQuery(_In):
    cursor: str | None = Field(default=None, max_length=64, description="上一页返回的 next_cursor；第一页不传")
    limit: int = Field(default=20, ge=1, le=100, description="每页条数，1–100")


class DeadLetterQuery(PageQuery):
    channel: Literal["inbox", "wechat", "push", "sms"] | None = Field(default=None, description="只看某一渠道")


class InboxMessageOut(BaseModel):
    id: int = Field(description="消息 ID", examples=[42])
    kind: str = Field(description="事件类型，如 review.decided", examples=["review.decided"])
    title: str = Field(description="标题", examples=["执业注册申请审核通过"])
    body: str = Field(description="正文", examples=["您提交的执业注册申请通过。"])
    link: str | None = Field(
        default=None, description="App / 小程序内跳转路径", examples=["/assessment/pages/index/index"]
    )
    data: dict[str, Any] = Field(default_factory=dict, description="事件数据（不含激活码等敏感内容）")
    read: bool = Field(description="是否已读")
    read_at: datetime | None = Field(default=None, description="阅读时间")
    created_at: datetime = Field(description="产生时间")

    @classmethod
    def of(cls, m: InboxMessage) -> InboxMessageOut:
        return cls(
            id=m.id,
            kind=m.kind,
            title=m.title,
            body=m.body,
            link=m.link,
            data=m.data or {},
            read=m.read_at is not None,
            read_at=m.read_at,
            created_at=m.created_at,
        )


class InboxPageOut(BaseModel):
    items: list[InboxMessageOut]
    next_cursor: str | None = Field(description="下一页游标；为 null 表示没有更多", examples=["aWQ6NDE"])
    unread: int = Field(description="未读条数", examples=[3])

    @classmethod
    def of(cls, page: InboxPage) -> InboxPageOut:
        return cls(items=[InboxMessageOut.of(m) for m in page.items], next_cursor=page.next_cursor, unread=page.unread)


class UnreadCountOut(BaseModel):
    unread: int = Field(description="未读条数", examples=[3])


class UpdatedOut(BaseModel):
    updated: int = Field(description="被标记为已读的条数", examples=[3])


class ChannelChoiceIn(_In):
    kind: str = Field(min_length=1, max_length=64, description="事件类型", examples=["exam.scored"])
    channel: Literal["inbox", "wechat", "push", "sms"] = Field(description="渠道")
    enabled: bool = Field(description="是否接收")


class PreferencesIn(_In):
    preferences: list[ChannelChoiceIn] = Field(min_length=1, max_length=50)


class ChannelChoiceOut(BaseModel):
    channel: str = Field(
        description="渠道：inbox 站内消息、wechat 微信订阅消息、push App 推送、sms 短信", examples=["push"]
    )
    enabled: bool = Field(description="是否接收")
    mandatory: bool = Field(description="必需通知，不能关闭")


class KindChoicesOut(BaseModel):
    kind: str = Field(description="事件类型", examples=["review.decided"])
    label: str = Field(description="中文名称", examples=["审核结果"])
    channels: list[ChannelChoiceOut]


class PreferencesOut(BaseModel):
    preferences: list[KindChoicesOut]

    @classmethod
    def of(cls, kinds: list[KindChoices]) -> PreferencesOut:
        return cls(
            preferences=[
                KindChoicesOut(
                    kind=k.kind,
                    label=k.label,
                    channels=[
                        ChannelChoiceOut(channel=c.channel.value, enabled=c.enabled, mandatory=c.mandatory)
                        for c in k.channels
                    ],
                )
                for k in kinds
            ]
        )


class PushDeviceIn(_In):
    device_id: str = Field(pattern=r"^[A-Za-z0-9_\-]{8,64}$", description="阿里云移动推送 deviceId")
    platform: Literal["android", "ios", "harmony"] = Field(description="平台")


class PushDeviceOut(BaseModel):
    device_id: str = Field(description="阿里云移动推送 deviceId", examples=["a1b2c3d4e5f60718293a4b5c6d7e8f90"])
    platform: str = Field(examples=["android"])
    created_at: datetime

    @classmethod
    def of(cls, d: PushDevice) -> PushDeviceOut:
        return cls(device_id=d.device_id, platform=d.platform, created_at=d.created_at)


class SubscriptionsIn(_In):
    template_ids: list[str] = Field(
        min_length=1, max_length=10, description="wx.requestSubscribeMessage 中用户选择“允许”的模板 ID"
    )


class SubscriptionOut(BaseModel):
    purpose: str = Field(description="用途", examples=["review_result"])
    template_id: str = Field(description="订阅消息模板 ID")
    remaining: int = Field(description="剩余可发送次数", examples=[1])


class SubscriptionsOut(BaseModel):
    subscriptions: list[SubscriptionOut]

    @classmethod
    def of(cls, rows: list[SubscriptionCount]) -> SubscriptionsOut:
        return cls(
            subscriptions=[
                SubscriptionOut(purpose=r.purpose, template_id=r.template_id, remaining=r.remaining) for r in rows
            ]
        )


class DeadLetterOut(BaseModel):
    id: int = Field(description="投递 ID（重试时使用）", examples=[1001])
    event_id: int = Field(description="事件 ID")
    user_id: int = Field(description="收件用户 ID")
    kind: str = Field(description="事件类型", examples=["review.decided"])
    channel: str = Field(description="渠道", examples=["wechat"])
    status: str = Field(description="状态：pending / in_flight / sent / skipped / failed / dead", examples=["dead"])
    attempts: int = Field(description="已尝试次数")
    error_code: str | None = Field(description="错误代码（含服务商代码）", examples=["WECHAT_MESSAGE_INVALID:40037"])
    last_error: str | None = Field(description="失败原因", examples=["订阅消息模板 ID 无效（40037）"])
    dead_at: datetime | None = Field(description="放弃投递的时间")
    created_at: datetime

    @classmethod
    def of(cls, d: Delivery) -> DeadLetterOut:
        return cls(
            id=d.id,
            event_id=d.event_id,  # type: ignore[attr-defined]
            user_id=d.user_id,
            kind=d.kind,
            channel=str(d.channel),
            status=str(d.status),
            attempts=d.attempts,
            error_code=d.error_code,
            last_error=d.last_error,
            dead_at=d.dead_at,
            created_at=d.created_at,
        )


class DeadLetterPageOut(BaseModel):
    items: list[DeadLetterOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: DeadLetterPage) -> DeadLetterPageOut:
        return cls(items=[DeadLetterOut.of(d) for d in page.items], next_cursor=page.next_cursor)


class MessageIdPath(_In):
    id: int = Field(ge=1)
