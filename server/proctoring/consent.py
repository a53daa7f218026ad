"""Consent to face processing: the terms, giving and reading consent, and the check that it was given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from server.common import audit
from server.config import get_settings
from server.db import run_atomic
from server.proctoring.basics import utcnow
from server.proctoring.errors import ConsentVersionMismatch, FaceConsentRequired
from server.proctoring.models import FaceConsent

CONSENT_PATH: Final = "/api/v1/proctoring/consent"

CONSENT_VERSION: Final = "2026-01"
CONSENT_VIEWERS: Final = ("本人", "您所在地区的医师定期考核机构（考核办公室）")


@dataclass(frozen=True)
class ConsentTerms:
    """The consent text a person is asked to accept, with its version."""

    version: str
    purpose: str
    retention: str
    retention_days: int
    viewers: tuple[str, ...]
    text: str


def consent_terms() -> ConsentTerms:
    days = get_settings().face_retention_days
    purpose = "在医师定期考核线上测评开始前及测评过程中核验参加测评者为医师本人，防止替考。"
    retention = (
        f"自所在考核周期考核结果确定之日起保存 {days} 天（结果日期未知时自采集之日起 {days} 天），期满自动删除。"
    )
    viewers = "、".join(CONSENT_VIEWERS)
    text = (
        "《人脸信息处理告知同意书》\n"
        f"一、处理目的：{purpose}\n"
        "二、处理方式：测评开始前采集一张人脸照片，测评过程中按随机时间拍摄照片，由系统自动检测照片中的人脸"
        "（不进行人脸识别比对以外的用途），照片加密存储。\n"
        f"三、保存期限：{retention}\n"
        f"四、可查看人员：{viewers}；每次查看均被记录。\n"
        "五、您可以不同意，但不同意将无法参加需要人脸采集的线上测评。"
    )
    return ConsentTerms(CONSENT_VERSION, purpose, retention, days, CONSENT_VIEWERS, text)


async def get_consent(*, user_id: int) -> tuple[ConsentTerms, datetime | None]:
    """The current consent terms and when the user accepted this version (None when not yet)."""
    terms = consent_terms()
    row = await FaceConsent.get_or_none(user_id=user_id, version=terms.version)
    return terms, (row.accepted_at if row else None)


async def give_consent(*, user_id: int, version: str, ip: str | None = None) -> datetime:
    """Record the user's consent to the current version (idempotent: a repeat keeps the first time)."""
    terms = consent_terms()
    if version != terms.version:
        raise ConsentVersionMismatch(details={"current_version": terms.version, "given_version": version})

    async def tx() -> datetime:
        row = await FaceConsent.get_or_none(user_id=user_id, version=version)
        if row is not None:
            return row.accepted_at
        row = await FaceConsent.create(user_id=user_id, version=version, accepted_at=utcnow(), ip=ip)
        await audit.record(
            action="proctoring.consent_given",
            actor_id=user_id,
            subject_type="face_consent",
            subject_id=str(row.id),
            ip=ip,
            details={"version": version},
        )
        return row.accepted_at

    return await run_atomic(tx)


async def require_consent(user_id: int) -> None:
    if not await FaceConsent.exists(user_id=user_id, version=CONSENT_VERSION):
        raise FaceConsentRequired(
            details={
                "consent_version": CONSENT_VERSION,
                "how_to": f"先 GET {CONSENT_PATH} 阅读告知同意书，再 POST {CONSENT_PATH} 提交 version 表示同意",
                "consent_url": CONSENT_PATH,
            }
        )
