"""Request and response bodies of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from server.accounts.sessions import Tokens
from server.accounts.sms import SmsPurpose

Phone = Annotated[str, Field(pattern=r"^1[3-9]\d{9}$", description="中国大陆手机号")]
SmsCode = Annotated[str, Field(pattern=r"^\d{6}$", description="6 位短信验证码")]
# Length rules (8–64) are checked by the service so the message can say why; this only bounds the input.
Password = Annotated[str, Field(min_length=1, max_length=128)]
Version = Annotated[str, Field(min_length=1, max_length=32)]
Email = Annotated[
    str,
    Field(
        max_length=254,
        pattern=r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
        description="电子邮箱",
        examples=["zhang.ming@example.cn"],
    ),
]
MailCode = Annotated[str, Field(pattern=r"^\d{6}$", description="邮件中的 6 位验证码")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SmsCodeIn(_In):
    phone: Phone
    purpose: SmsPurpose


class RegisterIn(_In):
    phone: Phone
    sms_code: SmsCode
    password: Password
    agreement_version: Version
    privacy_version: Version


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int
    must_change_password: bool = False

    @classmethod
    def of(cls, tokens: Tokens) -> TokensOut:
        return cls(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
            must_change_password=tokens.must_change_password,
        )


class LoginIn(_In):
    login: str = Field(
        min_length=1,
        max_length=32,
        description="手机号、用户名，或（账号已与执业医师档案关联后）身份证号、医师资格证书编码",
        examples=["13800000001"],
    )
    password: Password
    captcha_id: str | None = Field(default=None, max_length=64)
    captcha_answer: str | None = Field(default=None, max_length=16)


class SmsLoginIn(_In):
    phone: Phone
    sms_code: SmsCode


class CaptchaOut(BaseModel):
    captcha_id: str
    image: str = Field(description="data: URL（PNG）")


class RefreshIn(_In):
    refresh_token: str = Field(min_length=1, max_length=256)


class SessionOut(BaseModel):
    id: str
    user_agent: str
    ip: str
    created_at: datetime
    last_used_at: datetime
    current: bool


class SessionListOut(BaseModel):
    items: list[SessionOut]


class EndedOut(BaseModel):
    ended: int


class ChangePasswordIn(_In):
    old_password: Password
    new_password: Password


class ResetPasswordIn(_In):
    phone: Phone
    sms_code: SmsCode
    new_password: Password


class ChangePhoneIn(_In):
    old_code: SmsCode
    new_phone: Phone
    new_code: SmsCode


class EmailIn(_In):
    email: Email


class EmailVerifyIn(_In):
    email: Email
    code: MailCode


class EmailResetIn(_In):
    email: Email
    code: MailCode
    new_password: Password


class EmailOut(BaseModel):
    email: str = Field(description="已验证的安全邮箱（脱敏）", examples=["zh***@example.cn"])
    verified_at: datetime


class WechatLoginIn(_In):
    code: str = Field(min_length=1, max_length=128)


class WechatLoginOut(BaseModel):
    """Bound: the token fields; not bound: needs_binding and a ticket for /auth/wechat/register."""

    needs_binding: bool
    wechat_ticket: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    token_type: str | None = None
    expires_in: int | None = None
    must_change_password: bool | None = None

    @classmethod
    def of(cls, result: Tokens | str) -> WechatLoginOut:
        """The tokens of a bound openid, or the ticket (a ``str``) of one still to bind."""
        if isinstance(result, str):
            return cls(needs_binding=True, wechat_ticket=result)
        tokens = TokensOut.of(result)
        return cls(needs_binding=False, **tokens.model_dump())


class WechatRegisterIn(_In):
    wechat_ticket: str = Field(min_length=1, max_length=128)
    phone_code: str = Field(min_length=1, max_length=128)
    password: Password | None = None
    agreement_version: Version
    privacy_version: Version


class MeOut(BaseModel):
    id: int
    phone: str | None
    username: str | None
    role: str
    real_name: str | None
    must_change_password: bool
    wechat_bound: bool
    email: str | None = Field(description="安全邮箱（脱敏），未绑定为空")
    email_verified: bool
    agreement_version: str | None
    privacy_version: str | None


class AgreementsOut(BaseModel):
    agreement_version: str = Field(description="当前《用户服务协议》版本，注册时原样提交", examples=["2026.1"])
    privacy_version: str = Field(description="当前《隐私政策》版本，注册时原样提交", examples=["2026.1"])


class UserStatusIn(_In):
    reason: str = Field(min_length=2, max_length=200, description="停用或启用的原因（写入审计日志）")


class UserStatusOut(BaseModel):
    user_id: int
    is_active: bool


class AuditQuery(_In):
    action: str | None = Field(default=None, max_length=64)
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: int | None = Field(default=None, ge=1)
    limit: int = Field(default=50, ge=1, le=200)


class RefusalQuery(_In):
    cursor: int | None = Field(default=None, ge=1)
    limit: int = Field(default=50, ge=1, le=200)


class AuditEntryOut(BaseModel):
    id: int
    action: str
    actor_id: int | None
    subject_type: str | None
    subject_id: str | None
    ip: str | None
    details: dict | None
    created_at: datetime


class AuditPageOut(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: int | None
