"""A loopback api.weixin.qq.com: access tokens, mini-program login, phone numbers and subscribe messages.

Paths, parameters, answers and error codes are those of the real service, so wechatpy runs against it unchanged:

    GET  /cgi-bin/token                      40002 grant_type, 41002/40013 appid, 41004/40125 secret
    POST /cgi-bin/stable_token               same checks; returns the current token unless force_refresh
    GET  /sns/jscode2session                 40029 unknown or expired code, 40163 code already used
    POST /wxa/business/getuserphonenumber    40029 unknown, used or expired code
    POST /cgi-bin/message/subscribe/send     40003 touser, 40037 template, 47003 data, 43101 no subscription

Every call that takes an access_token answers 40001 for an unknown one and 42001 for an expired one (checked before
anything else, as WeChat does). A fault injected for the endpoint's target answers first of all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from server.emulators._http import Reply, Request, json_reply, wechat_rid
from server.emulators.state import EmulatorState, SubscribeMessageRecord

# errmsg texts as WeChat words them (without the trailing " rid: …").
ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
}

_CN = r"\u4e00-\u9fff"
_HAN = re.compile(rf"^[{_CN}]+$")
_HAS_HAN = re.compile(rf"[{_CN}]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_LETTER = re.compile(r"^[A-Za-z]+$")
_SYMBOL = re.compile(r"^[^\w\s]+$|^_+$")
_ASCII_VISIBLE = re.compile(r"^[\x21-\x7e]+$")
_DATE = r"\d{4}(年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})"
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
_TIME_POINT = re.compile(rf"^({_DATE}\s*)?{_CLOCK}$|^{_DATE}$")
_DATE_POINT = re.compile(rf"^{_DATE}(\s*{_CLOCK})?$")
_AMOUNT = re.compile(r"^[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?$")
_PHONE = re.compile(r"^[\d+\-()\s]{1,17}$")
_CAR = re.compile(rf"^[{_CN}A-Za-z0-9]?[A-Za-z0-9]{{1,6}}[{_CN}A-Za-z0-9]?$")


def _is_time(value: str) -> bool:
    return all(_TIME_POINT.match(part.strip()) for part in value.split("~"))


def _is_date(value: str) -> bool:
    return all(_DATE_POINT.match(part.strip()) for part in value.split("~"))


def _is_name(value: str) -> bool:
    if _HAS_HAN.search(value):
        return len(value) <= 10
    return len(value) <= 20


# Value rules per data-key type, from the subscribe-message "参数值内容限制" table. The key's letters give the type:
# thing1 -> thing, character_string3 -> character_string.
VALUE_RULES: dict[str, Callable[[str], bool]] = {
    "thing": lambda v: len(v) <= 20,
    "number": lambda v: len(v) <= 32 and bool(_NUMBER.match(v)),
    "letter": lambda v: len(v) <= 32 and bool(_LETTER.match(v)),
    "symbol": lambda v: len(v) <= 5 and bool(_SYMBOL.match(v)),
    "character_string": lambda v: len(v) <= 32 and bool(_ASCII_VISIBLE.match(v)),
    "time": _is_time,
    "date": _is_date,
    "amount": lambda v: bool(_AMOUNT.match(v)),
    "phone_number": lambda v: bool(_PHONE.match(v)),
    "car_number": lambda v: len(v) <= 8 and bool(_CAR.match(v)),
    "name": _is_name,
    "phrase": lambda v: len(v) <= 5 and bool(_HAN.match(v)),
    "enum": lambda v: len(v) > 0,
}

_KEY = re.compile(r"^([a-z_]+?)(\d+)$")


def key_type(key: str) -> str | None:
    """``thing12`` -> ``thing``; None when the key is not a subscribe-message data key."""
    match = _KEY.match(key)
    if not match or match.group(1) not in VALUE_RULES:
        return None
    return match.group(1)


def check_templates(templates: dict[str, list[str]]) -> None:
    """Refuse a template whose keys WeChat could not have produced, so a typo fails at start-up."""
    for template_id, keys in templates.items():
        for key in keys:
            if key_type(key) is None:
                raise ValueError(f"subscribe template {template_id}: {key!r} is not a data key like thing1 or time2")


def error(code: int, detail: str | None = None) -> Reply:
    text = detail or ERRMSG.get(code, "emulated error")
    return json_reply({"errcode": code, "errmsg": f"{text} rid: {wechat_rid()}"})


def fault_reply(state: EmulatorState, target: str) -> Reply | None:
    fault = state.take_fault(target)
    if fault is None:
        return None
    try:
        code = int(fault.code)
    except ValueError:
        code = -1
    reply = error(code)
    if fault.http_status:
        return Reply(fault.http_status, reply.body, reply.content_type)
    return reply


class WeChatEmulator:
    """Answers the WeChat paths for one app id / secret pair."""

    def __init__(self, state: EmulatorState, *, app_id: str, app_secret: str, templates: dict[str, list[str]]):
        check_templates(templates)
        self.state = state
        self.app_id = app_id
        self.app_secret = app_secret
        self.templates = {tid: list(keys) for tid, keys in templates.items()}
        self.routes: dict[tuple[str, str], Callable[[Request], Reply]] = {
            ("GET", "/cgi-bin/token"): self.token,
            ("POST", "/cgi-bin/stable_token"): self.stable_token,
            ("GET", "/sns/jscode2session"): self.jscode2session,
            ("POST", "/wxa/business/getuserphonenumber"): self.phone_number,
            ("POST", "/cgi-bin/message/subscribe/send"): self.subscribe_send,
        }

    def handle(self, request: Request) -> Reply | None:
        route = self.routes.get((request.method, request.path))
        return route(request) if route else None

    # ---- credentials ------------------------------------------------------------------------------------------
    def _check_app(self, params: dict[str, Any], *, grant_type: str) -> Reply | None:
        if params.get("grant_type") != grant_type:
            return error(40002)
        if not params.get("appid"):
            return error(41002)
        if params.get("appid") != self.app_id:
            return error(40013)
        if not params.get("secret"):
            return error(41004)
        if params.get("secret") != self.app_secret:
            return error(40125)
        return None

    def _check_token(self, request: Request) -> Reply | None:
        verdict = self.state.check_access_token(request.query.get("access_token"))
        if verdict == "expired":
            return error(42001)
        if verdict != "ok":
            return error(40001)
        return None

    # ---- endpoints --------------------------------------------------------------------------------------------
    def token(self, request: Request) -> Reply:
        self.state.count_call("wechat.token")
        failed = fault_reply(self.state, "wechat.token")
        failed = failed or self._check_app(request.query, grant_type="client_credential")
        if failed:
            return failed
        token, expires_in = self.state.issue_access_token()
        return json_reply({"access_token": token, "expires_in": expires_in})

    def stable_token(self, request: Request) -> Reply:
        self.state.count_call("wechat.stable_token")
        failed = fault_reply(self.state, "wechat.token")
        if failed:
            return failed
        try:
            body = request.json()
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return error(47001)
        failed = self._check_app(body, grant_type="client_credential")
        if failed:
            return failed
        token, expires_in = self.state.issue_access_token(reuse_current=not body.get("force_refresh"))
        return json_reply({"access_token": token, "expires_in": expires_in})

    def jscode2session(self, request: Request) -> Reply:
        self.state.count_call("wechat.jscode2session")
        q = request.query
        failed = fault_reply(self.state, "wechat.jscode2session") or self._check_app(q, grant_type="authorization_code")
        if failed:
            return failed
        if not q.get("js_code"):
            return error(41008)
        verdict, entry = self.state.redeem_login_code(q["js_code"])
        if verdict == "used":
            return error(40163)
        if entry is None:
            return error(40029)
        answer = {"session_key": entry.session_key, "openid": entry.openid}
        if entry.unionid:
            answer["unionid"] = entry.unionid
        return json_reply(answer)

    def phone_number(self, request: Request) -> Reply:
        self.state.count_call("wechat.phone")
        failed = fault_reply(self.state, "wechat.phone") or self._check_token(request)
        if failed:
            return failed
        try:
            body = request.json()
            code = body.get("code") if isinstance(body, dict) else None
        except ValueError:
            return error(47001)
        if not code:
            return error(47001)
        phone = self.state.redeem_phone_code(str(code))
        if phone is None:
            return error(40029)
        return json_reply(
            {
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {
                    "phoneNumber": phone,
                    "purePhoneNumber": phone,
                    "countryCode": "86",
                    "watermark": {"timestamp": int(self.state.now()), "appid": self.app_id},
                },
            }
        )

    def subscribe_send(self, request: Request) -> Reply:
        self.state.count_call("wechat.subscribe")
        failed = fault_reply(self.state, "wechat.subscribe") or self._check_token(request)
        if failed:
            return failed
        try:
            body = request.json()
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return error(47001)
        openid = body.get("touser")
        if not isinstance(openid, str) or not openid:
            return error(40003)
        template_id = body.get("template_id")
        if template_id not in self.templates:
            return error(40037)
        data = body.get("data")
        if not isinstance(data, dict):
            return error(47003, "argument invalid! data is empty")
        values: dict[str, str] = {}
        for key, item in data.items():
            if key not in self.templates[template_id]:
                return error(47003, f"argument invalid! data.{key} is not in template")
            value = item.get("value") if isinstance(item, dict) else None
            values[key] = "" if value is None else str(value)
        for key in self.templates[template_id]:
            value = values.get(key, "")
            if not value.strip():
                return error(47003, f"argument invalid! data.{key}.value is empty")
            kind = key_type(key)
            if kind is None or not VALUE_RULES[kind](value):
                return error(47003, f"argument invalid! data.{key}.value invalid")
        state_name = body.get("miniprogram_state", "formal")
        if state_name not in ("developer", "trial", "formal"):
            return error(47003, "argument invalid! miniprogram_state invalid")
        lang = body.get("lang", "zh_CN")
        if lang not in ("zh_CN", "en_US", "zh_HK", "zh_TW"):
            return error(47003, "argument invalid! lang invalid")
        if not self.state.consume_subscription(openid, template_id):
            return error(43101)
        self.state.record_subscribe_message(
            SubscribeMessageRecord(
                openid=openid,
                template_id=template_id,
                page=body.get("page"),
                data=values,
                miniprogram_state=state_name,
                lang=lang,
                at=self.state.stamp(),
            )
        )
        return json_reply({"errcode": 0, "errmsg": "ok", "msgid": int(self.state.now() * 1000)})
