"""Errors of the accounts part, each with a stable code and a Chinese message.

AppError
├── SmsCodeInvalid             400 SMS_CODE_INVALID           wrong, used or expired code (field sms_code)
├── SmsCodeAttemptsExceeded    400 SMS_CODE_ATTEMPTS_EXCEEDED five wrong tries: the code is void
├── SmsSendLimited             429 SMS_SEND_LIMITED           1/min, 5/hour, 10/day per phone and per IP
├── SmsNotConfigured           503 SMS_NOT_CONFIGURED         no template for the purpose
├── PasswordWeak               422 PASSWORD_WEAK              length, common or derived from personal data
├── PasswordUnchanged          422 PASSWORD_UNCHANGED         the new password equals the old one
├── OldPasswordWrong           400 OLD_PASSWORD_WRONG         (field old_password)
├── InvalidCredentials         401 INVALID_CREDENTIALS        unknown login or wrong password, alike
├── CaptchaRequired            401 CAPTCHA_REQUIRED           five failures in a row: a captcha is needed
├── CaptchaInvalid             400 CAPTCHA_INVALID            wrong, used or expired captcha
├── AccountLocked              423 ACCOUNT_LOCKED             ten failures in a row: locked 15 minutes
├── AccountDisabled            403 ACCOUNT_DISABLED
├── AgreementOutdated          409 AGREEMENT_OUTDATED         the versions accepted are not the current ones
├── InitialPasswordUsed        401 INITIAL_PASSWORD_USED      an imported initial password logs in once only
├── OneTimePasswordExpired     401 ONE_TIME_PASSWORD_EXPIRED  a staff one-time password past its expires_at
├── UserNotFound               404 USER_NOT_FOUND             admin: no such account
├── EmailTaken                 409 EMAIL_TAKEN                another account verified this e-mail
├── EmailNotBound              404 EMAIL_NOT_BOUND            no security e-mail to remove
├── PhoneTaken                 409 PHONE_TAKEN                only after the SMS code proved the phone
├── RefreshTokenInvalid        401 REFRESH_TOKEN_INVALID
├── RefreshTokenReused         401 REFRESH_TOKEN_REUSED       an old refresh token came back: session ended
├── SessionNotFound            404 SESSION_NOT_FOUND
├── WechatTicketInvalid        400 WECHAT_TICKET_INVALID
├── WechatAlreadyBound         409 WECHAT_ALREADY_BOUND
└── WechatNotBound             404 WECHAT_NOT_BOUND
"""

from __future__ import annotations

from server.errors import AppError


class SmsCodeInvalid(AppError):
    code, status, message = "SMS_CODE_INVALID", 400, "验证码错误或已过期"


class SmsCodeAttemptsExceeded(AppError):
    code, status, message = "SMS_CODE_ATTEMPTS_EXCEEDED", 400, "验证码错误次数过多，请重新获取"


class SmsSendLimited(AppError):
    code, status, message = "SMS_SEND_LIMITED", 429, "验证码发送过于频繁，请稍后再试"


class SmsNotConfigured(AppError):
    code, status, message = "SMS_NOT_CONFIGURED", 503, "短信服务暂时不可用，请稍后再试"


class PasswordWeak(AppError):
    code, status, message = "PASSWORD_WEAK", 422, "密码强度不足"


class PasswordUnchanged(AppError):
    code, status, message = "PASSWORD_UNCHANGED", 422, "新密码不能与原密码相同"


class OldPasswordWrong(AppError):
    code, status, message = "OLD_PASSWORD_WRONG", 400, "原密码不正确"


class InvalidCredentials(AppError):
    code, status, message = "INVALID_CREDENTIALS", 401, "账号或密码错误"


class CaptchaRequired(AppError):
    code, status, message = "CAPTCHA_REQUIRED", 401, "请输入图形验证码"


class CaptchaInvalid(AppError):
    code, status, message = "CAPTCHA_INVALID", 400, "图形验证码错误或已过期"


