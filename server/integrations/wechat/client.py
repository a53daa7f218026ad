"""The mini-program's server-side WeChat calls, through wechatpy.

Why a wechatpy subclass rather than wechatpy as is (1.8.18):
- ``fetch_access_token`` hard-codes https://api.weixin.qq.com and sends no time-out; ours honours ``api_base`` (the
  emulator in dev and tests) and the configured time-out.
- ``auto_retry`` refetches the token and retries *without limit* while WeChat keeps answering 40001/42001; we turn
  it off and retry once, after one refresh, in ``MiniProgramClient._call``.
- every wechatpy call adds an access_token, fetching one if needed; jscode2session takes appid + secret instead, so
  a token outage would break logins for nothing. ``_WxaApi.code_to_session`` sends none.
- wechatpy has no phone-number call; ``_WxaApi.get_user_phone_number`` posts it through the same client.

The access token lives in Redis (wechatpy's RedisStorage, key ``wechat:<appid>_access_token``), shared by every
process, and is refreshed under a Redis lock so a fleet of workers does not stampede the token endpoint (each new
token shortens the life of the previous one). It is stored for five minutes less than WeChat's ``expires_in`` so no
process keeps using a token in its last minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import redis
import requests
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatWxa
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from server.integrations.wechat.errors import (
    TOKEN_ERRCODES,
    WeChatError,
    WeChatUnavailable,
    translate,
)

log = logging.getLogger(__name__)

REAL_API_BASE = "https://api.weixin.qq.com"
TOKEN_EARLY_REFRESH = 300


@dataclass(frozen=True)
class WeChatConfig:
    app_id: str
    app_secret: str = field(repr=False)
    api_base: str | None  # None: the real https://api.weixin.qq.com
    redis_url: str
    timeout: float = 5.0
    # Which build a subscribe-message card opens: "developer", "trial" or "formal".
    miniprogram_state: str = "formal"
    lang: str = "zh_CN"


@dataclass(frozen=True)
class WxSession:
    openid: str
    unionid: str | None
    session_key: str = field(repr=False)


class _WxaApi(WeChatWxa):
    def code_to_session(self, js_code: str) -> Any:
        # "access_token" present (as None, which requests drops) stops wechatpy from fetching a token.
        params = {
            "appid": self.appid,
            "secret": self.secret,
            "js_code": js_code,
            "grant_type": "authorization_code",
            "access_token": None,
        }
        return self._get("sns/jscode2session", params=params)

    def get_user_phone_number(self, code: str) -> Any:
        return self._post("wxa/business/getuserphonenumber", data={"code": code})

    def send_subscribe_message_to(self, body: dict[str, Any]) -> Any:
        # wechatpy's send_subscribe_message cannot send miniprogram_state or lang.
        return self._post("cgi-bin/message/subscribe/send", data=body)


class _WeChatClient(WeChatClient):
    wxa = _WxaApi()

    def __init__(self, config: WeChatConfig, redis_client: redis.Redis) -> None:
        super().__init__(
            config.app_id,
            config.app_secret,
            session=RedisStorage(redis_client, prefix="wechat"),
            timeout=config.timeout,
            auto_retry=False,
        )
        self.base = (config.api_base or REAL_API_BASE).rstrip("/") + "/"
        self.API_BASE_URL = self.base + "cgi-bin/"
        self.wxa.API_BASE_URL = self.base
        self._redis = redis_client
        self._lock_name = f"wechat:{self.access_token_key}:refresh"

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        return str(token) if token else self.refresh_access_token(rejected=None)

    def fetch_access_token(self) -> str:
        return self.refresh_access_token(rejected=self.session.get(self.access_token_key))

    def refresh_access_token(self, *, rejected: str | None) -> str:
        """A fresh token, unless another process already replaced ``rejected`` while we waited for the lock."""
        lock = self._redis.lock(self._lock_name, timeout=self.timeout * 3, blocking_timeout=self.timeout * 2)
        acquired = lock.acquire()
        if not acquired:
            log.warning("wechat token lock not acquired in time; fetching without it")
        try:
            current = self.session.get(self.access_token_key)
            if current and current != rejected:
                return str(current)
            return self._fetch_token()
        finally:
            if acquired:
                try:
                    lock.release()
                except redis.exceptions.LockError:
                    pass

    def _fetch_token(self) -> str:
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        try:
            res = self._http.get(self.base + "cgi-bin/token", params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise WeChatUnavailable(provider_message=f"token: {type(exc).__name__}") from exc
        if res.status_code >= 400:
            raise WeChatUnavailable(provider_message=f"token: HTTP {res.status_code}")
        try:
            result = res.json()
        except ValueError as exc:
            raise WeChatUnavailable(provider_message="token: answer is not JSON") from exc
        if result.get("errcode"):
            raise translate(int(result["errcode"]), result.get("errmsg"), call="token")
        token = result.get("access_token")
        if not token:
            raise WeChatUnavailable(provider_message="token: no access_token in answer")
        expires_in = int(result.get("expires_in") or 7200)
        ttl = expires_in - TOKEN_EARLY_REFRESH if expires_in > 2 * TOKEN_EARLY_REFRESH else max(expires_in // 2, 1)
        self.session.set(self.access_token_key, token, ttl)
        log.info("wechat access token refreshed for %s", self.appid)
        return str(token)


def _token_sent(exc: WeChatClientException) -> str | None:
    url = getattr(exc.request, "url", None)
    if not url:
        return None
    return parse_qs(urlsplit(url).query).get("access_token", [None])[0]


def _errcode(exc: WeChatClientException) -> int | None:
    try:
        return int(exc.errcode) if exc.errcode is not None else None
    except (TypeError, ValueError):
        return None


class MiniProgramClient:
    """Synchronous; call it from an executor. Safe to share between threads."""

    def __init__(self, config: WeChatConfig, *, redis_client: redis.Redis | None = None) -> None:
        self.config = config
        self._redis = redis_client or redis.Redis.from_url(
            config.redis_url, socket_timeout=config.timeout, socket_connect_timeout=config.timeout
        )
        self._client = _WeChatClient(config, self._redis)

    def code_to_session(self, js_code: str) -> WxSession:
        """Exchange a ``wx.login()`` code for the user's openid (and unionid when the app has one)."""
        result = self._call("login", lambda: self._client.wxa.code_to_session(js_code))
        openid, session_key = result.get("openid"), result.get("session_key")
        if not openid or not session_key:
            raise WeChatError(provider_message="jscode2session: no openid in answer")
        return WxSession(openid=str(openid), unionid=result.get("unionid") or None, session_key=str(session_key))

    def get_phone_number(self, code: str) -> str:
        """The phone number (without country code) behind a getPhoneNumber button code."""
        result = self._call("phone", lambda: self._client.wxa.get_user_phone_number(code))
        info = result.get("phone_info") or {}
        watermark = info.get("watermark") or {}
        if watermark.get("appid") not in (None, self.config.app_id):
            # A code minted for another app must never bind a number here.
            raise WeChatError(provider_message="getuserphonenumber: watermark appid mismatch")
        phone = info.get("purePhoneNumber")
        if not phone:
            raise WeChatError(provider_message="getuserphonenumber: no purePhoneNumber in answer")
        return str(phone)

    def send_subscribe_message(
        self, openid: str, template_id: str, data: dict[str, str], page: str | None = None
    ) -> None:
        """Send one subscribe message; consumes one of the user's subscriptions to ``template_id``."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": self.config.miniprogram_state,
            "lang": self.config.lang,
        }
        if page:
            body["page"] = page
        self._call("subscribe", lambda: self._client.wxa.send_subscribe_message_to(body))

    def _call(self, call: str, send: Callable[[], Any]) -> dict[str, Any]:
        try:
            return self._call_once_or_twice(call, send)
        except redis.RedisError as exc:
            # The token store is down: no token can be read or shared, so WeChat is unreachable for us.
            raise WeChatUnavailable(provider_message=f"{call}: token store {type(exc).__name__}") from exc

    def _call_once_or_twice(self, call: str, send: Callable[[], Any]) -> dict[str, Any]:
        for attempt in (1, 2):
            try:
                result = send()
            except WeChatClientException as exc:
                errcode = _errcode(exc)
                if attempt == 1 and errcode in TOKEN_ERRCODES and call != "login":
                    self._client.refresh_access_token(rejected=_token_sent(exc))
                    continue
                errmsg = exc.errmsg
                if errcode is None and exc.response is not None:
                    errmsg = f"HTTP {exc.response.status_code}"
                raise translate(errcode, errmsg, call=call) from exc
            except requests.RequestException as exc:
                raise WeChatUnavailable(provider_message=f"{call}: {type(exc).__name__}") from exc
            if not isinstance(result, dict):
                raise WeChatUnavailable(provider_message=f"{call}: answer is not JSON")
            return result
        raise AssertionError("unreachable")  # pragma: no cover
