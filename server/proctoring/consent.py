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
from server.proctoring.models import FaceCompareConsent, FaceConsent

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


# ---------------------------------------------------------------- the separate consent to face comparison

COMPARE_CONSENT_PATH: Final = "/api/v1/proctoring/consent/comparison"
COMPARE_CONSENT_VERSION: Final = "2026-12"


def compare_terms() -> ConsentTerms:
    """The comparison consent: asked apart from the capture consent (人脸识别技术应用安全管理办法, 2025-06-01)."""
    days = get_settings().face_retention_days
    purpose = (
        "核验参加线上测评者是否为医师本人：将考前采集的人脸照片与您审核通过的证件照比对，"
        "并将测评中的抓拍照片与考前采集照片比对。"
    )
    retention = (
        "比对结果（相似度距离及结论）和由照片计算出的人脸特征值，与对应照片保存同样的期限："
        f"自所在考核周期考核结果确定之日起 {days} 天（结果日期未知时自采集之日起 {days} 天），期满与照片一同删除；"
        "证件照的特征值在该证件照作为比对基准期间保存，证件照更换时即删除；"
        "证件照本身不因比对而另存副本，仅在比对不一致时为考核机构复核保留一份副本，期限同上。"
    )
    viewers = "、".join(CONSENT_VIEWERS)
    text = (
        "《人脸比对单独同意书》\n"
        f"一、比对什么：{purpose}\n"
        "二、如何比对：在本平台服务器上离线计算人脸特征值（不传给任何第三方），计算两张照片特征值的距离；"
        "距离超过阈值时提示您重新拍摄，仍不一致时仅提交考核机构人工复核，不会因此直接禁止考试。\n"
        f"三、保存期限：{retention}\n"
        f"四、可查看人员：{viewers}；每次查看均被记录。\n"
        "五、您可以不同意。不同意时可申请由考核机构通过现场或视频方式人工核验身份，核验通过后无需人脸比对即可开始测评；"
        "未比对且未经人工核验开始的测评将提交考核机构复核。"
    )
    return ConsentTerms(COMPARE_CONSENT_VERSION, purpose, retention, days, CONSENT_VIEWERS, text)


async def get_compare_consent(*, user_id: int) -> tuple[ConsentTerms, FaceCompareConsent | None]:
    """The comparison terms and the user's decision on this version (None when not yet asked)."""
    terms = compare_terms()
    return terms, await FaceCompareConsent.get_or_none(user_id=user_id, version=terms.version)


async def decide_compare_consent(
    *, user_id: int, version: str, accepted: bool, ip: str | None = None
) -> FaceCompareConsent:
    """Record that the user accepts or declines the comparison; a later decision replaces the earlier one."""
    terms = compare_terms()
    if version != terms.version:
        raise ConsentVersionMismatch(details={"current_version": terms.version, "given_version": version})

    async def tx() -> FaceCompareConsent:
        row = await FaceCompareConsent.get_or_none(user_id=user_id, version=version)
        if row is not None and row.accepted == accepted:
            return row
        if row is None:
            row = await FaceCompareConsent.create(
                user_id=user_id, version=version, accepted=accepted, decided_at=utcnow(), ip=ip
            )
        else:
            row.accepted, row.decided_at, row.ip = accepted, utcnow(), ip
            await row.save(update_fields=["accepted", "decided_at", "ip"])
        await audit.record(
            action="proctoring.compare_consent_" + ("given" if accepted else "declined"),
            actor_id=user_id,
            subject_type="face_compare_consent",
            subject_id=str(row.id),
            ip=ip,
            details={"version": version},
        )
        return row

    return await run_atomic(tx)


async def compares(user_id: int) -> bool:
    """Whether the user consented to the comparison (current version)."""
    return await FaceCompareConsent.exists(user_id=user_id, version=COMPARE_CONSENT_VERSION, accepted=True)
