"""Proof documents a physician uploads (simplified procedure, exemption), sealed at rest under server names."""

from __future__ import annotations

import logging

from server.assessment.context import context_of, require_assessment, step_error
from server.assessment.cycles import require_window
from server.assessment.errors import (
    ProofNotFound,
)
from server.assessment.models import (
    Assessment,
    Proof,
    WindowKind,
)
from server.assessment.office import reviewer_covers
from server.assessment.standing import RESULT_STATES
from server.common import audit
from server.common.auth import Principal
from server.common.uploads import Upload
from server.db import run_atomic
from server.integrations import storage

log = logging.getLogger(__name__)

PROOF_KINDS = ("pdf", "jpg", "png")
PROOF_MAX_BYTES = 4 * 1024 * 1024
PROOF_MAX_FILES = 5
PROOF_MAX_TOTAL = 8 * 1024 * 1024  # under the app-wide request limit (10 MB) with multipart overhead


async def upload_proofs(*, user_id: int, uploads: list[Upload], ip: str | None = None) -> list[Proof]:
    """Store proof documents for the current assessment under server-generated names."""
    ctx = await context_of(user_id)
    await require_window(cycle_id=ctx.cycle.id, region_code=ctx.account.region_code, kind=WindowKind.SELF_EVALUATION)
    assessment = await require_assessment(ctx)
    if assessment.status in RESULT_STATES:
        raise step_error(assessment, "考核结果已产生，不能再上传材料")
    stored: list[storage.StoredFile] = []
    try:
        for u in uploads:
            stored.append(await storage.save(u.data, purpose="assessment_proof", ext=u.kind))
    except BaseException:
        await _forget(stored)  # the object store failed part-way: keep no file of a refused upload
        raise

    async def tx() -> list[Proof]:
        proofs = [
            await Proof.create(
                owner_id=user_id,
                assessment_id=assessment.id,
                storage_key=s.key,
                kind=u.kind,
                filename=u.filename,
                size=s.size,
            )
            for u, s in zip(uploads, stored, strict=True)
        ]
        await audit.record(
            action="assessment.proof_uploaded",
            actor_id=user_id,
            subject_type="assessment",
            subject_id=str(assessment.id),
            ip=ip,
            details={"proof_ids": [p.id for p in proofs]},
        )
        return proofs

    try:
        return await run_atomic(tx)
    except BaseException:
        await _forget(stored)
        raise


async def _forget(stored: list[storage.StoredFile]) -> None:
    for s in stored:
        try:
            await storage.delete(s.key)
        except storage.StorageFailed:  # the store is down: the caller's own error is the one to answer
            log.warning("could not delete the stored proof %s of a refused upload", s.key)


async def load_proof(*, principal: Principal, proof_id: int, ip: str | None = None) -> tuple[Proof, bytes]:
    """A proof for its owner or a reviewer in scope; anyone else is told it does not exist."""
    proof = await Proof.get_or_none(id=proof_id).prefetch_related("assessment")
    if proof is None:
        raise ProofNotFound()
    a = proof.assessment
    if proof.owner_id != principal.user_id and not reviewer_covers(
        principal, institution_id=a.institution_id, region_code=a.region_code
    ):
        raise ProofNotFound()
    try:
        data = await storage.load(proof.storage_key)
    except FileNotFoundError:
        raise ProofNotFound() from None
    if proof.owner_id != principal.user_id:
        await audit.record(
            action="assessment.proof_read",
            actor_id=principal.user_id,
            subject_type="assessment_proof",
            subject_id=str(proof.id),
            ip=ip,
        )
    return proof, data


async def own_proofs(assessment: Assessment, user_id: int, proof_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(proof_ids))
    found = await Proof.filter(id__in=ids, owner_id=user_id, assessment_id=assessment.id).count() if ids else 0
    if found != len(ids):
        raise ProofNotFound(field="proof_ids")
    return ids
