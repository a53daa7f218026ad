"""Aliyun SMS (Dysmsapi) and app push (CloudPush) through aliyun-python-sdk-core.

    config = AliyunConfig(access_key_id, access_key_secret, "cn-hangzhou", sms_endpoint=None, push_endpoint=None,
                          protocol="https", sms_sign_name="医师服务", push_app_key="…")
    biz_id = SmsClient(config).send("13800000000", "SMS_123", {"code": "123456"})
    message_id = PushClient(config).push("ACCOUNT", user_id, "考核结果", "您的定期考核结果已公布")

Many different pushes at once: ``PushClient(config).mass_push([PushTask(...), ...])`` (CloudPush MassPush, at most
``MASS_PUSH_MAX`` per call). Synchronous: run them in an executor. Errors: ``server.integrations.aliyun.errors``.
"""

from __future__ import annotations

from server.integrations.aliyun.client import MASS_PUSH_MAX, AliyunConfig, PushClient, PushTask, SmsClient
from server.integrations.aliyun.errors import (
    PushFailed,
    PushRateLimited,
    PushUnavailable,
    SmsPhoneInvalid,
    SmsProviderLimited,
    SmsSendFailed,
    SmsUnavailable,
)

__all__ = [
    "MASS_PUSH_MAX",
    "AliyunConfig",
    "PushClient",
    "PushFailed",
    "PushRateLimited",
    "PushTask",
    "PushUnavailable",
    "SmsClient",
    "SmsPhoneInvalid",
    "SmsProviderLimited",
    "SmsSendFailed",
    "SmsUnavailable",
]
