"""SMS (Dysmsapi SendSms 2017-05-25) and app push (CloudPush Push and MassPush 2016-08-01) through aliyunsdkcore.

All go through ``AcsClient`` + ``CommonRequest`` (RPC style, POST, signed by the SDK; parameters in the query
string, except MassPush's tasks, which go in the form body: a hundred of them would make a URL too long). The SDK's
own retry is off: no call is idempotent, and a retry after a read time-out could text a user twice; the
notification worker decides about retries from ``ProviderError.retryable``.

Endpoints: ``sms_endpoint`` / ``push_endpoint`` are ``host[:port]`` (None: the public dysmsapi.aliyuncs.com /
cloudpush.aliyuncs.com). A full URL such as the emulator's ``http://127.0.0.1:8900`` is accepted too, and then its
scheme wins over ``protocol``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from server.integrations import ProviderError
from server.integrations.aliyun.errors import PushFailed, SmsSendFailed, push_error, sms_error

log = logging.getLogger(__name__)

SMS_HOST = "dysmsapi.aliyuncs.com"
PUSH_HOST = "cloudpush.aliyuncs.com"


@dataclass(frozen=True)
class AliyunConfig:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    region_id: str
    sms_endpoint: str | None
    push_endpoint: str | None
    protocol: Literal["http", "https"]
    sms_sign_name: str
    push_app_key: str
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    # Keep-alive connections per host: as many as the calls a worker makes at once (the SDK's default of 10 opens
    # and drops a new connection for every call beyond it)
    pool_size: int = 32


def _mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def _endpoint(value: str | None, default_host: str, protocol: str) -> tuple[str, str]:
    if not value:
        return default_host, protocol
    for scheme in ("http", "https"):
        if value.startswith(f"{scheme}://"):
            return value.removeprefix(f"{scheme}://").rstrip("/"), scheme
    return value.rstrip("/"), protocol


class _AcsCaller:
    def __init__(self, config: AliyunConfig) -> None:
        self.config = config
        self._client = AcsClient(
            config.access_key_id,
            config.access_key_secret,
            config.region_id,
            auto_retry=False,
            connect_timeout=config.connect_timeout,
            timeout=config.read_timeout,
            pool_size=config.pool_size,
        )
        # The SDK reads HTTP(S)_PROXY itself; without this its requests session also looks for ~/.netrc and the
        # proxy variables again on every call
        self._client.session.trust_env = False

    def _call(
        self,
        endpoint: tuple[str, str],
        version: str,
        action: str,
        params: dict[str, str],
        to_error: Callable[[str | None, str | None, int | None], ProviderError],
        body: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        host, protocol = endpoint
        request = CommonRequest(domain=host, version=version, action_name=action)
        request.set_method("POST")
        request.set_protocol_type(protocol)
        for name, value in params.items():
            request.add_query_param(name, value)
        for name, value in (body or {}).items():
            request.add_body_params(name, value)
        try:
            raw = self._client.do_action_with_exception(request)
        except ServerException as exc:
            raise to_error(exc.get_error_code(), exc.get_error_msg(), exc.get_http_status()) from exc
        except ClientException as exc:
            # SDK.HttpError: refused, reset or timed out before an answer came back (no provider code then).
            code = None if exc.get_error_code() == "SDK.HttpError" else exc.get_error_code()
            raise to_error(code, exc.get_error_msg(), None) from exc
        try:
            answer = json.loads(raw)
        except (TypeError, ValueError) as exc:
            raise to_error(None, f"{action}: answer is not JSON", None) from exc
        if not isinstance(answer, dict):
            raise to_error(None, f"{action}: answer is not an object", None)
        return answer


class SmsClient(_AcsCaller):
    """Synchronous; call it from an executor."""

    def send(self, phone: str, template_code: str, params: dict[str, Any]) -> str:
        """Text ``phone`` with an approved template; returns Aliyun's BizId (for delivery receipts)."""
        query = {
            "PhoneNumbers": phone,
            "SignName": self.config.sms_sign_name,
            "TemplateCode": template_code,
        }
        if params:
            # Dysmsapi accepts string values only (isv.INVALID_JSON_PARAM otherwise).
            query["TemplateParam"] = json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False)
        endpoint = _endpoint(self.config.sms_endpoint, SMS_HOST, self.config.protocol)
        answer = self._call(endpoint, "2017-05-25", "SendSms", query, sms_error)
        code = answer.get("Code")
        if code != "OK":
            # Business refusals come back as HTTP 200 with a Code other than OK.
            raise sms_error(str(code) if code else None, answer.get("Message"))
        biz_id = answer.get("BizId")
        if not biz_id:
            raise SmsSendFailed(provider_code=None, provider_message="SendSms: OK without BizId")
        log.info("sms %s sent to %s (biz %s)", template_code, _mask_phone(phone), biz_id)
        return str(biz_id)


