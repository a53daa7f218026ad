"""WeChat mini-program server API: login (code -> openid), phone-number quick verification, subscribe messages.

    client = MiniProgramClient(WeChatConfig(app_id, app_secret, api_base=None, redis_url=...))
    session = client.code_to_session(js_code)          # WxSession(openid, unionid, session_key)
    phone = client.get_phone_number(code)               # "13800000000"
    client.send_subscribe_message(openid, template_id, {"thing1": "执业注册"}, page="pages/inbox/index")

Synchronous: run it in an executor. Errors: ``server.integrations.wechat.errors``.
"""

from __future__ import annotations

from server.integrations.wechat.client import MiniProgramClient, WeChatConfig, WxSession
from server.integrations.wechat.errors import (
    WeChatCodeInvalid,
    WeChatError,
    WeChatMessageInvalid,
    WeChatMisconfigured,
    WeChatNotSubscribed,
    WeChatPhoneCodeInvalid,
    WeChatRateLimited,
    WeChatUnavailable,
)

__all__ = [
    "MiniProgramClient",
    "WeChatCodeInvalid",
    "WeChatConfig",
    "WeChatError",
    "WeChatMessageInvalid",
    "WeChatMisconfigured",
    "WeChatNotSubscribed",
    "WeChatPhoneCodeInvalid",
    "WeChatRateLimited",
    "WeChatUnavailable",
    "WxSession",
]
