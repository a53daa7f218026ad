"""What each event kind says on each channel, in Chinese, within each channel's limits.

Limits: a subscribe-message ``thing`` value is at most 20 characters, ``phrase`` at most 5 Chinese characters,
``time`` / ``date`` a date (and clock) only; a push title at most 60 bytes (UTF-8, so 20 Chinese characters);
SMS go through approved templates whose variables we fill (no free text).

The channels an event kind may use, which are on by default and which a user cannot turn off, are data here
(``KINDS``). An unknown kind gets a generic inbox message and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.notifications.models import Channel

SHANGHAI = ZoneInfo("Asia/Shanghai")
THING_MAX = 20
PHRASE_MAX = 5
PUSH_TITLE_MAX_BYTES = 60
PUSH_BODY_MAX = 120


@dataclass(frozen=True)
class KindPolicy:
    """Which channels an event kind uses: ``available`` at all, ``default_on`` unless the user turns them off,
    ``mandatory`` that no preference can turn off (the inbox always)."""

    label: str
    available: tuple[Channel, ...]
    default_on: frozenset[Channel]
    mandatory: frozenset[Channel] = frozenset({Channel.INBOX})


KINDS: dict[str, KindPolicy] = {
    "review.decided": KindPolicy(
        "审核结果",
        (Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS),
        frozenset({Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS}),
    ),
    "exam.scored": KindPolicy(
        "测评成绩",
        (Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS),
        frozenset({Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS}),
    ),
    "assessment.result_ready": KindPolicy(
        "定期考核结果",
        (Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS),
        frozenset({Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS}),
    ),
    "exam.invalidated": KindPolicy(
        "测评成绩作废",
        (Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS),
        frozenset({Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS}),
        frozenset({Channel.INBOX, Channel.PUSH}),
    ),
    "assessment.result_changed": KindPolicy(
        "定期考核结果变更",
        (Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS),
        frozenset({Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS}),
        frozenset({Channel.INBOX, Channel.PUSH}),
    ),
    "assessment.appeal_decided": KindPolicy(
        "成绩申诉处理结果",
        (Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS),
        frozenset({Channel.INBOX, Channel.WECHAT, Channel.PUSH, Channel.SMS}),
    ),
    # The code reaches someone who may have neither the app nor the mini-program yet: SMS is the process.
    "registry.activation_code": KindPolicy(
        "账号激活码",
        (Channel.INBOX, Channel.SMS),
        frozenset({Channel.INBOX, Channel.SMS}),
        frozenset({Channel.INBOX, Channel.SMS}),
    ),
    # An office's or institution's 催办: no SMS (no approved template for free reminders, and SMS costs per text)
    "assessment.reminder": KindPolicy(
        "定期考核催办提醒",
        (Channel.INBOX, Channel.WECHAT, Channel.PUSH),
        frozenset({Channel.INBOX, Channel.WECHAT, Channel.PUSH}),
    ),
    # The temporary password reaches the physician's phone only: SMS is the point, and nobody may turn it off
    "account.password_reset": KindPolicy(
        "登录密码已重置",
        (Channel.INBOX, Channel.SMS),
        frozenset({Channel.INBOX, Channel.SMS}),
        frozenset({Channel.INBOX, Channel.SMS}),
    ),
    "account.security": KindPolicy(
        "账号安全提醒",
        (Channel.INBOX, Channel.PUSH),
        frozenset({Channel.INBOX, Channel.PUSH}),
    ),
    # To the assessment office, in its work inbox: a candidate could not be given a paper of their specialty.
    "exam.specialty_unavailable": KindPolicy("专业题库不足", (Channel.INBOX,), frozenset({Channel.INBOX})),
}
GENERIC = KindPolicy("系统消息", (Channel.INBOX,), frozenset({Channel.INBOX}))


def policy(kind: str) -> KindPolicy:
    return KINDS.get(kind, GENERIC)


@dataclass(frozen=True)
class SubscribeContent:
    purpose: str  # key of settings.subscribe_templates
    data: dict[str, str]
    page: str


@dataclass(frozen=True)
class SmsContent:
    purpose: str  # key of settings.sms_templates
    params: dict[str, str]
    # Only as a fallback: sent when the user can be reached neither by push nor by subscribe message
    fallback_only: bool = True


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    link: str | None = None
    subscribe: SubscribeContent | None = None
    sms: SmsContent | None = None
    push_extras: dict[str, Any] = field(default_factory=dict)

    @property
    def push_title(self) -> str:
        return truncate_bytes(self.title, PUSH_TITLE_MAX_BYTES)

    @property
    def push_body(self) -> str:
        return clip(self.body, PUSH_BODY_MAX)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def truncate_bytes(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, cut on a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    cut = raw[: limit - 3].decode("utf-8", errors="ignore")
    return cut + "…"


def _when(at: datetime | None) -> datetime:
    return (at or datetime.now(UTC)).astimezone(SHANGHAI)


EXAM_NAMES = {"humanities": "人文医学测评", "professional": "业务水平测评"}
DECISIONS = {
    "approved": ("已通过", "审核通过", "通过"),
    "rejected": ("未通过", "审核未通过", "被驳回"),
    "returned": ("需修改", "退回修改", "被退回修改"),
}
RESULTS = {"passed": "合格", "failed": "不合格"}
SECURITY_ACTIONS = {
    "password.changed": "您的登录密码已修改",
    "password.reset": "您的登录密码已通过短信验证码重置",
    "phone.changed": "您的绑定手机号已更换",
    "login.locked": "您的账号因多次登录失败已被暂时锁定",
    "login.new_device": "您的账号在新设备上登录",
    "sessions.ended": "您的账号已在其他设备上退出登录",
    # Emitted today by the assessment binding (which sets a new password) and the registry's account recovery.
    "assessment_bound": "您的账号已绑定定考账号并设置了新的登录密码",
    "phone_recovered": "您的账号已通过个人信息找回并更换了绑定手机号",
}


def render(kind: str, payload: dict[str, Any], *, at: datetime | None = None) -> Rendered:
    """The message for an event; never raises on a missing or odd payload field (the inbox must always work)."""
    renderer = _RENDERERS.get(kind)
    if renderer is not None:
        try:
            return renderer(payload, _when(at))
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
    return Rendered(title="系统消息", body="您有一条新的系统消息，请在医师服务中查看。")


# Pages of the mini-program (miniprogram/app.json) a message opens: the subscribe message's `page`, the inbox link
PAGE_ASSESSMENT = "assessment/pages/index/index"
PAGE_ASSESSMENT_RESULT = "assessment/pages/result/index"
PAGE_EXAM_RESULTS = "exam/pages/results/index"
PAGE_INFO_CHANGE = "registration/pages/info-change/index"
PAGE_APPLICATIONS = "registration/pages/applications/index"
PAGE_SESSIONS = "pages/settings/sessions"
PAGE_HOME = "pages/home/index"


def _review_page(kind: str) -> str:
    if kind.startswith("assessment_"):
        return PAGE_ASSESSMENT
    if kind in ("registry_info_change", "registry_photo"):
        return PAGE_INFO_CHANGE
    if kind.startswith("registry_"):
        return PAGE_APPLICATIONS
    return PAGE_HOME


def _review(p: dict[str, Any], at: datetime) -> Rendered:
    title = str(p.get("title") or "业务申请")
    decision = str(p.get("decision") or "")
    phrase, heading, verb = DECISIONS.get(decision, ("已处理", "审核结果", "已处理"))
    reason = str(p.get("reason") or "").strip()
    body = f"您提交的{title}{verb}。"
    if reason:
        body += f"原因：{reason}。"
    if decision == "returned":
        body += "请修改后重新提交。"
    sms = None
    if decision in ("rejected", "returned"):
        sms = SmsContent("review_result", {"business": clip(title, 20), "result": verb})
    return Rendered(
        title=f"{title}{heading}",
        body=body,
        link="/" + _review_page(str(p.get("kind") or "")),
        subscribe=SubscribeContent(
            "review_result",
            {
                "thing1": clip(title, THING_MAX),
                "phrase2": phrase,
                "time3": at.strftime("%Y-%m-%d %H:%M"),
                "thing4": clip(reason or "请进入小程序查看详情", THING_MAX),
            },
            _review_page(str(p.get("kind") or "")),
        ),
        sms=sms,
        push_extras={"kind": "review.decided", "item_id": p.get("item_id")},
    )


def _exam(p: dict[str, Any], at: datetime) -> Rendered:
    name = EXAM_NAMES.get(str(p.get("exam_kind")), "考核测评")
    score = float(p["score"])
    score_text = f"{score:g}"
    passed = bool(p.get("passed"))
    result = "合格" if passed else "不合格"
    body = f"您参加的{name}成绩为{score_text}分，结果：{result}。"
    # Only a first failed professional exam has a make-up (one per cycle); a failed humanities exam or make-up
    # decides the result, which its own notice tells.
    if not passed and p.get("exam_kind") == "professional" and not p.get("is_make_up"):
        body += "本周期可参加一次补考，请留意补考安排。"
    sms = None
    if not passed:
        sms = SmsContent("review_result", {"business": f"{name}答卷", "result": "评分，未达合格线"})
    return Rendered(
        title=f"{name}成绩已公布",
        body=body,
        link=f"/{PAGE_EXAM_RESULTS}?ref={p.get('attempt_ref') or ''}",
        subscribe=SubscribeContent(
            "assessment_result",
            {"thing1": clip(f"{name}{score_text}分", THING_MAX), "phrase2": result, "date3": at.strftime("%Y-%m-%d")},
            f"{PAGE_EXAM_RESULTS}?ref={p.get('attempt_ref') or ''}",
        ),
        sms=sms,
        push_extras={"kind": "exam.scored", "attempt_ref": p.get("attempt_ref")},
    )


def _assessment(p: dict[str, Any], at: datetime) -> Rendered:
    result_key = str(p.get("result") or "")
    result = RESULTS.get(result_key, "已出")
    body = f"您本周期的定期考核结果为：{result}。可在“定期考核”中查看并打印考核结果通知书"
    if p.get("verification_code"):
        body += f"（验证码 {p['verification_code']}）"
    body += "。"
    sms = None
    if result_key == "failed":
        sms = SmsContent("review_result", {"business": "定期考核材料", "result": "完成考核，结果为不合格"})
    return Rendered(
        title="定期考核结果已公布",
        body=body,
        link=f"/{PAGE_ASSESSMENT_RESULT}",
        subscribe=SubscribeContent(
            "assessment_result",
            {
                "thing1": "医师定期考核",
                "phrase2": result if result_key in RESULTS else "已出结果"[:PHRASE_MAX],
                "date3": at.strftime("%Y-%m-%d"),
            },
            PAGE_ASSESSMENT_RESULT,
        ),
        sms=sms,
        push_extras={"kind": "assessment.result_ready", "assessment_id": p.get("assessment_id")},
    )


def _invalidated(p: dict[str, Any], at: datetime) -> Rendered:
    name = EXAM_NAMES.get(str(p.get("exam_kind")), "考核测评")
    reason = str(p.get("reason") or "").strip()
    body = f"经考核机构核查，您参加的{name}成绩已作废，视为该场测评不合格。"
    if reason:
        body += f"原因：{reason}。"
    if p.get("exam_kind") == "professional" and not p.get("is_make_up"):
        body += "本周期可参加一次补考，请留意补考安排。"
    body += "如有异议，请联系所在地区的考核机构。"
    return Rendered(
        title=f"{name}成绩已作废",
        body=body,
        link=f"/{PAGE_EXAM_RESULTS}?ref={p.get('attempt_ref') or ''}",
        subscribe=SubscribeContent(
            "assessment_result",
            {"thing1": clip(f"{name}成绩作废", THING_MAX), "phrase2": "不合格", "date3": at.strftime("%Y-%m-%d")},
            f"{PAGE_EXAM_RESULTS}?ref={p.get('attempt_ref') or ''}",
        ),
        sms=SmsContent("review_result", {"business": f"{name}答卷", "result": "核查，成绩作废"}),
        push_extras={"kind": "exam.invalidated", "attempt_ref": p.get("attempt_ref")},
    )


def _result_changed(p: dict[str, Any], at: datetime) -> Rendered:
    result_key = str(p.get("result") or "")
    if result_key in RESULTS:
        body = f"因测评成绩作废，您本周期的定期考核结果已变更为：{RESULTS[result_key]}。原考核结果通知书作废"
        if p.get("verification_code"):
            body += f"，新通知书验证码 {p['verification_code']}"
        body += "。"
        phrase = RESULTS[result_key]
    else:
        body = (
            "因测评成绩作废，您本周期的定期考核结果已撤销，原考核结果通知书作废。请参加补考，补考后将重新确定考核结果。"
        )
        phrase = "待补考"
    return Rendered(
        title="定期考核结果已变更",
        body=body,
        link=f"/{PAGE_ASSESSMENT}",
        subscribe=SubscribeContent(
            "assessment_result",
            {"thing1": "医师定期考核结果变更", "phrase2": phrase[:PHRASE_MAX], "date3": at.strftime("%Y-%m-%d")},
            PAGE_ASSESSMENT,
        ),
        sms=SmsContent("review_result", {"business": "定期考核", "result": "结果变更"}),
        push_extras={"kind": "assessment.result_changed", "assessment_id": p.get("assessment_id")},
    )


APPEAL_DECISIONS = {
    # decision: (phrase ≤ 5 characters, what the body says, SMS result)
    "approved": ("申诉成立", "经考核机构核查，申诉成立", "核查，申诉成立"),
    "rejected": ("不成立", "经考核机构核查，申诉不成立", "核查，申诉不成立"),
    "returned": ("需补充", "考核机构已退回，请补充说明后在申诉期内重新提交", "退回，请补充"),
}


def _appeal(p: dict[str, Any], at: datetime) -> Rendered:
    phrase, said, sms_result = APPEAL_DECISIONS.get(str(p.get("decision") or ""), ("已处理", "考核机构已处理", "处理"))
    cycle = str(p.get("cycle_name") or "本周期")
    note = str(p.get("note") or "").strip()
    body = f"您对{cycle}定期考核结果的申诉：{said}。"
    if note:
        body += f"处理意见：{note}。"
    return Rendered(
        title="成绩申诉处理结果",
        body=body,
        link=f"/{PAGE_ASSESSMENT_RESULT}?appeal_id={p.get('appeal_id') or ''}",
        subscribe=SubscribeContent(
            "review_result",
            {
                "thing1": "定期考核成绩申诉",
                "phrase2": phrase[:PHRASE_MAX],
                "time3": at.strftime("%Y-%m-%d %H:%M"),
                "thing4": clip(note or "请进入小程序查看详情", THING_MAX),
            },
            PAGE_ASSESSMENT_RESULT,
        ),
        sms=SmsContent("review_result", {"business": "定期考核成绩申诉", "result": sms_result}),
        push_extras={"kind": "assessment.appeal_decided", "appeal_id": p.get("appeal_id")},
    )


def _expiry_days(expires_at: Any, at: datetime) -> int:
    try:
        until = datetime.fromisoformat(str(expires_at))
    except ValueError:
        return 7
    if until.tzinfo is None:
        until = until.replace(tzinfo=SHANGHAI)
    return max(1, -(-int((until - at).total_seconds()) // 86400))


def _activation(p: dict[str, Any], at: datetime) -> Rendered:
    institution = str(p.get("institution_name") or "您的执业机构")
    days = _expiry_days(p.get("expires_at"), at)
    # The code itself goes by SMS only: the inbox is read by whoever holds the app, not necessarily the physician.
    return Rendered(
        title="账号激活码已发送",
        body=f"{institution}已为您开通医师服务账号，激活码已通过短信发送至您的手机，{days}天内有效。",
        sms=SmsContent(
            "activation",
            {"institution": clip(institution, 30), "code": str(p["code"]), "days": str(days)},
            fallback_only=False,
        ),
    )


def _password_reset(p: dict[str, Any], at: datetime) -> Rendered:
    institution = str(p.get("institution_name") or "您的执业机构")
    # The password itself goes by SMS only, as the activation code does: the inbox is read by whoever holds the app
    return Rendered(
        title="登录密码已重置",
        body=f"{institution}于{at.strftime('%Y-%m-%d %H:%M')}为您重置了登录密码，临时密码已通过短信发送至您的手机，"
        "仅可登录一次，登录后须立即设置新密码。如非本人申请，请联系该机构。",
        sms=SmsContent(
            "password_reset_notice", {"institution": clip(institution, 30), "code": str(p["code"])}, fallback_only=False
        ),
    )


def _reminder(p: dict[str, Any], at: datetime) -> Rendered:
    action = str(p.get("action") or "办理定期考核")
    cycle = str(p.get("cycle_name") or "本周期")
    institution = str(p.get("institution_name") or "")
    sender = f"{institution}提醒您：" if institution else ""
    return Rendered(
        title="定期考核催办提醒",
        body=f"{sender}{cycle}医师定期考核，您尚需{action}，请在规定时间内办理。",
        link=f"/{PAGE_ASSESSMENT}",
        subscribe=SubscribeContent(
            "exam_reminder",
            {
                "thing1": clip(f"定期考核：{action}", THING_MAX),
                "time2": at.strftime("%Y-%m-%d %H:%M"),
                "thing3": clip("请在规定时间内办理", THING_MAX),
            },
            PAGE_ASSESSMENT,
        ),
        push_extras={"kind": "assessment.reminder", "step": p.get("step")},
    )


def _security(p: dict[str, Any], at: datetime) -> Rendered:
    action = str(p.get("action") or "")
    what = SECURITY_ACTIONS.get(action, "您的账号发生了安全相关操作")
    return Rendered(
        title="账号安全提醒",
        body=f"{what}（{at.strftime('%Y-%m-%d %H:%M')}）。如非本人操作，请立即修改密码。",
        link=f"/{PAGE_SESSIONS}",
        push_extras={"kind": "account.security", "action": action},
    )


def _specialty_unavailable(p: dict[str, Any], at: datetime) -> Rendered:
    scope = str(p.get("practice_scope") or "未填写")
    if p.get("reason") == "bank_short":
        what = f"考核专业“{p.get('specialty_name') or p.get('specialty')}”的专业知识题目不足，无法按试卷规则组卷"
    else:
        what = f"报考专业“{scope}”没有对应的考核专业"
    return Rendered(
        title="有考生无法开始业务水平测评",
        body=f"{what}，报考该专业的考生暂不能参加业务水平测评（{at.strftime('%Y-%m-%d %H:%M')}）。"
        "请在考试准备情况中查看受影响的考生，补充题库或核对报考专业。",
    )


_RENDERERS = {
    "review.decided": _review,
    "exam.scored": _exam,
    "assessment.result_ready": _assessment,
    "exam.invalidated": _invalidated,
    "assessment.result_changed": _result_changed,
    "assessment.appeal_decided": _appeal,
    "registry.activation_code": _activation,
    "account.security": _security,
    "exam.specialty_unavailable": _specialty_unavailable,
    "assessment.reminder": _reminder,
    "account.password_reset": _password_reset,
}
