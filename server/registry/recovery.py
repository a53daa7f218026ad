"""Account recovery by personal information (通过个人信息找回), when neither phone nor e-mail works.

Name + document number + qualification certificate number identify an activated account; a code sent to the NEW
phone proves the person holds it; the account then moves to that phone (all sessions end). The person signs in
with an SMS code or resets the password with it, through the accounts routes.
"""

from __future__ import annotations

from typing import Any

from server.accounts import sessions, sms
from server.accounts.errors import PhoneTaken
from server.accounts.models import User
from server.accounts.sms import SmsPurpose
from server.common import audit, crypto
from server.common.masking import mask_phone
from server.common.outbox import emit
from server.db import run_atomic
from server.registry.documents import is_valid, normalise
from server.registry.errors import IdNumberInvalid, RecoveryNotMatched
from server.registry.models import AccountStatus, PhysicianAccount, Qualification

PURPOSE = SmsPurpose.CHANGE_PHONE


async def _match(*, name: str, id_type: str, id_number: str, qualification_cert_no: str) -> User:
    number = normalise(id_number)
    if not is_valid(id_type, number):
        raise IdNumberInvalid(field="id_number")
    qual = await Qualification.get_or_none(
        qualification_cert_no=qualification_cert_no.strip(),
        id_number_index=crypto.blind_index(number),
        name=name.strip(),
        id_type=id_type,
    )
    if qual is None:
        raise RecoveryNotMatched()
    quals = await Qualification.filter(id_number_index=qual.id_number_index).values_list("id", flat=True)
    account = await PhysicianAccount.get_or_none(
        qualification_id__in=list(quals), status=AccountStatus.ACTIVE
    ).prefetch_related("user")
    if account is None:
        raise RecoveryNotMatched("未找到已激活的账户，请直接注册新账户并完成医师信息校验")
    return account.user


async def send_code(
    *, name: str, id_type: str, id_number: str, qualification_cert_no: str, new_phone: str, ip: str | None
) -> None:
    """Step 1: check the personal information, then send a code to the new phone."""
    user = await _match(name=name, id_type=id_type, id_number=id_number, qualification_cert_no=qualification_cert_no)
    owner = await User.get_or_none(phone=new_phone).only("id")
    if owner is not None and owner.id != user.id:
        raise PhoneTaken("该手机号已被其他账号使用", field="new_phone")
    await sms.take_send_quota(phone=new_phone, ip=ip)
    code = sms.new_code()
    await sms.store_code(purpose=PURPOSE, phone=new_phone, code=code)
    await sms.deliver_code(purpose=PURPOSE, phone=new_phone, code=code)


async def recover(
    *,
    name: str,
    id_type: str,
    id_number: str,
    qualification_cert_no: str,
    new_phone: str,
    sms_code: str,
    ip: str | None,
) -> dict[str, Any]:
    """Step 2: the code proves the new phone; the account moves to it and every session ends."""
    user = await _match(name=name, id_type=id_type, id_number=id_number, qualification_cert_no=qualification_cert_no)
    await sms.verify_code(purpose=PURPOSE, phone=new_phone, code=sms_code)

    async def tx() -> None:
        if await User.filter(phone=new_phone).exclude(id=user.id).exists():
            raise PhoneTaken("该手机号已被其他账号使用", field="new_phone")
        await User.filter(id=user.id).update(phone=new_phone)
        ended = await sessions.end_user_sessions(user_id=user.id)
        await audit.record(
            action="registry.account.recovered",
            actor_id=user.id,
            subject_type="user",
            subject_id=str(user.id),
            ip=ip,
            details={"sessions_ended": ended},
        )
        await emit(kind="account.security", user_id=user.id, payload={"action": "phone_recovered"})

    await run_atomic(tx)
    return {"ok": True, "phone": mask_phone(new_phone), "username": user.username}
