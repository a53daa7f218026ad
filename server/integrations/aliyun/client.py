"""SMS (Dysmsapi SendSms 2017-05-25) and app push (CloudPush Push 2016-08-01) through aliyunsdkcore.

Both go through ``AcsClient`` + ``CommonRequest`` (RPC style, POST, parameters in the query string, signed by the
SDK). The SDK's own retry is off: neither call is idempotent, and a retry after a read time-out could text a user
twice; the notification worker decides about retries from ``ProviderError.retryable``.

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
    ) -> dict[str, Any]:
        host, protocol = endpoint
        request = CommonRequest(domain=host, version=version, action_name=action)
        request.set_method("POST")
        request.set_protocol_type(protocol)
        for name, value in params.items():
            request.add_query_param(name, value)
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
        if target not in ("DEVICE", "ACCOUNT"):
            raise ValueError(f"push target must be DEVICE or ACCOUNT, not {target!r}")
        if push_type not in ("NOTICE", "MESSAGE"):
            raise ValueError(f"push_type must be NOTICE or MESSAGE, not {push_type!r}")
        query = {
            "AppKey": str(self.config.push_app_key),
            "Target": target,
            "TargetValue": target_value,
            "DeviceType": "ALL",
            "PushType": push_type,
            "Title": title,
            "Body": body,
            # Keep it for a device that is offline now; it is delivered when the device comes back (72 h).
            "StoreOffline": "true",
        }
        if extras:
            encoded = json.dumps(extras, ensure_ascii=False)
            query["AndroidExtParameters"] = encoded
            query["iOSExtParameters"] = encoded
        endpoint = _endpoint(self.config.push_endpoint, PUSH_HOST, self.config.protocol)
        answer = self._call(endpoint, "2016-08-01", "Push", query, push_error)
        message_id = answer.get("MessageId")
        if not message_id:
            raise PushFailed(provider_code=answer.get("Code"), provider_message="Push: no MessageId in answer")
        log.info("push %s to %s (message %s)", push_type, target, message_id)
        return str(message_id)
