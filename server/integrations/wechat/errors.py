"""Errors of the WeChat integration, each mapped from WeChat's errcode (kept as ``provider_code``, an int).

ProviderError
└── WeChatError                  502 WECHAT_ERROR            any other errcode
    ├── WeChatUnavailable        503 WECHAT_UNAVAILABLE      no answer, HTTP 5xx, -1 system busy, token refused
    │                                                        twice (retryable)
    ├── WeChatMisconfigured      503 WECHAT_MISCONFIGURED    40013 appid, 40125 secret, 40164 IP not whitelisted,
    │                                                        41002/41004 missing appid/secret
    ├── WeChatRateLimited        429 WECHAT_RATE_LIMITED     45009 daily quota, 45011 minute quota (retryable)
    ├── WeChatCodeInvalid        400 WECHAT_CODE_INVALID     40029 / 40163 / 41008 login code (field "code")
    │   └── WeChatPhoneCodeInvalid 400 WECHAT_PHONE_CODE_INVALID  40029 / 47001 phone-number code
    ├── WeChatNotSubscribed      409 WECHAT_NOT_SUBSCRIBED   43101 no subscription left for this template
    └── WeChatMessageInvalid     422 WECHAT_MESSAGE_INVALID  40003 openid, 40037 template, 47003 data, 41030 page
"""

from __future__ import annotations

from server.integrations import ProviderError


class WeChatError(ProviderError):
    code, status, message = "WECHAT_ERROR", 502, "微信服务返回错误，请稍后再试"


class WeChatUnavailable(WeChatError):
    code, status, message = "WECHAT_UNAVAILABLE", 503, "微信服务暂时不可用，请稍后再试"
    retryable_by_default = True


class WeChatMisconfigured(WeChatError):
    code, status, message = "WECHAT_MISCONFIGURED", 503, "微信服务暂时不可用，请稍后再试"


class WeChatRateLimited(WeChatError):
    code, status, message = "WECHAT_RATE_LIMITED", 429, "微信服务调用过于频繁，请稍后再试"
    retryable_by_default = True


class WeChatCodeInvalid(WeChatError):
    code, status, message = "WECHAT_CODE_INVALID", 400, "微信登录凭证无效或已过期，请重新登录"


class WeChatPhoneCodeInvalid(WeChatCodeInvalid):
    code, status, message = "WECHAT_PHONE_CODE_INVALID", 400, "手机号授权已失效，请重新授权"


class WeChatNotSubscribed(WeChatError):
    code, status, message = "WECHAT_NOT_SUBSCRIBED", 409, "用户未订阅该消息或订阅次数已用完"


class WeChatMessageInvalid(WeChatError):
    code, status, message = "WECHAT_MESSAGE_INVALID", 422, "订阅消息内容不符合模板要求"


TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
_UNAVAILABLE = frozenset({-1, 40001, 40014, 42001})
_MISCONFIGURED = frozenset({40002, 40013, 40125, 40164, 41002, 41004, 61004})
_RATE_LIMITED = frozenset({45009, 45011})
_MESSAGE_INVALID = frozenset({40003, 40037, 41030, 47003})


def translate(errcode: int | None, errmsg: str | None, *, call: str) -> WeChatError:
    """The typed error for WeChat's ``errcode`` answering ``call`` ("token", "login", "phone", "subscribe")."""
    kind: type[WeChatError] = WeChatError
    field = None
    if errcode is None or errcode in _UNAVAILABLE:
        kind = WeChatUnavailable
    elif errcode in _MISCONFIGURED:
        kind = WeChatMisconfigured
    elif errcode in _RATE_LIMITED:
        kind = WeChatRateLimited
    elif call == "login" and errcode in (40029, 40163, 41008):
        kind, field = WeChatCodeInvalid, "code"
    elif call == "phone" and errcode in (40029, 47001):
        kind, field = WeChatPhoneCodeInvalid, "code"
    elif call == "subscribe" and errcode == 43101:
        kind = WeChatNotSubscribed
    elif call == "subscribe" and errcode in _MESSAGE_INVALID:
        kind = WeChatMessageInvalid
    return kind(provider_code=errcode, provider_message=errmsg, field=field)
