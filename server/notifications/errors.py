"""Errors of the notifications API.

AppError
├── NotFound 404
│   ├── MessageNotFound          404 MESSAGE_NOT_FOUND          not yours, deleted or absent
│   ├── PushDeviceNotFound       404 PUSH_DEVICE_NOT_FOUND      not registered by you
│   └── DeadLetterNotFound       404 DEAD_LETTER_NOT_FOUND
├── ValidationFailed 422
│   ├── CursorInvalid            422 CURSOR_INVALID
│   ├── PreferenceUnknown        422 PREFERENCE_UNKNOWN         kind or channel not offered
│   ├── PreferenceMandatory      422 PREFERENCE_MANDATORY       that channel cannot be turned off
│   └── TemplateUnknown          422 SUBSCRIBE_TEMPLATE_UNKNOWN not one of our subscribe templates
└── Conflict 409
    └── DeliveryNotDead          409 DELIVERY_NOT_DEAD          only a dead letter can be retried
"""

from __future__ import annotations

from server.errors import Conflict, NotFound, ValidationFailed


class MessageNotFound(NotFound):
    code, message = "MESSAGE_NOT_FOUND", "消息不存在或已删除"


class PushDeviceNotFound(NotFound):
    code, message = "PUSH_DEVICE_NOT_FOUND", "该设备未登记推送"


class DeadLetterNotFound(NotFound):
    code, message = "DEAD_LETTER_NOT_FOUND", "投递记录不存在"


class CursorInvalid(ValidationFailed):
    code, message = "CURSOR_INVALID", "分页游标无效，请从第一页重新加载"


class PreferenceUnknown(ValidationFailed):
    code, message = "PREFERENCE_UNKNOWN", "不支持的消息类型或通知渠道"


class PreferenceMandatory(ValidationFailed):
    code, message = "PREFERENCE_MANDATORY", "该通知为必需通知，不能关闭"


class TemplateUnknown(ValidationFailed):
    code, message = "SUBSCRIBE_TEMPLATE_UNKNOWN", "不支持的订阅消息模板"


class DeliveryNotDead(Conflict):
    code, message = "DELIVERY_NOT_DEAD", "只有投递失败的消息可以重试"