PushTarget = Literal["DEVICE", "ACCOUNT"]
PushType = Literal["NOTICE", "MESSAGE"]
# CloudPush MassPush takes at most this many independent tasks per call
MASS_PUSH_MAX = 100


@dataclass(frozen=True)
class PushTask:
    """One push: to devices (by device id) or to a bound account, with its own title, body and extras."""

    target: PushTarget
    target_value: str
    title: str
    body: str
    push_type: PushType = "NOTICE"
    extras: dict[str, Any] | None = None

    def params(self) -> dict[str, str]:
        if self.target not in ("DEVICE", "ACCOUNT"):
            raise ValueError(f"push target must be DEVICE or ACCOUNT, not {self.target!r}")
        if self.push_type not in ("NOTICE", "MESSAGE"):
            raise ValueError(f"push_type must be NOTICE or MESSAGE, not {self.push_type!r}")
        query = {
            "Target": self.target,
            "TargetValue": self.target_value,
            "DeviceType": "ALL",
            "PushType": self.push_type,
            "Title": self.title,
            "Body": self.body,
            # Keep it for a device that is offline now; it is delivered when the device comes back (72 h).
            "StoreOffline": "true",
        }
        if self.extras:
            encoded = json.dumps(self.extras, ensure_ascii=False)
            query["AndroidExtParameters"] = encoded
            query["iOSExtParameters"] = encoded
        return query


class PushClient(_AcsCaller):
    """Synchronous; call it from an executor."""

    def push(
        self,
        target: PushTarget,
        target_value: str,
        title: str,
        body: str,
        push_type: PushType = "NOTICE",
        extras: dict[str, Any] | None = None,
    ) -> str:
        """Push to devices (by device id) or to a bound account; returns Aliyun's MessageId."""
        task = PushTask(target, target_value, title, body, push_type, extras)
        query = {"AppKey": str(self.config.push_app_key), **task.params()}
        endpoint = _endpoint(self.config.push_endpoint, PUSH_HOST, self.config.protocol)
        answer = self._call(endpoint, "2016-08-01", "Push", query, push_error)
        message_id = answer.get("MessageId")
        if not message_id:
            raise PushFailed(provider_code=answer.get("Code"), provider_message="Push: no MessageId in answer")
        log.info("push %s to %s (message %s)", push_type, target, message_id)
        return str(message_id)

    def mass_push(self, tasks: list[PushTask]) -> list[str]:
        """Up to ``MASS_PUSH_MAX`` independent pushes in one call (CloudPush MassPush); returns their MessageIds in
        the order of ``tasks``. The call succeeds or fails as a whole: a refusal raises for every task."""
        if not 1 <= len(tasks) <= MASS_PUSH_MAX:
            raise ValueError(f"MassPush takes 1 to {MASS_PUSH_MAX} tasks, not {len(tasks)}")
        form: dict[str, str] = {}
        for n, task in enumerate(tasks, start=1):
            for name, value in task.params().items():
                form[f"PushTask.{n}.{name}"] = value
        endpoint = _endpoint(self.config.push_endpoint, PUSH_HOST, self.config.protocol)
        query = {"AppKey": str(self.config.push_app_key)}
        answer = self._call(endpoint, "2016-08-01", "MassPush", query, push_error, body=form)
        ids = answer.get("MessageIds")
        if isinstance(ids, dict):  # the RPC JSON form: {"MessageIds": {"MessageId": [...]}}
            ids = ids.get("MessageId")
        if not isinstance(ids, list) or len(ids) != len(tasks) or not all(ids):
            raise PushFailed(
                provider_code=answer.get("Code"),
                provider_message=f"MassPush: {len(tasks)} tasks but MessageIds {ids!r}"[:300],
            )
        log.info("mass push of %d tasks (messages %s…%s)", len(tasks), ids[0], ids[-1])
        return [str(i) for i in ids]
