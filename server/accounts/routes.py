"""HTTP routes of the accounts part: /api/v1/auth/*, /api/v1/me/*, /api/v1/admin/audit."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.accounts import admin, captchas, profile, recovery, registration, security, sms, staff_routes, wechat
from server.accounts import errors as account_errors
from server.accounts import login as account_login
from server.accounts.schemas import (
    AgreementsOut,
    AuditEntryOut,
    AuditPageOut,
    AuditQuery,
    CaptchaOut,
    ChangePasswordIn,
    ChangePhoneIn,
    EmailIn,
    EmailOut,
    EmailResetIn,
    EmailVerifyIn,
    EndedOut,
    LoginIn,
    MeOut,
    RefreshIn,
    RefusalQuery,
    RegisterIn,
    ResetPasswordIn,
    SessionListOut,
    SessionOut,
    SmsCodeIn,
    SmsLoginIn,
    TokensOut,
    UserStatusIn,
    UserStatusOut,
    WechatLoginIn,
    WechatLoginOut,
    WechatRegisterIn,
)
from server.common import audit
from server.common.apidoc import raises
from server.common.auth import Principal, authenticate, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.masking import mask_email, mask_phone
from server.common.models import AuditEntry
from server.common.schemas import AcceptedOut
from server.common.validation import body, query
from server.common.web import OkOut, json_content, ok, out
from server.integrations.wechat.errors import WeChatCodeInvalid

bp = Blueprint("accounts", url_prefix="/api/v1")


@bp.listener("before_server_stop")
async def _finish_sending(app: object) -> None:
    """Codes already promised by an answer go out before the process stops."""
    await sms.settle()


def _ua(request: Request) -> str:
    return request.headers.get("user-agent", "")


@bp.post("/auth/sms-codes")
@raises(account_errors.SmsSendLimited, account_errors.SmsNotConfigured)
@openapi.tag("accounts")
@openapi.summary("发送短信验证码")
@openapi.response(202, json_content(AcceptedOut))
@body(SmsCodeIn)
async def send_sms_code(request: Request, body: SmsCodeIn) -> HTTPResponse:
    user_id = None
    if body.purpose == "change_phone":
        user_id = (await authenticate(request)).user_id
    await registration.send_sms_code(phone=body.phone, purpose=body.purpose, ip=client_ip(request), user_id=user_id)
    return out(AcceptedOut(), status=202)


@bp.get("/auth/agreements")
@openapi.tag("accounts")
@openapi.summary("当前服务协议与隐私政策版本（注册前展示并同意）")
@openapi.response(200, json_content(AgreementsOut))
async def agreements(request: Request) -> HTTPResponse:
    return out(AgreementsOut(**registration.current_agreements()))


@bp.post("/auth/register")
@raises(
    account_errors.SmsCodeInvalid,
    account_errors.SmsCodeAttemptsExceeded,
    account_errors.PasswordWeak,
    account_errors.PhoneTaken,
    account_errors.AgreementOutdated,
)
@openapi.tag("accounts")
@openapi.summary("手机号注册")
@openapi.response(201, json_content(TokensOut))
@body(RegisterIn)
async def register(request: Request, body: RegisterIn) -> HTTPResponse:
    tokens = await registration.register(**body.model_dump(), ip=client_ip(request), user_agent=_ua(request))
    return out(TokensOut.of(tokens), status=201)


@bp.post("/auth/login")
@raises(
    account_errors.InvalidCredentials,
    account_errors.CaptchaRequired,
    account_errors.CaptchaInvalid,
    account_errors.AccountLocked,
    account_errors.AccountDisabled,
    account_errors.InitialPasswordUsed,
    account_errors.OneTimePasswordExpired,
)
@openapi.tag("accounts")
@openapi.summary("密码登录（手机号或用户名，用户名不区分大小写）")
@openapi.response(200, json_content(TokensOut))
@body(LoginIn)
async def login(request: Request, body: LoginIn) -> HTTPResponse:
    tokens = await account_login.log_in_with_password(
        **body.model_dump(), ip=client_ip(request), user_agent=_ua(request)
    )
    return out(TokensOut.of(tokens))


@bp.post("/auth/login/sms")
@raises(
    account_errors.InvalidCredentials,
    account_errors.SmsCodeInvalid,
    account_errors.SmsCodeAttemptsExceeded,
    account_errors.AccountLocked,
    account_errors.AccountDisabled,
)
@openapi.tag("accounts")
@openapi.summary("短信验证码登录")
@openapi.response(200, json_content(TokensOut))
@body(SmsLoginIn)
async def login_sms(request: Request, body: SmsLoginIn) -> HTTPResponse:
    tokens = await account_login.log_in_with_sms(**body.model_dump(), ip=client_ip(request), user_agent=_ua(request))
    return out(TokensOut.of(tokens))


@bp.get("/auth/captcha")
@openapi.tag("accounts")
@openapi.summary("获取图形验证码")
@openapi.response(200, json_content(CaptchaOut))
async def captcha(request: Request) -> HTTPResponse:
    captcha_id, image = await captchas.new_captcha()
    return out(CaptchaOut(captcha_id=captcha_id, image=image), headers={"Cache-Control": "no-store"})


@bp.post("/auth/refresh")
@raises(account_errors.RefreshTokenInvalid, account_errors.RefreshTokenReused, account_errors.AccountDisabled)
@openapi.tag("accounts")
@openapi.summary("刷新登录凭证")
@openapi.response(200, json_content(TokensOut))
@body(RefreshIn)
async def refresh(request: Request, body: RefreshIn) -> HTTPResponse:
    tokens = await account_login.refresh_tokens(refresh_token=body.refresh_token, ip=client_ip(request))
    return out(TokensOut.of(tokens))


@bp.post("/auth/logout")
@openapi.tag("accounts")
@openapi.summary("退出登录")
@openapi.response(200, json_content(OkOut))
@require(allow_password_change=True)
async def logout(request: Request, principal: Principal) -> HTTPResponse:
    await account_login.log_out(user_id=principal.user_id, session_id=principal.session_id, ip=client_ip(request))
    return ok()


@bp.post("/auth/password/reset")
@raises(account_errors.SmsCodeInvalid, account_errors.SmsCodeAttemptsExceeded, account_errors.PasswordWeak)
@openapi.tag("accounts")
@openapi.summary("通过短信验证码重置密码")
@openapi.response(200, json_content(OkOut))
@body(ResetPasswordIn)
async def reset_password(request: Request, body: ResetPasswordIn) -> HTTPResponse:
    await recovery.reset_password(**body.model_dump(), ip=client_ip(request))
    return ok()


@bp.post("/auth/wechat/login")
@raises(WeChatCodeInvalid)
@openapi.tag("accounts")
@openapi.summary("微信小程序登录")
@openapi.response(200, json_content(WechatLoginOut))
@body(WechatLoginIn)
async def wechat_login(request: Request, body: WechatLoginIn) -> HTTPResponse:
    result = await wechat.wechat_log_in(code=body.code, ip=client_ip(request), user_agent=_ua(request))
    return out(WechatLoginOut.of(result))


@bp.post("/auth/wechat/register")
@raises(account_errors.WechatTicketInvalid)
@openapi.tag("accounts")
@openapi.summary("微信手机号快速验证注册（已注册则绑定）")
@openapi.response(200, json_content(TokensOut))
@body(WechatRegisterIn)
async def wechat_register(request: Request, body: WechatRegisterIn) -> HTTPResponse:
    tokens = await wechat.wechat_register(**body.model_dump(), ip=client_ip(request), user_agent=_ua(request))
    return out(TokensOut.of(tokens))


@bp.get("/me")
@openapi.tag("accounts")
@openapi.summary("当前账号信息")
@openapi.response(200, json_content(MeOut))
@require(allow_password_change=True)
async def me(request: Request, principal: Principal) -> HTTPResponse:
    found = await profile.get_me(user_id=principal.user_id)
    user = found["user"]
    view = MeOut(
        id=user.id,
        phone=mask_phone(user.phone),
        username=user.username,
        role=str(user.role),
        real_name=user.real_name,
        must_change_password=user.must_change_password,
        wechat_bound=found["wechat_bound"],
        email=mask_email(user.email),
        email_verified=user.email_verified_at is not None,
        agreement_version=user.agreement_version,
        privacy_version=user.privacy_version,
    )
    return out(view)


@bp.post("/me/password")
@raises(account_errors.OldPasswordWrong, account_errors.PasswordUnchanged, account_errors.PasswordWeak)
@openapi.tag("accounts")
@openapi.summary("修改密码（其他设备将退出登录）")
@openapi.response(200, json_content(TokensOut))
@body(ChangePasswordIn)
@require(allow_password_change=True)
async def change_password(request: Request, body: ChangePasswordIn, principal: Principal) -> HTTPResponse:
    tokens = await security.change_password(
        user_id=principal.user_id, session_id=principal.session_id, ip=client_ip(request), **body.model_dump()
    )
    return out(TokensOut.of(tokens))


@bp.post("/me/phone")
@raises(account_errors.SmsCodeInvalid)
@openapi.tag("accounts")
@openapi.summary("更换绑定手机号（原号码和新号码各需一个验证码）")
@openapi.response(200, json_content(OkOut))
@body(ChangePhoneIn)
@require()
async def change_phone(request: Request, body: ChangePhoneIn, principal: Principal) -> HTTPResponse:
    await profile.change_phone(
        user_id=principal.user_id, session_id=principal.session_id, ip=client_ip(request), **body.model_dump()
    )
    return ok()


@bp.get("/me/sessions")
@openapi.tag("accounts")
@openapi.summary("已登录的设备")
@openapi.response(200, json_content(SessionListOut))
@require()
async def list_sessions(request: Request, principal: Principal) -> HTTPResponse:
    rows = await security.list_sessions(user_id=principal.user_id)
    items = [
        SessionOut(
            id=s.id,
            user_agent=s.user_agent,
            ip=s.ip,
            created_at=s.created_at,
            last_used_at=s.last_used_at,
            current=s.id == principal.session_id,
        )
        for s in rows
    ]
    return out(SessionListOut(items=items))


@bp.delete("/me/sessions/<sid:str>")
@raises(account_errors.SessionNotFound)
@openapi.tag("accounts")
@openapi.summary("退出指定设备")
@openapi.response(200, json_content(OkOut))
@require()
async def end_session(request: Request, sid: str, principal: Principal) -> HTTPResponse:
    await security.end_session(user_id=principal.user_id, session_id=sid, ip=client_ip(request))
    return ok()


@bp.delete("/me/sessions")
@openapi.tag("accounts")
@openapi.summary("退出其他所有设备")
@openapi.response(200, json_content(EndedOut))
@require()
async def end_other_sessions(request: Request, principal: Principal) -> HTTPResponse:
    n = await security.end_other_sessions(
        user_id=principal.user_id, session_id=principal.session_id, ip=client_ip(request)
    )
    return out(EndedOut(ended=n))


@bp.post("/me/wechat")
@raises(account_errors.WechatAlreadyBound)
@openapi.tag("accounts")
@openapi.summary("绑定微信")
@openapi.response(200, json_content(OkOut))
@body(WechatLoginIn)
@require()
async def bind_wechat(request: Request, body: WechatLoginIn, principal: Principal) -> HTTPResponse:
    await wechat.bind_wechat(user_id=principal.user_id, code=body.code, ip=client_ip(request))
    return ok()


@bp.delete("/me/wechat")
@raises(account_errors.WechatNotBound)
@openapi.tag("accounts")
@openapi.summary("解绑微信")
@openapi.response(200, json_content(OkOut))
@require()
async def unbind_wechat(request: Request, principal: Principal) -> HTTPResponse:
    await wechat.unbind_wechat(user_id=principal.user_id, ip=client_ip(request))
    return ok()


@bp.get("/admin/audit")
@openapi.tag("accounts")
@openapi.summary("安全审计日志（管理员）")
@openapi.response(200, json_content(AuditPageOut))
@query(AuditQuery)
@require(Role.ADMIN)
async def list_audit(request: Request, query: AuditQuery, principal: Principal) -> HTTPResponse:
    rows, next_cursor = await audit.list_entries(
        action=query.action,
        actor_id=query.actor_id,
        since=query.since,
        until=query.until,
        before_id=query.cursor,
        limit=query.limit,
    )
    return out(_audit_page(rows, next_cursor))


def _audit_page(rows: list[AuditEntry], next_cursor: int | None) -> AuditPageOut:
    items = [
        AuditEntryOut(
            id=r.id,
            action=r.action,
            actor_id=r.actor_id,
            subject_type=r.subject_type,
            subject_id=r.subject_id,
            ip=r.ip,
            details=r.details,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return AuditPageOut(items=items, next_cursor=next_cursor)


@bp.get("/audit/refusals")
@openapi.tag("accounts")
@openapi.summary("被拒绝的越权访问（考核机构：本辖区人员；管理员：全部），按人员、接口、小时汇总计数")
@openapi.response(200, json_content(AuditPageOut))
@query(RefusalQuery)
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def list_refusals(request: Request, query: RefusalQuery, principal: Principal) -> HTTPResponse:
    rows, next_cursor = await audit.list_refusals(
        region_code=None if principal.role == Role.ADMIN else principal.region_code or "-",
        before_id=query.cursor,
        limit=query.limit,
    )
    return out(_audit_page(rows, next_cursor))


async def _set_active(
    request: Request, principal: Principal, user_id: int, body: UserStatusIn, active: bool
) -> HTTPResponse:
    user = await admin.set_user_active(
        admin_id=principal.user_id, user_id=user_id, active=active, reason=body.reason, ip=client_ip(request)
    )
    return out(UserStatusOut(user_id=user.id, is_active=user.is_active))


@bp.post("/admin/users/<user_id:int>/disable")
@raises(account_errors.UserNotFound)
@openapi.tag("accounts")
@openapi.summary("停用账号（管理员）：该账号的所有登录立即失效")
@openapi.response(200, json_content(UserStatusOut))
@body(UserStatusIn)
@require(Role.ADMIN)
async def disable_user(request: Request, user_id: int, body: UserStatusIn, principal: Principal) -> HTTPResponse:
    return await _set_active(request, principal, user_id, body, active=False)


@bp.post("/admin/users/<user_id:int>/enable")
@openapi.tag("accounts")
@openapi.summary("重新启用账号（管理员）")
@openapi.response(200, json_content(UserStatusOut))
@body(UserStatusIn)
@require(Role.ADMIN)
async def enable_user(request: Request, user_id: int, body: UserStatusIn, principal: Principal) -> HTTPResponse:
    return await _set_active(request, principal, user_id, body, active=True)


# ---- security e-mail ---------------------------------------------------------------------------------------------
@bp.post("/me/email")
@raises(account_errors.EmailTaken, account_errors.SmsSendLimited)
@openapi.tag("accounts")
@openapi.summary("绑定安全邮箱：向该邮箱发送验证码")
@openapi.response(202, json_content(AcceptedOut))
@body(EmailIn)
@require()
async def request_email_binding(request: Request, body: EmailIn, principal: Principal) -> HTTPResponse:
    await profile.request_email_binding(user_id=principal.user_id, email=body.email, ip=client_ip(request))
    message = f"验证码已发送至该邮箱，{sms.code_ttl_minutes()} 分钟内有效"
    return out(AcceptedOut(message=message), status=202)


@bp.post("/me/email/verify")
@raises(account_errors.SmsCodeInvalid)
@openapi.tag("accounts")
@openapi.summary("绑定安全邮箱：提交邮件中的验证码")
@openapi.response(200, json_content(EmailOut))
@body(EmailVerifyIn)
@require()
async def verify_email_binding(request: Request, body: EmailVerifyIn, principal: Principal) -> HTTPResponse:
    user = await profile.verify_email_binding(
        user_id=principal.user_id, email=body.email, code=body.code, ip=client_ip(request)
    )
    assert user.email is not None and user.email_verified_at is not None
    return out(EmailOut(email=mask_email(user.email) or "", verified_at=user.email_verified_at))


@bp.delete("/me/email")
@raises(account_errors.EmailNotBound)
@openapi.tag("accounts")
@openapi.summary("解除安全邮箱")
@openapi.response(200, json_content(OkOut))
@require()
async def remove_email(request: Request, principal: Principal) -> HTTPResponse:
    await profile.remove_email(user_id=principal.user_id, ip=client_ip(request))
    return ok()


@bp.post("/auth/email-codes")
@openapi.tag("accounts")
@openapi.summary("通过安全邮箱找回密码：发送验证码（无论邮箱是否绑定，回答相同）")
@openapi.response(202, json_content(AcceptedOut))
@body(EmailIn)
async def request_reset_by_email(request: Request, body: EmailIn) -> HTTPResponse:
    await recovery.request_reset_by_email(email=body.email, ip=client_ip(request))
    return out(AcceptedOut(message="如该邮箱已绑定账号，验证码将很快送达"), status=202)


@bp.post("/auth/password/reset/email")
@raises(account_errors.PasswordWeak, account_errors.SmsCodeInvalid)
@openapi.tag("accounts")
@openapi.summary("通过安全邮箱找回密码：提交验证码与新密码（所有设备将退出登录）")
@openapi.response(200, json_content(OkOut))
@body(EmailResetIn)
async def reset_password_by_email(request: Request, body: EmailResetIn) -> HTTPResponse:
    await recovery.reset_password_by_email(**body.model_dump(), ip=client_ip(request))
    return ok()


BLUEPRINTS = (bp, staff_routes.bp)
