"""Settings values a production deployment starts with: real-looking secrets, no emulators, a mail sender."""

from __future__ import annotations

PRODUCTION = {
    "app_env": "production",
    "database_url": "postgres://app@db:5432/yishi",
    "redis_url": "redis://cache:6379/0",
    "secret_key": "s" * 48,
    "data_key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "blind_index_key": "b" * 48,
    "wechat_app_secret": "w" * 32,
    "aliyun_access_key_secret": "a" * 32,
    "emulators_enabled": False,
    "mail_from": "noreply@yishi.example.cn",
}
