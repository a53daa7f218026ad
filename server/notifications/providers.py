"""The provider clients the worker uses, built once per configuration (the SDK clients pool connections)."""

from __future__ import annotations

from functools import lru_cache

from server.config import get_settings
from server.integrations.aliyun import AliyunConfig, PushClient, SmsClient
from server.integrations.wechat import MiniProgramClient, WeChatConfig


def _aliyun_config() -> AliyunConfig:
    s = get_settings()
    return AliyunConfig(
        access_key_id=s.aliyun_access_key_id,
        access_key_secret=s.aliyun_access_key_secret.get_secret_value(),
        region_id=s.aliyun_region_id,
        sms_endpoint=s.aliyun_sms_endpoint or None,
        push_endpoint=s.aliyun_push_endpoint or None,
        protocol=s.aliyun_protocol,
        sms_sign_name=s.sms_sign_name,
        push_app_key=s.push_app_key,
    )


@lru_cache(maxsize=4)
def _sms(config: AliyunConfig) -> SmsClient:
    return SmsClient(config)


@lru_cache(maxsize=4)
def _push(config: AliyunConfig) -> PushClient:
    return PushClient(config)


@lru_cache(maxsize=4)
def _wechat(config: WeChatConfig) -> MiniProgramClient:
    return MiniProgramClient(config)


def sms_client() -> SmsClient:
    return _sms(_aliyun_config())


def push_client() -> PushClient:
    return _push(_aliyun_config())


def wechat_client() -> MiniProgramClient:
    s = get_settings()
    return _wechat(
        WeChatConfig(
            app_id=s.wechat_app_id,
            app_secret=s.wechat_app_secret.get_secret_value(),
            api_base=s.wechat_api_base or None,
            redis_url=s.redis_url,
        )
    )
