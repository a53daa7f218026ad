"""A loopback Aliyun POP (RPC style) endpoint: SendSms (Dysmsapi 2017-05-25), Push and MassPush (CloudPush 2016-08-01).

Requests are checked the way the gateway checks them, in this order, so aliyunsdkcore meets the same refusals:

    Missing{Param}                  400  AccessKeyId, Signature, SignatureNonce, Timestamp, Format, Version, Action
    InvalidAccessKeyId.NotFound     404  unknown AccessKeyId
    InvalidTimeStamp.Format/Expired 400  not ISO 8601 UTC, or more than 15 minutes from the server clock
    SignatureDoesNotMatch           400  base64(HMAC-SHA1(secret + "&", StringToSign)); the message carries the
                                         server's StringToSign after a colon, which the SDK compares with its own
    SignatureNonceUsed              400  nonce seen in the last 15 minutes (recorded only for a valid signature)
    InvalidApi.NotFound             404  unknown Action / Version pair

StringToSign = METHOD & percentEncode("/") & percentEncode(canonicalized query), where the canonicalized query is
every parameter of the query string and the form body except Signature, sorted by name, each name and value
percent-encoded (RFC 3986, "~" kept, space as %20) and joined with "=" and "&".

Business errors of SendSms come back with HTTP 200 and a Code other than "OK", as on the real service; CloudPush
answers its errors with HTTP 400 (PermissionDenied, Invalid{Param}.Empty, Invalid{Param}.BytesExceed …). MassPush
takes PushTask.N.{Target, TargetValue, …} for N = 1…100, checks each task as Push does and answers
``{"MessageIds": {"MessageId": [...]}}`` in task order; one bad task refuses the whole call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from server.emulators._http import Reply, Request, aliyun_request_id, json_reply
from server.emulators.state import EmulatorState, PushRecord, SmsRecord

sms_log = logging.getLogger("emulator.sms")

TIMESTAMP_SKEW = 15 * 60
PUSH_TITLE_MAX_BYTES = 200

# Messages as the services word them.
SMS_MESSAGES: dict[str, str] = {
    "OK": "OK",
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
    "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板缺少变量",
    "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
    "isv.BUSINESS_LIMIT_CONTROL": "触发号码天级流控Permits:10",
    "isv.DAY_LIMIT_CONTROL": "触发日发送限额",
    "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
    "isv.OUT_OF_SERVICE": "业务停机",
    "isp.SYSTEM_ERROR": "isp.SYSTEM_ERROR",
}
GATEWAY_ERRORS: dict[str, tuple[int, str]] = {
    "InvalidAccessKeyId.NotFound": (404, "Specified access key is not found."),
    "InvalidTimeStamp.Format": (400, "Specified time stamp or date value is not well formatted."),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is expired."),
    "SignatureDoesNotMatch": (400, "Specified signature is not matched with our calculation."),
    "SignatureNonceUsed": (400, "Specified signature nonce was used already."),
    "IncompleteSignature": (400, "The request signature does not conform to Aliyun standards."),
    "InvalidApi.NotFound": (404, "Specified api is not found, please check your url and method."),
    "Throttling.User": (400, "Request was denied due to user flow control."),
    "Throttling.Api": (400, "Request was denied due to api flow control."),
    "Forbidden": (403, "User not authorized to operate on the specified resource."),
    "PermissionDenied": (400, "The specified AppKey is not authorized."),
    "InternalError": (500, "The request processing has failed due to some unknown error."),
    "Timeout": (500, "The request processing is timeout."),
    "ServiceUnavailable": (503, "The request has failed due to a temporary failure of the server."),
}
HOSTS = {"SendSms": "dysmsapi.aliyuncs.com", "Push": "cloudpush.aliyuncs.com", "MassPush": "cloudpush.aliyuncs.com"}
# CloudPush MassPush: at most this many PushTask.N per call
MASS_PUSH_MAX = 100

_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_TEMPLATE_VAR = re.compile(r"\$\{(\w+)\}")


def percent_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def sign(secret: str, text: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def template_params(text: str) -> list[str]:
    return _TEMPLATE_VAR.findall(text)


def render(text: str, params: dict[str, str]) -> str:
    return _TEMPLATE_VAR.sub(lambda m: params.get(m.group(1), m.group(0)), text)


def pop_error(code: str, *, action: str, message: str | None = None, status: int | None = None) -> Reply:
    known_status, known_message = GATEWAY_ERRORS.get(code, (400, code))
    request_id = aliyun_request_id()
    host = HOSTS.get(action, "aliyuncs.com")
    return json_reply(
        {
            "RequestId": request_id,
            "HostId": host,
            "Code": code,
            "Message": message or known_message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product={host.split('.')[0]}",
        },
        status or known_status,
    )


def _missing(name: str, action: str) -> Reply:
    return pop_error(f"Missing{name}", action=action, message=f"{name} is mandatory for this action.", status=400)


class AliyunEmulator:
    """Answers RPC calls on "/" for one AccessKey pair, one SMS signature and one push AppKey."""

    def __init__(
        self,
        state: EmulatorState,
        *,
        access_key_id: str,
        access_key_secret: str,
        sms_sign_name: str,
        sms_templates: dict[str, str],
        push_app_key: str,
        log_sms: bool = True,
    ) -> None:
        self.state = state
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sms_sign_name = sms_sign_name
        self.sms_templates = dict(sms_templates)
        self.push_app_key = str(push_app_key)
        self.log_sms = log_sms
        self.actions: dict[tuple[str, str], Callable[[dict[str, str]], Reply]] = {
            ("SendSms", "2017-05-25"): self.send_sms,
            ("Push", "2016-08-01"): self.push,
            ("MassPush", "2016-08-01"): self.mass_push,
        }

    def handle(self, request: Request) -> Reply | None:
        if request.path != "/" or request.method not in ("GET", "POST"):
            return None
        params = {**request.query, **request.form()}
        action = params.get("Action", "")
        refused = self._authenticate(request.method, params, action)
        if refused:
            return refused
        handler = self.actions.get((action, params["Version"]))
        if handler is None:
            return pop_error("InvalidApi.NotFound", action=action)
        self.state.count_call(f"aliyun.{action}")
        if delay := self.state.latency(f"aliyun.{action}"):
            time.sleep(delay)  # this request's own thread (ThreadingHTTPServer): other calls go on
        fault = self.state.take_fault(f"aliyun.{action}")
        if fault:
            return self._fault_reply(action, fault.code, fault.http_status)
        return handler(params)

    # ---- gateway ----------------------------------------------------------------------------------------------
    def _authenticate(self, method: str, params: dict[str, str], action: str) -> Reply | None:
        for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp", "Format", "Version", "Action"):
            if not params.get(name):
                return _missing(name, action)
        if params["AccessKeyId"] != self.access_key_id:
            return pop_error("InvalidAccessKeyId.NotFound", action=action)
        if params["Format"].upper() != "JSON":
            return pop_error("InvalidParameter", action=action, message="The emulator answers Format=JSON only.")
        if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1" or params.get("SignatureVersion", "1.0") != "1.0":
            return pop_error("IncompleteSignature", action=action)
        try:
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            return pop_error("InvalidTimeStamp.Format", action=action)
        if abs(time.time() - stamp) > TIMESTAMP_SKEW:
            return pop_error("InvalidTimeStamp.Expired", action=action)
        signed = {k: v for k, v in params.items() if k != "Signature"}
        text = string_to_sign(method, signed)
        if not hmac.compare_digest(sign(self.access_key_secret, text), params["Signature"]):
            message = f"Specified signature is not matched with our calculation. server string to sign is:{text}"
            return pop_error("SignatureDoesNotMatch", action=action, message=message)
        if not self.state.use_nonce(params["SignatureNonce"]):
            return pop_error("SignatureNonceUsed", action=action)
        return None

    def _fault_reply(self, action: str, code: str, http_status: int | None) -> Reply:
        # Dysmsapi reports business refusals (isv.*, isp.*) in a 200 body; everything else is a gateway error.
        if action == "SendSms" and code.startswith(("isv.", "isp.")) and http_status is None:
            return self._sms_result(code)
        return pop_error(code, action=action, status=http_status)

    # ---- SendSms ----------------------------------------------------------------------------------------------
    def _sms_result(self, code: str, biz_id: str | None = None) -> Reply:
        body: dict[str, Any] = {"Code": code, "Message": SMS_MESSAGES.get(code, code), "RequestId": aliyun_request_id()}
        if biz_id:
            body["BizId"] = biz_id
        return json_reply(body)

    def send_sms(self, params: dict[str, str]) -> Reply:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                return _missing(name, "SendSms")
        phones = [p.strip() for p in params["PhoneNumbers"].split(",")]
        if not phones or not all(_MAINLAND_MOBILE.match(p) for p in phones):
            return self._sms_result("isv.MOBILE_NUMBER_ILLEGAL")
        if params["SignName"] != self.sms_sign_name:
            return self._sms_result("isv.SMS_SIGNATURE_ILLEGAL")
        template = self.sms_templates.get(params["TemplateCode"])
        if template is None:
            return self._sms_result("isv.SMS_TEMPLATE_ILLEGAL")
        needed = template_params(template)
        values: dict[str, str] = {}
        if params.get("TemplateParam"):
            try:
                parsed = json.loads(params["TemplateParam"])
            except ValueError:
                return self._sms_result("isv.INVALID_JSON_PARAM")
            if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
                return self._sms_result("isv.INVALID_JSON_PARAM")
            values = parsed
        if any(not values.get(name) for name in needed):
            return self._sms_result("isv.TEMPLATE_MISSING_PARAMETERS")
        text = f"【{self.sms_sign_name}】{render(template, values)}"
        biz_id = f"{secrets.randbelow(10**15):015d}^0"
        for phone in phones:
            self.state.record_sms(
                SmsRecord(
                    phone=phone,
                    template_code=params["TemplateCode"],
                    params={k: values[k] for k in needed} if needed else dict(values),
                    text=text,
                    sign_name=self.sms_sign_name,
                    biz_id=biz_id,
                    at=self.state.stamp(),
                )
            )
            if self.log_sms:
                sms_log.info("短信 → %s：%s", phone, text)
        return self._sms_result("OK", biz_id)

    # ---- Push -------------------------------------------------------------------------------------------------
    def push(self, params: dict[str, str]) -> Reply:
        if not params.get("AppKey"):
            return _missing("AppKey", "Push")
        if params["AppKey"] != self.push_app_key:
            return pop_error("PermissionDenied", action="Push")
        task = self._push_task(params, "Push")
        if isinstance(task, Reply):
            return task
        self.state.record_push(task)
        return json_reply({"RequestId": aliyun_request_id(), "MessageId": task.message_id})

    def mass_push(self, params: dict[str, str]) -> Reply:
        """PushTask.1.* … PushTask.N.* (N ≤ 100), each checked as Push checks its parameters; one bad task refuses
        the whole call (nothing is pushed), as a client must then fix and resend the batch."""
        if not params.get("AppKey"):
            return _missing("AppKey", "MassPush")
        if params["AppKey"] != self.push_app_key:
            return pop_error("PermissionDenied", action="MassPush")
        per_task: dict[int, dict[str, str]] = {}
        for name, value in params.items():
            head, _, rest = name.partition(".")
            number, _, field = rest.partition(".")
            if head == "PushTask" and number.isdigit() and field:
                per_task.setdefault(int(number), {})[field] = value
        if not per_task:
            return _missing("PushTask", "MassPush")
        if sorted(per_task) != list(range(1, len(per_task) + 1)):
            return pop_error("InvalidPushTask.Format", action="MassPush", status=400)
        if len(per_task) > MASS_PUSH_MAX:
            message = f"The PushTask count exceeds the {MASS_PUSH_MAX} limit."
            return pop_error("InvalidPushTask.ExceedLimit", action="MassPush", message=message, status=400)
        tasks: list[PushRecord] = []
        for n in range(1, len(per_task) + 1):
            task = self._push_task({**per_task[n], "AppKey": params["AppKey"]}, "MassPush")
            if isinstance(task, Reply):
                return task
            tasks.append(task)
        for task in tasks:
            self.state.record_push(task)
        ids = [t.message_id for t in tasks]
        return json_reply({"RequestId": aliyun_request_id(), "MessageIds": {"MessageId": ids}})

    def _push_task(self, params: dict[str, str], action: str) -> PushRecord | Reply:
        """One push's parameters checked as CloudPush checks them; the record to keep, or the refusal."""
        for name in ("Target", "TargetValue", "PushType", "DeviceType"):
            if not params.get(name):
                return _missing(name, action)
        for name, allowed in (
            ("Target", ("DEVICE", "ACCOUNT", "ALIAS", "TAG", "ALL")),
            ("PushType", ("MESSAGE", "NOTICE")),
            ("DeviceType", ("iOS", "ANDROID", "ALL")),
        ):
            if params[name] not in allowed:
                return self._invalid("Format", name, f"The specified {name} format is invalid.", action)
        title, body = params.get("Title", ""), params.get("Body", "")
        if not title and params["DeviceType"] != "iOS":
            return self._invalid("Empty", "Title", "The specified Title cannot be empty.", action)
        if len(title.encode("utf-8")) > PUSH_TITLE_MAX_BYTES:
            return self._invalid(
                "BytesExceed", "Title", f"The specified Title exceeds the {PUSH_TITLE_MAX_BYTES} bytes limit.", action
            )
        if not body:
            return self._invalid("Empty", "Body", "The specified Body cannot be empty.", action)
        extras: dict[str, Any] = {}
        for name in ("AndroidExtParameters", "iOSExtParameters"):
            if params.get(name):
                try:
                    parsed = json.loads(params[name])
                except ValueError:
                    parsed = None
                if not isinstance(parsed, dict):
                    return self._invalid("Format", name, f"The specified {name} format is invalid.", action)
                extras.update(parsed)
        return PushRecord(
            message_id=str(500000 + secrets.randbelow(10**12)),
            app_key=params["AppKey"],
            target=params["Target"],
            target_value=params["TargetValue"],
            push_type=params["PushType"],
            device_type=params["DeviceType"],
            title=title,
            body=body,
            extras=extras,
            at=self.state.stamp(),
        )

    def _invalid(self, kind: str, name: str, message: str, action: str = "Push") -> Reply:
        return pop_error(f"Invalid{name}.{kind}", action=action, message=message, status=400)
