"""The only code that talks to outside services. Everything else calls these small synchronous clients (from an
executor) and catches their typed errors; no other module imports an SDK.

Errors::

    AppError
    └── ProviderError                 502 PROVIDER_ERROR      an outside service refused or failed a call
        ├── wechat.errors.WeChatError …                       (see server.integrations.wechat.errors)
        └── aliyun.errors.SmsSendFailed, PushFailed …         (see server.integrations.aliyun.errors)

Every ``ProviderError`` carries ``provider_code``: the provider's own code, an ``int`` for WeChat (``43101``,
``45009``) and a ``str`` for Aliyun (``"isv.BUSINESS_LIMIT_CONTROL"``), or None when no answer came back (time-out,
connection refused). ``retryable`` tells a delivery worker whether trying the same call later may succeed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from server.errors import AppError


class ProviderError(AppError):
    """An outside service refused or failed a call."""

    code, status, message = "PROVIDER_ERROR", 502, "外部服务调用失败，请稍后再试"
    retryable_by_default: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        *,
        provider_code: int | str | None = None,
        provider_message: str | None = None,
        retryable: bool | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, field=field, details=details)
        self.provider_code = provider_code
        # Kept for logs only: provider messages are English or internal and never shown to a user.
        self.provider_message = provider_message
        self.retryable = self.retryable_by_default if retryable is None else retryable

    def __str__(self) -> str:
        return f"{self.code} ({self.provider_code}: {self.provider_message}) {self.text}"


__all__ = ["ProviderError"]
