"""The emulator's own endpoints under /_emulator/: what a test or a developer uses to play the user's part
(wx.login codes, phone-number codes, subscription grants), read what was delivered, and break things on purpose.

    GET  /_emulator/                       HTML page: the latest SMS (where a developer reads their code)
    GET  /_emulator/sms?phone=…            SMS newest first: {phone, template_code, params, text, at, …}
    GET  /_emulator/mail?to=…              e-mail newest first: {mail_from, to, from_header, subject, text, at, …}
    GET  /_emulator/wechat/messages?openid=…   subscribe messages newest first
    GET  /_emulator/pushes                 app pushes newest first
    GET  /_emulator/calls                  request counts per endpoint ("wechat.token": 3, …)
    POST /_emulator/wechat/login-codes     {"openid"?, "unionid"?} -> {"code", "openid", "unionid"}
    POST /_emulator/wechat/phone-codes     {"phone"} -> {"code"}
    POST /_emulator/wechat/subscriptions   {"openid", "template_id", "count"?} -> {"remaining"}
    POST /_emulator/wechat/expire-tokens   {"access_token"?} -> {"expired"}: WeChat then answers 42001
    POST /_emulator/faults                 {"target", "code", "times"?, "http_status"?}
                                           (smtp.RCPT / smtp.DATA: code is the SMTP reply code, e.g. 550, 451)
    POST /_emulator/time                   {"advance_seconds"}: let codes and tokens expire without waiting
    POST /_emulator/reset                  forget everything
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.emulators._http import Reply, Request, html_reply, json_reply
from server.emulators.state import FAULT_TARGETS, EmulatorState

_SHANGHAI = ZoneInfo("Asia/Shanghai")


class BadInput(ValueError):
    pass


def _body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = request.json()
    except ValueError as exc:
        raise BadInput("body is not JSON") from exc
    if not isinstance(body, dict):
        raise BadInput("body must be a JSON object")
    return body


def _int(value: Any, name: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{name} must be an integer")
    return value


class AdminApi:
    def __init__(self, state: EmulatorState, *, subscribe_templates: dict[str, list[str]]) -> None:
        self.state = state
        self.subscribe_templates = subscribe_templates
        self.routes: dict[tuple[str, str], Callable[[Request], Reply]] = {
            ("GET", "/_emulator/"): self.page,
            ("GET", "/_emulator"): self.page,
            ("GET", "/_emulator/sms"): self.sms,
            ("GET", "/_emulator/mail"): self.mail,
            ("GET", "/_emulator/wechat/messages"): self.messages,
            ("GET", "/_emulator/pushes"): self.pushes,
            ("GET", "/_emulator/calls"): self.calls,
            ("GET", "/_emulator/faults"): self.faults,
            ("POST", "/_emulator/wechat/login-codes"): self.login_code,
            ("POST", "/_emulator/wechat/phone-codes"): self.phone_code,
            ("POST", "/_emulator/wechat/subscriptions"): self.subscription,
            ("POST", "/_emulator/wechat/expire-tokens"): self.expire_tokens,
            ("POST", "/_emulator/faults"): self.add_fault,
            ("POST", "/_emulator/time"): self.advance_time,
            ("POST", "/_emulator/reset"): self.reset,
        }

    def handle(self, request: Request) -> Reply | None:
        if not request.path.startswith("/_emulator"):
            return None
        route = self.routes.get((request.method, request.path))
        if route is None:
            return json_reply({"error": f"no such emulator endpoint: {request.method} {request.path}"}, 404)
        try:
            return route(request)
        except BadInput as exc:
            return json_reply({"error": str(exc)}, 400)

    # ---- reading ----------------------------------------------------------------------------------------------
    def sms(self, request: Request) -> Reply:
        return json_reply([r.to_dict() for r in self.state.sms_to(request.query.get("phone") or None)])

    def mail(self, request: Request) -> Reply:
        return json_reply([r.to_dict() for r in self.state.mails_to(request.query.get("to") or None)])

    def messages(self, request: Request) -> Reply:
        return json_reply([r.to_dict() for r in self.state.messages_to(request.query.get("openid") or None)])

    def pushes(self, request: Request) -> Reply:
        return json_reply([r.to_dict() for r in reversed(self.state.pushes)])

    def calls(self, request: Request) -> Reply:
        return json_reply(self.state.calls())

    def faults(self, request: Request) -> Reply:
        return json_reply(self.state.pending_faults())

    # ---- playing the user's part ------------------------------------------------------------------------------
    def login_code(self, request: Request) -> Reply:
        body = _body(request)
        openid, unionid = body.get("openid"), body.get("unionid")
        for name, value in (("openid", openid), ("unionid", unionid)):
            if value is not None and (not isinstance(value, str) or not value):
                raise BadInput(f"{name} must be a non-empty string")
        return json_reply(self.state.issue_login_code(openid, unionid), 201)

    def phone_code(self, request: Request) -> Reply:
        phone = _body(request).get("phone")
        if not isinstance(phone, str) or not phone.isdigit():
            raise BadInput("phone must be a string of digits, e.g. 13800000000")
        return json_reply({"code": self.state.issue_phone_code(phone)}, 201)

    def subscription(self, request: Request) -> Reply:
        body = _body(request)
        openid, template_id = body.get("openid"), body.get("template_id")
        if not isinstance(openid, str) or not openid:
            raise BadInput("openid is required")
        if template_id not in self.subscribe_templates:
            raise BadInput(f"unknown template_id; known: {sorted(self.subscribe_templates)}")
        count = _int(body.get("count"), "count", default=1)
        if count < 1:
            raise BadInput("count must be at least 1")
        remaining = self.state.grant_subscription(openid, template_id, count)
        return json_reply({"openid": openid, "template_id": template_id, "remaining": remaining}, 201)

    def expire_tokens(self, request: Request) -> Reply:
        token = _body(request).get("access_token")
        return json_reply({"expired": self.state.expire_access_tokens(token if isinstance(token, str) else None)})

    # ---- breaking things --------------------------------------------------------------------------------------
    def add_fault(self, request: Request) -> Reply:
        body = _body(request)
        target, code = body.get("target"), body.get("code")
        if target not in FAULT_TARGETS:
            raise BadInput(f"target must be one of {sorted(FAULT_TARGETS)}")
        if not isinstance(code, str | int) or isinstance(code, bool) or code == "":
            raise BadInput("code is required (the provider's own code, e.g. 45009 or isv.BUSINESS_LIMIT_CONTROL)")
        times = _int(body.get("times"), "times", default=1)
        status = body.get("http_status")
        if status is not None and (_int(status, "http_status") < 100 or status > 599):
            raise BadInput("http_status must be an HTTP status code")
        if times < 1:
            raise BadInput("times must be at least 1")
        if target.startswith("smtp.") and not (str(code).isdigit() and 400 <= int(code) <= 599):
            raise BadInput("an SMTP fault's code is a 4xx or 5xx reply code, e.g. 550 or 451")
        self.state.add_fault(target, code, times, status)
        return json_reply({"target": target, "code": str(code), "times": times, "http_status": status}, 201)

    def advance_time(self, request: Request) -> Reply:
        seconds = _body(request).get("advance_seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise BadInput("advance_seconds must be a non-negative number")
        return json_reply({"offset_seconds": self.state.advance_time(seconds)})

    def reset(self, request: Request) -> Reply:
        self.state.reset()
        return json_reply({"reset": True})

    # ---- the page a developer opens ---------------------------------------------------------------------------
    def page(self, request: Request) -> Reply:
        rows = []
        for record in self.state.sms_to()[:50]:
            at = datetime.fromisoformat(record.at).astimezone(_SHANGHAI).strftime("%m-%d %H:%M:%S")
            rows.append(
                f"<tr><td>{html.escape(at)}</td><td>{html.escape(record.phone)}</td>"
                f"<td>{html.escape(record.text)}</td><td><code>{html.escape(record.template_code)}</code></td></tr>"
            )
        table = "".join(rows) or '<tr><td colspan="4">还没有短信。</td></tr>'
        mail_rows = []
        for mail in self.state.mails_to()[:20]:
            at = datetime.fromisoformat(mail.at).astimezone(_SHANGHAI).strftime("%m-%d %H:%M:%S")
            mail_rows.append(
                f"<tr><td>{html.escape(at)}</td><td>{html.escape(', '.join(mail.to))}</td>"
                f"<td>{html.escape(mail.subject)}</td><td><pre>{html.escape(mail.text)}</pre></td></tr>"
            )
        mail_table = "".join(mail_rows) or '<tr><td colspan="4">还没有邮件。</td></tr>'
        return html_reply(
            "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<meta http-equiv='refresh' content='5'><title>模拟器 · 短信</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style></head><body>"
            "<h1>最近的短信</h1><p>本页只在开发环境存在，每 5 秒刷新。"
            "JSON：<a href='/_emulator/sms'>短信</a> · <a href='/_emulator/wechat/messages'>订阅消息</a> · "
            "<a href='/_emulator/pushes'>推送</a> · <a href='/_emulator/mail'>邮件</a></p>"
            f"<table><tr><th>时间</th><th>手机号</th><th>内容</th><th>模板</th></tr>{table}</table>"
            "<h1>最近的邮件</h1>"
            f"<table><tr><th>时间</th><th>收件人</th><th>主题</th><th>正文</th></tr>{mail_table}</table>"
            "</body></html>"
        )
