"""Face comparison: dlib's embedding in a process pool, the approved ID photo as reference, and what a distance means.

The comparison is assistive: a distance above the threshold never refuses an exam by itself. The physician is
told how to retake the capture; an attempt started on a mismatch is flagged for the office with the distance and
both images. CPU-bound dlib work runs in worker processes (``FACE_MATCH_WORKERS``), each loading the models once,
so neither the event loop nor the GIL of the server process carries it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from server.config import get_settings
from server.integrations import storage
from server.proctoring import face_model
from server.proctoring.face_model import Embedding
from server.proctoring.models import FaceReference, MatchStatus

log = logging.getLogger(__name__)

RETAKE_GUIDANCE: Final = (
    "请在光线均匀、明亮的地方重新拍摄，避免背光或强光直射面部",
    "请摘下帽子、口罩和墨镜；眼镜反光时请摘下眼镜",
    "请正对镜头，头部不要偏斜，让整张脸位于取景框中央",
    "若近期外貌变化较大（发型、胡须、体重），可在“注册信息”中更新证件照，或申请由考核机构人工核验身份",
)
NO_REFERENCE_GUIDANCE: Final = (
    "您还没有审核通过的证件照，本次无法与证件照比对，但不影响参加测评",
    "请在“注册信息 → 证件照”上传符合要求的证件照（354×472 像素、浅色背景、不超过 80 KB），经所在机构审核通过后即可比对",
)
REFERENCE_UNUSABLE_GUIDANCE: Final = (
    "您的证件照中无法识别出一张清晰的人脸，本次无法比对，但不影响参加测评",
    "请在“注册信息 → 证件照”更新证件照，经所在机构审核通过后即可比对",
)

_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # spawn, not fork: the server process runs threads and an event loop that a forked child must not inherit
        _pool = ProcessPoolExecutor(
            max_workers=get_settings().face_match_workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=face_model.load_models,
        )
    return _pool


def shutdown_pool() -> None:
    """Stop the worker processes (at server stop; the next comparison starts a new pool)."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


FaceHint = tuple[int, int, int, int]


def hint_of(measurements: dict[str, Any]) -> FaceHint | None:
    """The face box the quality check measured (its ``face``), as a hint for the embedding."""
    face = measurements.get("face")
    if not isinstance(face, dict):
        return None
    try:
        return int(face["x"]), int(face["y"]), int(face["width"]), int(face["height"])
    except (KeyError, TypeError, ValueError):
        return None


async def embed(data: bytes, hint: FaceHint | None = None) -> Embedding:
    """The embedding of the one face in an image, computed in the pool; a crashed pool is replaced once."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_executor(), face_model.embed_image, data, hint)
    except BrokenProcessPool:
        log.warning("face-match pool broke; starting a new one")
        shutdown_pool()
        return await loop.run_in_executor(_executor(), face_model.embed_image, data, hint)


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing a capture with the ID photo, with what the physician should read."""

    status: MatchStatus
    threshold: float
    distance: float | None = None
    embedding: tuple[float, ...] | None = None  # of the capture: later snapshots are compared with it
    guidance: tuple[str, ...] = field(default_factory=tuple)
    reference_key: str | None = None


async def set_reference_photo(*, user_id: int, storage_key: str, approved_at: datetime) -> None:
    """Make an approved ID photo the reference for the physician's face comparisons (the registry calls it when
    it approves a photo, inside its transaction)."""
    updated = await FaceReference.filter(user_id=user_id).update(
        storage_key=storage_key, approved_at=approved_at, embedding=None, unusable=False
    )
    if not updated:
        await FaceReference.create(user_id=user_id, storage_key=storage_key, approved_at=approved_at)


async def compare_with_reference(*, user_id: int, data: bytes, hint: FaceHint | None = None) -> Comparison:
    """Compare a capture (already checked: one face, well lit) with the physician's approved ID photo."""
    threshold = get_settings().face_match_threshold
    reference = await FaceReference.get_or_none(user_id=user_id)
    probe = await embed(data, hint)
    vector = probe.vector if probe.outcome == "ok" else None
    if reference is None:
        return Comparison(MatchStatus.NO_REFERENCE, threshold, embedding=vector, guidance=NO_REFERENCE_GUIDANCE)
    ref_vector = await _reference_embedding(reference)
    if ref_vector is None:
        if reference.unusable:
            return Comparison(
                MatchStatus.REFERENCE_UNUSABLE, threshold, embedding=vector, guidance=REFERENCE_UNUSABLE_GUIDANCE
            )
        return Comparison(MatchStatus.NO_REFERENCE, threshold, embedding=vector, guidance=NO_REFERENCE_GUIDANCE)
    if vector is None:
        # OpenCV found one face but dlib does not: treat as a mismatch the physician can retake, never a refusal
        return Comparison(
            MatchStatus.MISMATCH, threshold, guidance=RETAKE_GUIDANCE, reference_key=reference.storage_key
        )
    gap = round(face_model.distance(vector, ref_vector), 4)
    if gap <= threshold:
        return Comparison(MatchStatus.MATCH, threshold, distance=gap, embedding=vector)
    return Comparison(
        MatchStatus.MISMATCH,
        threshold,
        distance=gap,
        embedding=vector,
        guidance=RETAKE_GUIDANCE,
        reference_key=reference.storage_key,
    )


async def _reference_embedding(reference: FaceReference) -> list[float] | None:
    """The ID photo's embedding, computed once per approved photo and kept while it is the reference."""
    if reference.embedding:
        return list(reference.embedding)
    if reference.unusable:
        return None
    try:
        photo = await storage.load(reference.storage_key)
    except FileNotFoundError:
        user_id = reference.user_id  # type: ignore[attr-defined]
        log.warning("the reference photo of a physician is missing from storage", extra={"user_id": user_id})
        return None
    found = await embed(photo)
    vector = list(found.vector) if found.vector is not None else None
    # Only this photo's row, and only while it is still the reference (a newer approval wins)
    await FaceReference.filter(id=reference.id, storage_key=reference.storage_key).update(
        embedding=vector, unusable=vector is None
    )
    reference.embedding, reference.unusable = vector, vector is None
    return vector


async def snapshot_distance(
    *, capture_embedding: list[float], data: bytes, hint: FaceHint | None = None
) -> float | None:
    """The distance of a snapshot's face from the capture's (None when the model finds no single face in it)."""
    found = await embed(data, hint)
    if found.vector is None:
        return None
    return round(face_model.distance(capture_embedding, found.vector), 4)
