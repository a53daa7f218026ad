"""What face data the platform keeps about a physician, until when and why (the physician's own view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from server.config import get_settings
from server.proctoring.models import (
    FaceCapture,
    FaceCompareConsent,
    FaceConsent,
    FaceImage,
    FaceReference,
    IdentityCheck,
    ImageKind,
)

PURPOSES: Final[dict[str, str]] = {
    ImageKind.CAPTURE: "考前人脸采集：核验参加测评者为本人，并作为测评中抓拍照片的比对基准",
    ImageKind.SNAPSHOT: "测评中抓拍：核验全程为本人作答",
    ImageKind.REFERENCE: "与考前采集不一致时保留的证件照副本，供考核机构复核",
}


@dataclass(frozen=True)
class KeptImage:
    image: FaceImage
    purpose: str
    kept_until: datetime
    match_status: str | None = None
    match_distance: float | None = None
    has_embedding: bool = False


@dataclass(frozen=True)
class FaceData:
    capture_consent_at: datetime | None
    compare_consent: FaceCompareConsent | None
    reference: FaceReference | None
    images: list[KeptImage]
    identity_checks: list[IdentityCheck]
    retention_days: int


async def my_face_data(*, user_id: int) -> FaceData:
    """Every face image still kept (with its comparison result and whether an embedding is held), the consents,
    the reference used for comparison and the requests for the non-face way."""
    days = get_settings().face_retention_days
    consent = await FaceConsent.filter(user_id=user_id).order_by("-accepted_at").first()
    compare = await FaceCompareConsent.filter(user_id=user_id).order_by("-decided_at").first()
    images = await FaceImage.filter(user_id=user_id, deleted_at__isnull=True).order_by("-id").limit(200)
    captures = {c.image_id: c for c in await FaceCapture.filter(image_id__in=[i.id for i in images])}  # type: ignore[attr-defined]
    kept = []
    for image in images:
        capture = captures.get(image.id)
        kept.append(
            KeptImage(
                image=image,
                purpose=PURPOSES[image.kind],
                kept_until=(image.result_at or image.created_at) + timedelta(days=days),
                match_status=str(capture.match_status) if capture and capture.match_status else None,
                match_distance=capture.match_distance if capture else None,
                has_embedding=bool(capture and capture.embedding),
            )
        )
    return FaceData(
        capture_consent_at=consent.accepted_at if consent else None,
        compare_consent=compare,
        reference=await FaceReference.get_or_none(user_id=user_id),
        images=kept,
        identity_checks=await IdentityCheck.filter(user_id=user_id).order_by("-id").limit(20),
        retention_days=days,
    )
