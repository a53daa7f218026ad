"""The error-code table for the app's developers, generated from the code (app_api_docs/error-codes.md).

Every ``AppError`` subclass anywhere in ``server/`` is one row: its code, HTTP status, message, the part that owns
it, and what an app should do about it (derived from the status, with overrides for the codes that need a
specific reaction). ``python -m server export-openapi`` writes it next to openapi.json; ``--check`` fails when stale.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import server
from server.config import ROOT
from server.errors import AppError

TABLE_PATH = ROOT / "app_api_docs" / "error-codes.md"

# Modules that are not part of the served application (migrations, dev tools).
_SKIP = (".migrations", ".emulators", "__main__")

PART_NAMES = {
    "common": "通用",
    "accounts": "账号与登录 accounts",
    "identity": "实名校验 identity",
    "registry": "电子化注册 registry",
    "workflow": "审核 workflow",
    "assessment": "定期考核 assessment",
    "exams": "考试 exams",
    "proctoring": "人脸采集与监考 proctoring",
    "notifications": "消息通知 notifications",
    "integrations": "外部服务 integrations",
}

PART_ORDER = list(PART_NAMES)

# What the app should do, by code (exact) — these win over the prefix and status rules below.
BY_CODE = {
    "TOKEN_MISSING": "未带 access_token：进入登录页。",
    "TOKEN_INVALID": "丢弃本地令牌，回到登录页。",
    "TOKEN_EXPIRED": "用 refresh_token 调 `POST /api/v1/auth/refresh` 刷新后重试原请求一次；刷新失败则回到登录页。",
    "SESSION_ENDED": "本次登录已被结束（退出、改密、在其他设备上结束）：清除本地令牌，回到登录页。",
    "REFRESH_TOKEN_INVALID": "清除本地令牌，回到登录页。",
    "REFRESH_TOKEN_REUSED": "刷新令牌被重复使用，服务器已结束该登录：清除本地令牌，回到登录页（并发刷新须串行化）。",
    "UNAUTHORIZED": "回到登录页。",
    "INVALID_CREDENTIALS": "提示账号或密码错误；`details.captcha_required` 为 true 时，下次登录先取图形验证码。",
    "CAPTCHA_REQUIRED": "调 `GET /api/v1/auth/captcha` 取图形验证码，带 `captcha_id` 与 `captcha_answer` 重新登录。",
    "CAPTCHA_INVALID": "刷新图形验证码后让用户重新输入。",
    "ACCOUNT_LOCKED": "提示账号已临时锁定，显示 `details.unlock_at`（Unix 秒）时刻；可引导用短信验证码登录或找回密码。",
    "ACCOUNT_DISABLED": "提示账号已停用，联系所在机构；不要重试。",
    "PASSWORD_CHANGE_REQUIRED": "进入修改密码页（`POST /api/v1/me/password`），改密后再继续。",
    "INITIAL_PASSWORD_USED": "引导到“忘记密码”，用短信验证码重设密码。",
    "ONE_TIME_PASSWORD_EXPIRED": "提示联系管理员重置密码（重新获取一次性密码）。",
    "PASSWORD_WEAK": "在密码框下显示 message（`details.reason`：length / common / personal）。",
    "AGREEMENT_OUTDATED": "展示最新的服务协议与隐私政策（`details` 为当前版本），用户同意后带新版本号重试。",
    "SMS_CODE_INVALID": "提示验证码错误，让用户重新输入或重新获取。",
    "SMS_CODE_ATTEMPTS_EXCEEDED": "作废当前验证码，让用户重新获取。",
    "SMS_SEND_LIMITED": "按响应头 `Retry-After`（秒，同 `details.retry_after_s`）倒计时，期间禁用“获取验证码”按钮。",
    "PHONE_TAKEN": "提示该手机号已注册，引导去登录。",
    "WECHAT_TICKET_INVALID": "重新发起微信登录。",
    "WINDOW_CLOSED": (
        "显示 message（含窗口起止时间，北京时间；`details.window` 为窗口类型，"
        "`details.opens_at`/`closes_at` 为起止时间，未公布时无）；窗口外不要重试。"
    ),
    "USER_NOTICE_REQUIRED": "展示《用户告知书》，同意后再继续。",
    "NOTICE_VERSION_OUTDATED": "重新获取并展示最新《用户告知书》，用最新版本号同意。",
    "ASSESSMENT_NOT_BOUND": "进入绑定定考账号页。",
    "BINDING_RATE_LIMITED": "绑定失败已达 10 次：1 小时内不要再试（无 Retry-After 头），提示核对信息或联系单位。",
    "CREDENTIAL_EXPIRED": "提示联系单位或考核机构重新发放初始密码。",
    "REGISTRY_DATA_INCORRECT": "引导到电子化注册的信息修改申请；审核通过后再报名。",
    "REGISTRY_DATA_MISSING": "引导到电子化注册完成注册或信息修改。",
    "WRONG_STEP": "刷新定考首页（`GET /api/v1/assessment/home`），按当前步骤展示页面。",
    "BINDING_FAILED": "提示核对证件类型、证件号码、姓名与初始密码；`details.guidance` 为逐条显示的“资格补【改】指南”。",
    "APPEAL_PERIOD_OVER": (
        "显示 message（`details.deadline` 为截止时间，`details.period_days` 为申诉期天数）；隐藏申诉入口。"
    ),
    "APPEAL_ALREADY_OPEN": "刷新结果页，显示该结果正在处理的申诉（`appeal.items`）。",
    "APPEAL_NOTE_REQUIRED": "在审核意见（`comment`）中写明后续处理（如更正考核结果）后再通过。",
    "ALREADY_DECIDED": "该事项已被处理：刷新列表与详情。",
    "STEP_NOT_REACHED": "刷新列表；该事项尚未到本环节。",
    "NOT_WITHDRAWABLE": "刷新详情；审核已开始或已结束。",
    "FACE_CONSENT_REQUIRED": "展示《人脸信息处理告知同意书》（`GET /api/v1/proctoring/consent`），同意后再采集。",
    "CONSENT_VERSION_MISMATCH": "重新获取同意书并以最新版本号同意。",
    "FACE_CAPTURE_REQUIRED": "重新进行考前人脸采集（30 分钟内有效、只能用一次），用新的 `capture_id` 开始考试。",
    "EXAM_DEVICE_MISMATCH": "提示该考试已在另一台设备上进行，只能在开始考试的设备上继续（同一 `X-Device-Id`）。",
    "DEVICE_ID_REQUIRED": "在请求头 `X-Device-Id` 带上开始考试时使用的设备标识。",
    "ATTEMPT_CLOSED": "考试已结束：停止作答与拍照，清空本地待保存队列，进入成绩页。",
    "SECTION_LOCKED": "先完成并通过法律法规部分（`POST …/sections/law/finish`）。",
    "SECTION_CLOSED": "该部分已结束：丢弃该部分待保存的答案，刷新考试（`GET /api/v1/exams/attempts/{attempt_ref}`）。",
    "SECTION_NOT_CURRENT": "刷新考试，按 `current_section` 展示。",
    "EXAM_ALREADY_PASSED": "刷新考试列表；无需再考。",
    "EXAM_ATTEMPTS_EXHAUSTED": "刷新考试列表，显示考试次数已用完。",
    "MAKE_UP_USED": "刷新考试列表，显示补考机会已使用。",
    "CURSOR_INVALID": "丢弃游标，从第一页重新加载。",
    "PREFERENCE_MANDATORY": "恢复该开关为开启；必需通知不能关闭。",
    "FACE_IMAGE_DELETED": "照片已过保存期限被删除，不再展示。",
    "IMAGE_TOO_LARGE": "降低分辨率或压缩后重新拍摄上传。",
    "PHOTO_TOO_LARGE": "压缩证件照至 80 KB 以内后重新上传。",
    "PHOTO_SIZE_INVALID": "把证件照裁剪缩放为 354×472 像素后重新上传。",
    "PHOTO_FORMAT_INVALID": "改用 JPG 或 PNG 格式重新上传。",
    "PHOTO_BACKGROUND_INVALID": "提示更换浅色纯色背景后重新拍摄。",
    "ACCOUNT_NOT_ACTIVATED": "进入账户激活流程（实名校验 → 激活码 / 自助激活）。",
    "REAL_NAME_NOT_CHECKED": "先完成医师信息校验（姓名与证件号码）。",
    "TOO_MANY_TRIES": "一小时后再试（无 Retry-After 头），期间禁用提交按钮。",
    "SERVICE_UNAVAILABLE": (
        "任何接口都可能返回：数据库或缓存暂时不可用。按响应头 `Retry-After`（秒）等待后重试，再失败则指数退避；"
        "不要立即重复提交。考试作答保留在本地待保存队列，恢复后按原 `seq` 重发。"
    ),
    "INTERNAL": "显示 message；可稍后重试，反复出现请反馈（带请求时间）。",
}

# By code prefix (first match wins).
BY_PREFIX = (
    ("FACE_", "按 message 与 `details` 中的测量值（亮度、清晰度、人脸位置与大小）提示用户调整后重拍。"),
    ("IMAGE_", "按 message 与 `details` 中的测量值提示用户调整光线或保持稳定后重拍。"),
    ("UPLOAD_", "按 message 提示（`details` 给出允许的格式与大小上限），换文件后重新上传。"),
    ("WECHAT_", "稍后重试或重新发起微信授权。"),
)

BY_STATUS = {
    400: "按 message 提示用户修改后重试（`field` 指出出错的字段）。",
    401: "回到登录页。",
    403: "提示无权限；不要重试。",
    404: "对象不存在或不属于当前用户：刷新列表。",
    405: "客户端错误：检查请求方法。",
    409: "当前状态不允许此操作：刷新页面数据后按新状态展示。",
    410: "内容已删除，不再展示。",
    413: "文件或请求过大：压缩后重试。",
    415: "换用支持的文件格式。",
    422: "在 `field` 指出的输入项旁显示 message，修改后重试。",
    423: "提示已锁定，稍后再试。",
    429: "有 `Retry-After` 响应头（秒）时按它等待，否则按 message 所说时间等待；期间禁用相应按钮。",
    500: "显示 message，稍后重试。",
    502: "外部服务出错：稍后重试（指数退避）。",
    503: "服务暂时不可用：稍后重试（指数退避）。",
}


@dataclass(frozen=True)
class Row:
    code: str
    status: int
    message: str
    part: str
    cls: str
    advice: str


def _import_all() -> None:
    for module in pkgutil.walk_packages(server.__path__, "server."):
        if any(skip in module.name for skip in _SKIP):
            continue
        importlib.import_module(module.name)


def _walk(cls: type[AppError]) -> list[type[AppError]]:
    found: list[type[AppError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found += _walk(sub)
    return found


def error_classes() -> list[type[AppError]]:
    """Every client-visible error class defined in server/ (the base included), each once."""
    _import_all()
    seen: dict[type[AppError], None] = {AppError: None}
    for cls in _walk(AppError):
        if cls.__module__.startswith("server.") and not any(skip in cls.__module__ for skip in _SKIP):
            seen.setdefault(cls, None)
    return list(seen)


def part_of(cls: type[AppError]) -> str:
    key = cls.__module__.split(".")[1]
    return key if key in PART_NAMES else "common"


def advice_for(code: str, status: int) -> str:
    if code in BY_CODE:
        return BY_CODE[code]
    for prefix, text in BY_PREFIX:
        if code.startswith(prefix):
            return text
    if code.endswith("_LIMITED"):
        return BY_STATUS[429]
    return BY_STATUS.get(status, "按 message 提示用户。")


def rows() -> list[Row]:
    found = [
        Row(
            code=cls.code,
            status=cls.status,
            message=cls.message,
            part=part_of(cls),
            cls=f"{cls.__module__}.{cls.__qualname__}",
            advice=advice_for(cls.code, cls.status),
        )
        for cls in error_classes()
    ]
    return sorted(found, key=lambda r: (PART_ORDER.index(r.part), r.status, r.code, r.cls))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


HEADER = "| 错误码 | HTTP | 说明（message） | App 应如何处理 |"


def render() -> str:
    lines = [
        "# 错误码表",
        "",
        "> 本文件由代码生成（`python -m server export-openapi`），请勿手改；测试会在它与代码不一致时失败。",
        "",
        "所有错误都使用同一种响应格式（HTTP 状态码 ≥ 400）：",
        "",
        "```json",
        '{"error": {"code": "SMS_CODE_INVALID", "message": "验证码错误或已过期", "field": "sms_code", "details": {}}}',
        "```",
        "",
        "- `code`：稳定的大写错误码，App 按它分支处理；**不要**按 message 文字判断。",
        "- `message`：可直接展示给用户的中文说明（服务器可能给出比下表更具体的说明，如密码规则、窗口时间）。",
        "- `field`：出错的输入项（如有），用于把提示显示在对应输入框旁。",
        "- `details`：补充信息（如有），如 `retry_after_s`、`unlock_at`、人脸检测的测量值、允许的文件格式与大小。",
        "- 短信验证码发送受限（`SMS_SEND_LIMITED`，429）的响应带 `Retry-After` 响应头（秒）。",
        "- 任何接口都可能返回 503 `SERVICE_UNAVAILABLE`（数据库或缓存暂时不可用），响应带 `Retry-After` 响应头（秒）："
        "等待后重试，服务恢复后自动可用。",
        "- 表中未列出的错误码按 HTTP 状态码处理（见文末）；新版本可能增加错误码，App 必须能处理未知错误码。",
        "",
        "同一错误码可由不同模块给出（如 `ATTEMPT_CLOSED`、`FACE_CAPTURE_REQUIRED`），其 HTTP 状态码和处理方式相同，"
        "message 可能略有不同。每个接口可能返回的错误码列在 openapi.json 中该接口的 responses 里。",
        "",
    ]
    current = None
    for row in rows():
        if row.part != current:
            current = row.part
            lines += ["", f"## {PART_NAMES[row.part]}", "", HEADER, "|---|---|---|---|"]
        lines.append(f"| `{row.code}` | {row.status} | {_cell(row.message)} | {_cell(row.advice)} |")
    lines += ["", "## 按 HTTP 状态码的默认处理", "", "| HTTP | App 应如何处理 |", "|---|---|"]
    lines += [f"| {status} | {_cell(text)} |" for status, text in sorted(BY_STATUS.items())]
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def export(path: Path = TABLE_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path
