"""Loopback emulators of WeChat, Aliyun and an SMTP relay, so the real SDK and SMTP clients run in dev and tests
on a fresh machine.

Public face::

    EmulatorServer(host, port, **DEV_CONFIG).start()   # daemon thread; .base_url, .address, .smtp_port, .state
    run_forever(host, port, **DEV_CONFIG)               # foreground, for the CLI
    EmulatorState                                       # what was sent, issued codes, faults (thread-safe)
    emulators.state.latest_mail("a@b.cn")               # the last e-mail to an address (MailRecord) or None

``DEV_CONFIG`` holds the credentials and templates the emulators accept in dev. The credentials and template ids
come from ``server.config`` (the settings' development defaults), so the emulators accept exactly what a development
configuration sends and a developer needs no WeChat or Aliyun account. None of these values is a secret, and the
settings class refuses them in production.
"""

from __future__ import annotations

from typing import Any

from server.config import DEV_PROVIDER_VALUES, DEV_SMS_TEMPLATE_CODES, DEV_SUBSCRIBE_TEMPLATE_IDS
from server.emulators.server import EmulatorServer, run_forever
from server.emulators.state import EmulatorState, MailRecord, PushRecord, SmsRecord, SubscribeMessageRecord

# A verification code's text takes its lifetime as a parameter (the setting SMS_CODE_TTL_MINUTES), never a number of
# its own: the templates registered with Aliyun in production must do the same.
_VALID = "${minutes}分钟内有效"

DEV_CONFIG: dict[str, Any] = {
    **DEV_PROVIDER_VALUES,
    "sms_templates": {
        DEV_SMS_TEMPLATE_CODES["register"]: "您正在注册医师服务账号，验证码为${code}，" + _VALID + "，请勿泄露于他人。",
        DEV_SMS_TEMPLATE_CODES["login"]: "您的登录验证码为${code}，" + _VALID + "，请勿泄露于他人。",
        DEV_SMS_TEMPLATE_CODES["reset_password"]: "您正在找回密码，验证码为${code}，" + _VALID + "。非本人操作请忽略。",
        DEV_SMS_TEMPLATE_CODES["change_phone"]: "您正在更换绑定手机号，验证码为${code}，" + _VALID + "。",
        DEV_SMS_TEMPLATE_CODES["activation"]: "${institution}为您开通了医师服务账号，激活码${code}，${days}天内有效。",
        DEV_SMS_TEMPLATE_CODES["review_result"]: "您提交的${business}已${result}，请登录医师服务查看详情。",
        DEV_SMS_TEMPLATE_CODES["password_reset_notice"]: (
            "${institution}已为您重置医师服务登录密码，临时密码${code}，仅可登录一次，登录后须立即设置新密码。"
        ),
    },
    "subscribe_templates": {
        # 业务名称 / 审核结果 / 审核时间 / 备注
        DEV_SUBSCRIBE_TEMPLATE_IDS["review_result"]: ["thing1", "phrase2", "time3", "thing4"],
        # 考试名称 / 开始时间 / 温馨提示
        DEV_SUBSCRIBE_TEMPLATE_IDS["exam_reminder"]: ["thing1", "time2", "thing3"],
        # 考核周期 / 考核结果 / 通知日期
        DEV_SUBSCRIBE_TEMPLATE_IDS["assessment_result"]: ["thing1", "phrase2", "date3"],
    },
}

__all__ = [
    "DEV_CONFIG",
    "DEV_SMS_TEMPLATE_CODES",
    "DEV_SUBSCRIBE_TEMPLATE_IDS",
    "EmulatorServer",
    "EmulatorState",
    "MailRecord",
    "PushRecord",
    "SmsRecord",
    "SubscribeMessageRecord",
    "run_forever",
]
