"""Real-name check: name + document number matched against the qualification and practice registers."""

from __future__ import annotations

from typing import Any

from server.common import audit, crypto
from server.db import run_atomic
from server.directory import api as directory_api
from server.redis import get_redis
from server.registry import service as registry
from server.registry.documents import ID_TYPE_LABELS, IdType, is_valid, normalise
from server.registry.errors import AlreadyActivated, IdentityTaken, IdNumberInvalid, RealNameNotFound, TooManyTries
from server.registry.models import AccountStatus, PhysicianAccount, Qualification, RegistrationStatus

MAX_CHECKS_PER_HOUR = 10

# What the legacy system tells a person it cannot find (资格补【改】指南), kept as data for the apps to show.
NOT_FOUND_GUIDANCE = [
    "请仔细核对您的身份证件、医师资格证书和医师执业证书上的姓名、证件号码与输入的是否一致；",
    "本系统按照医师资格证书或医师执业证书上的姓名和证件号码进行验证；",
    "如果输入有误，请修改后重新校验；",
    "如果输入无误，请到所在医疗机构核实您的信息，或按以下指南办理资格信息补录或修改：",
    "老人老办法资格（1999年《执业医师法》实施前经省级卫生行政部门认定）：向省级卫生健康行政部门申请修改及补录；",
    "新人新办法资格（参加国家医师资格考试取得）：向报考地考点办公室申请修改及补录；",
    "军队离休及复转退人员：持相关证明向所在地卫生健康行政部门申请补录。",
]


async def _count_check(user_id: int) -> None:
    key = f"identity:realname:{user_id}"
    redis = get_redis()
    n = int(await redis.incr(key))
    if n == 1:
        await redis.expire(key, 3600)
    if n > MAX_CHECKS_PER_HOUR:
        raise TooManyTries(details={"max_per_hour": MAX_CHECKS_PER_HOUR})


async def check_real_name(
    *, user_id: int, name: str, id_type: str, id_number: str, ip: str | None = None
) -> dict[str, Any]:
    """医师信息校验: find my qualification (and registration) by name and document; record who I claim to be."""
    kind = IdType(id_type)
    number = normalise(id_number)
    if not is_valid(kind, number):
        raise IdNumberInvalid(f"{ID_TYPE_LABELS[kind]}号码不正确，请核对后重新输入", field="id_number")
    await _count_check(user_id)
    quals = await Qualification.filter(
        id_number_index=crypto.blind_index(number), name=name.strip(), id_type=kind.value
    ).order_by("obtained_on", "id")
    if not quals:
        await audit.record(action="identity.real_name.not_found", actor_id=user_id, ip=ip)
        raise RealNameNotFound(
            details={
                "guidance": NOT_FOUND_GUIDANCE,
                "contact": "所在医疗机构或颁发医师资格证书的卫生健康行政部门",
                "check_documents": ["身份证件", "医师资格证书", "医师执业证书"],
            }
        )
    qualification = quals[-1]
    registration = await registry.active_registration([q.id for q in quals])
    mine = await PhysicianAccount.get_or_none(user_id=user_id)
    if mine is not None and mine.status == AccountStatus.ACTIVE:
        raise AlreadyActivated()
    holder = (
        await PhysicianAccount.filter(qualification_id__in=[q.id for q in quals])
        .exclude(status=AccountStatus.REVOKED)
        .exclude(user_id=user_id)
        .first()
    )
    if holder is not None:
        raise IdentityTaken()

    async def tx() -> None:
        values = {
            "qualification_id": qualification.id,
            "registration_id": registration.id if registration else None,
            "status": AccountStatus.VERIFIED,
            "activated_via": None,
            "activated_at": None,
            "activated_by_id": None,
        }
        if mine is None:
            await PhysicianAccount.create(user_id=user_id, **values)
        else:
            await PhysicianAccount.filter(id=mine.id).update(**values, updated_at=registry.now())
        await audit.record(
            action="identity.real_name.verified",
            actor_id=user_id,
            subject_type="qualification",
            subject_id=str(qualification.id),
            ip=ip,
        )

    await run_atomic(tx)
    institution = (
        await directory_api.institution(registration.main_institution_id)  # type: ignore[attr-defined]
        if registration is not None and registration.main_institution_id is not None  # type: ignore[attr-defined]
        else None
    )
    statuses = {r.status.value for q in quals for r in await q.registrations.all()}  # type: ignore[attr-defined]
    may_self = registration is None or any(q.residency_training for q in quals)
    if institution is not None and not may_self:
        message = f"恭喜，您已通过医师信息校验！请向主执业机构“{institution.name}”申领激活码激活账户。"
    else:
        message = "恭喜，您已通过医师信息校验！请输入您的医师资格证书编码自行激活账户。"
    return {
        "qualification_found": True,
        "registration_found": registration is not None,
        "registration_status": (
            RegistrationStatus.ACTIVE.value if registration else (sorted(statuses)[0] if statuses else None)
        ),
        "next_step": "self_activation" if may_self else "activation_code",
        "institution_name": institution.name if institution else None,
        "message": message,
    }
