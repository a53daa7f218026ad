"""Every reviewed kind, as data: its title, who owns it, and the chain of reviewer steps.

The review engine is one; what differs per kind is only this table. The part that owns a kind submits its items
(``api.submit_item``) and reacts to the engine's events (``ReviewDecided``, ``ReviewWithdrawn``) for its kinds.
A kind missing here cannot be submitted, and an item of an unknown kind is an error, never a silent gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from server.common.enums import Role
from server.workflow.errors import UnknownKind

Scope = Literal["institution", "region"]


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a chain: who reviews (role) and how their scope is matched against the item."""

    role: Role
    scope: Scope
    label: str  # what the applicant reads while it waits here, e.g. "待机构审核"


@dataclass(frozen=True, slots=True)
class KindSpec:
    name: str
    title: str
    owner: str  # the part that submits and applies it
    steps: tuple[Step, ...]
    # "owner": a returned item is corrected and resubmitted through the owner's own route (which validates it);
    # "engine": the generic POST /my/reviews/{id}/resubmit may resubmit it with a new payload
    resubmit: Literal["owner", "engine"] = "owner"
    resubmit_hint: str = ""  # where the owner's resubmission is, for the error a client reads
    # True: the engine tells the applicant of every decision (``review.decided``); False: the owner sends its own
    # message for the kind (it has more to say than "approved / rejected"), so the applicant hears once
    engine_notice: bool = True
    # What a queue row shows of an item: (label, dotted path into its payload), the key fields of its subject
    summary: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError(f"kind {self.name!r} needs at least one step")
        for step in self.steps:
            if step.scope == "institution" and step.role != Role.INSTITUTION_REVIEWER:
                raise ValueError("an institution-scoped step must be reviewed by an institution reviewer")
            if step.scope == "region" and step.role not in (Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER):
                raise ValueError("a region-scoped step must be reviewed by an office or commission reviewer")


INSTITUTION = Step(Role.INSTITUTION_REVIEWER, "institution", "待机构审核")
INSTITUTION_CONFIRM = Step(Role.INSTITUTION_REVIEWER, "institution", "待机构确认")
COMMISSION = Step(Role.COMMISSION_REVIEWER, "region", "待卫生健康行政部门审批")
OFFICE = Step(Role.OFFICE_REVIEWER, "region", "待考核机构复核")
# An appeal of a result goes to the assessment office of the physician's institution's district (county); the region
# scope lets that office, and the offices above it, see and decide it
APPEAL_OFFICE = Step(Role.OFFICE_REVIEWER, "region", "待考核机构处理")

_APPLICATION_HINT = "请在“业务申请”中修改后重新提交"

# The queue rows' key fields per kind (server/registry/applications.py review_payload, registry/changes.py
# _payload, assessment/journey.py, assessment/appeals.py, proctoring/identity.py write these payloads)
_APPLICATION_SUMMARY = (
    ("执业机构", "requested.institution_name"),
    ("执业地点", "requested.practice_region_name"),
    ("确认机构", "confirming_institution.name"),
    ("资格证书编码", "physician.qualification_cert_no"),
)
_ASSESSMENT_HINT = "请在定期考核中修改后重新提交"

_REGISTRY_APPLICATIONS = {
    "register": "注册",
    "assistant_upgrade": "助理医师升执业医师",
    "military_transfer_in": "军队变更入",
    "military_transfer_out": "变更到军队",
    "change": "变更注册",
    "cancel": "注销注册",
    "multi_site_file": "多执业机构备案",
    "multi_site_unfile": "多执业机构取消备案",
    "multi_site_withdraw": "申请取消“多地点执业”",
}
_REGISTRY_INSTITUTION_CASES = {
    "institution_filing": "注册备案（机构申请）",
    "institution_cancellation": "注销注册（机构申请）",
}

_ALL: tuple[KindSpec, ...] = (
    KindSpec(
        "registry_info_change",
        "医师信息修改",
        "registry",
        (INSTITUTION,),
        resubmit_hint="请重新提交信息修改申请",
        summary=(("修改项目", "labels"), ("执业证书编码", "physician.practice_cert_no")),
    ),
    KindSpec(
        "registry_photo",
        "医师相片更新",
        "registry",
        (INSTITUTION,),
        resubmit_hint="请重新上传相片",
        summary=(("执业证书编码", "physician.practice_cert_no"),),
    ),
    *(
        KindSpec(
            f"registry_{kind}",
            title,
            "registry",
            (INSTITUTION_CONFIRM, COMMISSION),
            resubmit_hint=_APPLICATION_HINT,
            summary=_APPLICATION_SUMMARY,
        )
        for kind, title in _REGISTRY_APPLICATIONS.items()
    ),
    *(
        KindSpec(
            f"registry_{kind}",
            title,
            "registry",
            (COMMISSION,),
            resubmit_hint="请重新发起",
            summary=_APPLICATION_SUMMARY,
        )
        for kind, title in _REGISTRY_INSTITUTION_CASES.items()
    ),
    KindSpec(
        "assessment_enrolment",
        "定期考核报名（信息确认）",
        "assessment",
        (INSTITUTION, OFFICE),
        resubmit_hint=_ASSESSMENT_HINT,
        summary=(("报考专业", "specialty"), ("执业机构", "registry.practice.institution_name")),
    ),
    KindSpec(
        "assessment_self_evaluation",
        "定期考核自评（工作成绩、职业道德）",
        "assessment",
        (INSTITUTION, OFFICE),
        resubmit_hint=_ASSESSMENT_HINT,
        summary=(("报考专业", "specialty"), ("简易程序条件", "simplified_conditions")),
    ),
    KindSpec(
        "assessment_exemption",
        "业务水平测评免考申请",
        "assessment",
        (INSTITUTION, OFFICE),
        resubmit_hint=_ASSESSMENT_HINT,
        summary=(("免考原因", "reason_label"), ("报考专业", "specialty")),
    ),
    # The non-face way into an exam: the office confirms the person in person or by video call
    KindSpec(
        "proctoring_identity",
        "人工核验身份（不使用人脸比对）",
        "proctoring",
        (Step(Role.OFFICE_REVIEWER, "region", "待考核机构核验身份"),),
        resubmit_hint="请重新提交人工核验身份申请",
        summary=(("原因", "reason_label"), ("说明", "note")),
    ),
    KindSpec(
        "assessment_appeal",
        "定期考核成绩申诉",
        "assessment",
        (APPEAL_OFFICE,),
        resubmit_hint="请在考核结果中重新提交申诉",
        engine_notice=False,
        summary=(("考核周期", "cycle_name"), ("考核结果", "result_label"), ("报考专业", "specialty")),
    ),
)

KINDS: dict[str, KindSpec] = {spec.name: spec for spec in _ALL}


def summarize(spec: KindSpec, payload: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The kind's key fields of one item, in words: (label, text); a field the payload lacks is left out."""
    out: list[tuple[str, str]] = []
    for label, dotted in spec.summary:
        value: Any = payload or {}
        for key in dotted.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        text = _words(value)
        if text:
            out.append((label, text))
    return out


def _words(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        # {code, label} reads as its label; {field: label} (an info change's labels) as its labels
        if "label" in value:
            return _words(value["label"])
        return "、".join(w for w in (_words(v) for v in value.values()) if w)
    if isinstance(value, list | tuple):
        return "、".join(w for w in (_words(v) for v in value) if w)
    return str(value)[:80]


def get_kind(name: str) -> KindSpec:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(details={"kind": name}) from None


def all_kinds() -> list[KindSpec]:
    return list(KINDS.values())
