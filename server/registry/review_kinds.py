"""The registry's reviewed kinds, registered with the one review engine at import.

Info changes and photos: the institution reviews. The nine business applications: the institution confirms, the
health commission of the region approves. Filing and cancellation started by an institution: the commission
approves (the institution already decided by starting it). Callbacks run inside the engine's deciding transaction.
"""

from __future__ import annotations

from server.common.enums import Role
from server.workflow.kinds import KindSpec, Step, register_kind
from server.workflow.models import ReviewItem

INFO_CHANGE_KIND = "registry_info_change"
PHOTO_KIND = "registry_photo"

APPLICATION_KINDS: dict[str, str] = {
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
INSTITUTION_KINDS: dict[str, str] = {
    "institution_filing": "注册备案（机构申请）",
    "institution_cancellation": "注销注册（机构申请）",
}


def review_kind(application_kind: str) -> str:
    return f"registry_{application_kind}"


async def _change_approved(item: ReviewItem) -> None:
    from server.registry import changes

    await changes.apply_approved(item)


async def _application_approved(item: ReviewItem) -> None:
    from server.registry import applications

    await applications.apply_approved(item)


INSTITUTION = Step(Role.INSTITUTION_REVIEWER, "institution")
COMMISSION = Step(Role.COMMISSION_REVIEWER, "region")

register_kind(
    KindSpec(name=INFO_CHANGE_KIND, title="医师信息修改", chain=[INSTITUTION], on_approved=_change_approved),
    replace=True,
)
register_kind(
    KindSpec(name=PHOTO_KIND, title="医师相片更新", chain=[INSTITUTION], on_approved=_change_approved), replace=True
)
for _kind, _title in APPLICATION_KINDS.items():
    register_kind(
        KindSpec(
            name=review_kind(_kind), title=_title, chain=[INSTITUTION, COMMISSION], on_approved=_application_approved
        ),
        replace=True,
    )
for _kind, _title in INSTITUTION_KINDS.items():
    register_kind(
        KindSpec(name=review_kind(_kind), title=_title, chain=[COMMISSION], on_approved=_application_approved),
        replace=True,
    )