class AccountLocked(AppError):
    code, status, message = "ACCOUNT_LOCKED", 423, "登录失败次数过多，账号已临时锁定"


class AccountDisabled(AppError):
    code, status, message = "ACCOUNT_DISABLED", 403, "账号已停用"


class AgreementOutdated(AppError):
    code, status, message = "AGREEMENT_OUTDATED", 409, "服务协议或隐私政策已更新，请阅读并同意最新版本"


class InitialPasswordUsed(AppError):
    code, status, message = "INITIAL_PASSWORD_USED", 401, "初始密码只能登录一次，请通过“忘记密码”用短信验证码重设密码"


class OneTimePasswordExpired(AppError):
    code, status, message = (
        "ONE_TIME_PASSWORD_EXPIRED",
        401,
        "一次性密码已过期，请联系为您开通账号的管理员重新获取",
    )


class UserNotFound(AppError):
    code, status, message = "USER_NOT_FOUND", 404, "用户不存在"


class EmailTaken(AppError):
    code, status, message = "EMAIL_TAKEN", 409, "该邮箱已被其他账号绑定"


class EmailNotBound(AppError):
    code, status, message = "EMAIL_NOT_BOUND", 404, "当前账号未绑定安全邮箱"


class PhoneTaken(AppError):
    code, status, message = "PHONE_TAKEN", 409, "该手机号已注册，请直接登录"


class RefreshTokenInvalid(AppError):
    code, status, message = "REFRESH_TOKEN_INVALID", 401, "登录已失效，请重新登录"


class RefreshTokenReused(AppError):
    code, status, message = "REFRESH_TOKEN_REUSED", 401, "登录凭证已被使用，为安全起见已退出该登录，请重新登录"


class SessionNotFound(AppError):
    code, status, message = "SESSION_NOT_FOUND", 404, "登录设备不存在"


class WechatTicketInvalid(AppError):
    code, status, message = "WECHAT_TICKET_INVALID", 400, "微信授权已过期，请重新登录"


class WechatAlreadyBound(AppError):
    code, status, message = "WECHAT_ALREADY_BOUND", 409, "该微信已绑定其他账号"


class WechatNotBound(AppError):
    code, status, message = "WECHAT_NOT_BOUND", 404, "当前账号未绑定微信"


# ---- staff accounts (server/accounts/staff.py) -------------------------------------------------------------------
# StaffNotFound       404 STAFF_NOT_FOUND        no such staff account within the caller's scope
# StaffScopeForbidden 403 STAFF_SCOPE_FORBIDDEN  the caller may not manage that role or that scope
# StaffScopeInvalid   422 STAFF_SCOPE_INVALID    the role needs an institution, or a region, that exists
# UsernameTaken       409 USERNAME_TAKEN
# StaffSelfChange     409 STAFF_SELF_CHANGE      one's own account is not disabled or reset from here
# PhysicianNotFound   404 PHYSICIAN_NOT_FOUND    no such physician practising at the caller's institution
# AdminExists         409 ADMIN_EXISTS           create-admin ran before (use --force for another)


class StaffNotFound(AppError):
    code, status, message = "STAFF_NOT_FOUND", 404, "工作人员账号不存在"


class StaffScopeForbidden(AppError):
    code, status, message = "STAFF_SCOPE_FORBIDDEN", 403, "无权管理该角色或该辖区的工作人员账号"


class StaffScopeInvalid(AppError):
    code, status, message = "STAFF_SCOPE_INVALID", 422, "账号的所属机构或行政区划不正确"


class UsernameTaken(AppError):
    code, status, message = "USERNAME_TAKEN", 409, "该用户名已被使用"


class StaffSelfChange(AppError):
    code, status, message = "STAFF_SELF_CHANGE", 409, "不能停用或重置自己的账号"


class PhysicianNotFound(AppError):
    code, status, message = "PHYSICIAN_NOT_FOUND", 404, "医师不存在或不在本机构执业"


class AdminExists(AppError):
    code, status, message = "ADMIN_EXISTS", 409, "已存在平台管理员账号"
