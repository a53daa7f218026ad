"""Errors of the Aliyun integration. ``provider_code`` is Aliyun's own code (a str), e.g. "isv.BUSINESS_LIMIT_CONTROL",
"Throttling.User", "SignatureDoesNotMatch", or None when no answer came back.

    ProviderError
    ├── SmsSendFailed              502 SMS_SEND_FAILED        any other refusal (signature, template, key …)
    │   ├── SmsPhoneInvalid        422 SMS_PHONE_INVALID      isv.MOBILE_NUMBER_ILLEGAL (field "phone")
    │   ├── SmsProviderLimited     429 SMS_PROVIDER_LIMITED   isv.BUSINESS_LIMIT_CONTROL, isv.DAY_LIMIT_CONTROL,
    │   │                                                     Throttling.* (retryable only for Throttling.*)
    │   └── SmsUnavailable         503 SMS_UNAVAILABLE        no answer, HTTP 5xx, isp.SYSTEM_ERROR (retryable)
    └── PushFailed                 502 PUSH_FAILED            any other refusal (PermissionDenied, Invalid* …)
        ├── PushRateLimited        429 PUSH_RATE_LIMITED      Throttling.* (retryable)
        └── PushUnavailable        503 PUSH_UNAVAILABLE       no answer, HTTP 5xx, InternalError, Timeout (retryable)
"""

from __future__ import annotations

from server.integrations import ProviderError


class SmsSendFailed(ProviderError):
    code, status, message = "SMS_SEND_FAILED", 502, "短信发送失败，请稍后再试"


class SmsPhoneInvalid(SmsSendFailed):
    code, status, message = "SMS_PHONE_INVALID", 422, "手机号码格式不正确"


class SmsProviderLimited(SmsSendFailed):
    code, status, message = "SMS_PROVIDER_LIMITED", 429, "短信发送过于频繁，请稍后再试"


class SmsUnavailable(SmsSendFailed):
    code, status, message = "SMS_UNAVAILABLE", 503, "短信服务暂时不可用，请稍后再试"
    retryable_by_default = True


class PushFailed(ProviderError):
    code, status, message = "PUSH_FAILED", 502, "消息推送失败"


class PushRateLimited(PushFailed):
    code, status, message = "PUSH_RATE_LIMITED", 429, "消息推送过于频繁，请稍后再试"
    retryable_by_default = True


class PushUnavailable(PushFailed):
    code, status, message = "PUSH_UNAVAILABLE", 503, "推送服务暂时不可用，请稍后再试"
    retryable_by_default = True


_SMS_LIMITS = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL"})
_UNAVAILABLE = frozenset({"isp.SYSTEM_ERROR", "InternalError", "ServiceUnavailable", "Timeout", "SDK.HttpError"})


def sms_error(code: str | None, message: str | None, http_status: int | None = None) -> SmsSendFailed:
    if code == "isv.MOBILE_NUMBER_ILLEGAL":
        return SmsPhoneInvalid(provider_code=code, provider_message=message, field="phone")
    if code in _SMS_LIMITS:
        return SmsProviderLimited(provider_code=code, provider_message=message)
    if code and code.startswith("Throttling"):
        return SmsProviderLimited(provider_code=code, provider_message=message, retryable=True)
    if code is None or code in _UNAVAILABLE or (http_status or 0) >= 500:
        return SmsUnavailable(provider_code=code, provider_message=message)
    return SmsSendFailed(provider_code=code, provider_message=message)


def push_error(code: str | None, message: str | None, http_status: int | None = None) -> PushFailed:
    if code and code.startswith("Throttling"):
        return PushRateLimited(provider_code=code, provider_message=message)
    if code is None or code in _UNAVAILABLE or (http_status or 0) >= 500:
        return PushUnavailable(provider_code=code, provider_message=message)
    return PushFailed(provider_code=code, provider_message=message)
