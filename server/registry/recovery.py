"""Account recovery by personal information (通过个人信息找回), when neither phone nor e-mail works.

Name + document number + qualification certificate number identify an activated account; a code sent to the NEW
phone proves the person holds it; the account then moves to that phone (all sessions end). The person signs in
with an SMS code or resets the password with it, through the accounts routes.
"""

from __future__ import annotations

from typing import Any

from server.accounts import api as accounts_api
from server.common import audit, crypto
from server.common.masking import mask_phone
from server.common.outbox import emit
from server.db import run_atomic
from server.registry.documents import is_valid, normalise
from server.registry.errors import IdNumberInvalid, RecoveryNotMatched
from server.registry.models import AccountStatus, PhysicianAccount, Qualification

PURPOSE = accounts_api.SmsPurpose.CHANGE_PHONE


async def _match(*, name: str, id_type: str, id_number: str, qualification_cert_no: str) -> int:
    """The user id of the activated account these personal details identify."""
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
    account = await PhysicianAccount.get_or_none(qualification_id__in=list(quals), status=AccountStatus.ACTIVE)
    if account is None:
        raise RecoveryNotMatched("未找到已激活的账户，请直接注册新账户并完成医师信息校验")
    return int(account.user_id)  # type: ignore[attr-defined]


async def send_code(
    *, name: str, id_type: str, id_number: str, qualification_cert_no: str, new_phone: str, ip: str | None
) -> None:
    """Step 1: check the personal information, then send a code to the new phone."""
    user_id = await _match(name=name, id_type=id_type, id_number=id_number, qualification_cert_no=qualification_cert_no)
    owner = await accounts_api.user_id_by_phone(new_phone)
    if owner is not None and owner != user_id:
        raise accounts_api.PhoneTaken("该手机号已被其他账号使用", field="new_phone")
    await accounts_api.take_send_quota(phone=new_phone, ip=ip)
    code = accounts_api.new_code()
    await accounts_api.store_code(purpose=PURPOSE, phone=new_phone, code=code)
    await accounts_api.deliver_code(purpose=PURPOSE, phone=new_phone, code=code)


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
    user_id = await _match(name=name, id_type=id_type, id_number=id_number, qualification_cert_no=qualification_cert_no)
    await accounts_api.verify_code(purpose=PURPOSE, phone=new_phone, code=sms_code)

    async def tx() -> None:
        ended = await accounts_api.move_to_phone(user_id=user_id, phone=new_phone)
        await audit.record(
            action="registry.account.recovered",
            actor_id=user_id,
            subject_type="user",
            subject_id=str(user_id),
            ip=ip,
            details={"sessions_ended": ended},
        )
        await emit(kind="account.security", user_id=user_id, payload={"action": "phone_recovered"})

    await run_atomic(tx)
    person = await accounts_api.person(user_id)
    return {"ok": True, "phone": mask_phone(new_phone), "username": person.username if person else None}
