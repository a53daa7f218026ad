"""Who may see face data (the owner, the office of the region) and the audited fetch of a face image.

Face images are seen only by their owner and the assessment office of their region; every view is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.common import audit, scope
from server.common.auth import Principal
from server.common.enums import Role
from server.db import run_atomic
from server.integrations import storage
from server.proctoring.errors import FaceImageDeleted, FaceImageNotFound
from server.proctoring.models import FaceImage

OFFICE_ONLY = (Role.OFFICE_REVIEWER,)  # face data is for the assessment office of the region, nobody else


def in_scope(principal: Principal, region_code: str | None) -> bool:
    return scope.may_see(principal, scope.Subject(region_code=region_code), roles=OFFICE_ONLY)


@dataclass(frozen=True)
class ImageFile:
    data: bytes
    content_type: str
    public_id: str


async def fetch_image(*, principal: Principal, image_id: str, ip: str | None = None) -> ImageFile:
    """A face image for its owner or the office of its region; each fetch is audited."""
    image = await FaceImage.get_or_none(public_id=image_id) if image_id else None
    if image is None:
        raise FaceImageNotFound()
    own = principal.role == Role.PHYSICIAN and image.user_id == principal.user_id  # type: ignore[attr-defined]
    if not own and not in_scope(principal, image.region_code):
        raise FaceImageNotFound()
    if image.deleted_at is not None:
        raise FaceImageDeleted(details={"deleted_at": image.deleted_at.isoformat()})
    try:
        data = await storage.load(image.storage_key)
    except FileNotFoundError:
        raise FaceImageDeleted() from None

    async def tx() -> None:
        await audit.record(
            action="proctoring.image_viewed",
            actor_id=principal.user_id,
            subject_type="face_image",
            subject_id=image.public_id,
            ip=ip,
            details={"owner_id": image.user_id, "kind": str(image.kind), "as": "owner" if own else "office"},  # type: ignore[attr-defined]
        )

    await run_atomic(tx)
    return ImageFile(data, image.content_type, image.public_id)
