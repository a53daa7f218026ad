"""Proctoring API: consent, the pre-exam face capture, snapshots, the office's flags, and face images."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.accounts import api as accounts_api
from server.common import uploads
from server.common.apidoc import raises, upload_form
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, parse, query
from server.common.web import JPEG, PNG, binary_content, file_out, json_content, out
from server.config import Settings
from server.errors import ValidationFailed
from server.integrations import storage
from server.proctoring import access, captures, checks, consent, face_data, flags, identity, snapshots
from server.proctoring import errors as proctoring_errors
from server.proctoring.schemas import (
    CaptureIn,
    CaptureOut,
    CompareConsentIn,
    CompareConsentOut,
    ConsentAcceptedOut,
    ConsentIn,
    ConsentOut,
    DecisionIn,
    FaceDataOut,
    FlagDetailOut,
    FlagOut,
    FlagPageOut,
    FlagQuery,
    IdentityCheckIn,
    IdentityCheckListOut,
    IdentityCheckOut,
    ScheduleOut,
    SnapshotOut,
)

bp = Blueprint("proctoring", url_prefix="/api/v1/proctoring")

IMAGE_FIELD = "image"
FRAME_KINDS = ("jpg", "png")
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Routes with @body/@query put them outside @require (as workflow does) so the OpenAPI body and parameters are
# recorded on the registered handler; those routes state their bearer security themselves.


_KEY_RE = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


def _idempotency_key(request: Request) -> str | None:
    """The optional Idempotency-Key header: a retried upload with the same key gets the first answer."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _KEY_RE.fullmatch(key):
        raise ValidationFailed(
            "Idempotency-Key 应为 8–64 位字母、数字或 _ . : -", field=IDEMPOTENCY_HEADER, details={"header": True}
        )
    return key


def _frame(request: Request) -> bytes:
    """The one camera frame sent as multipart field ``image``, read by the one upload parser: JPEG or PNG by content
    and within the face byte limit. Decoding it and judging the face are the image check's, in the service."""
    limits = checks.face_thresholds()
    return uploads.read_file(
        request, field=IMAGE_FIELD, allowed=FRAME_KINDS, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels
    ).data


_KEY_DOC = "可选：客户端为每次上传生成的唯一键（8–64 位）；网络重试时带相同的键，返回第一次的结果而不重复保存"
# The documented limit is the default; a deployment may set FACE_MAX_BYTES (the parser reads the setting)
_FRAME_MAX_DEFAULT: int = Settings.model_fields["face_max_bytes"].default
_FRAME = f"JPEG 或 PNG 照片，总像素不超过 {checks.capture_size_text()}"
FRAME_FORM = upload_form(IMAGE_FIELD, FRAME_KINDS, _FRAME_MAX_DEFAULT, description=_FRAME)
CAPTURE_FORM = upload_form(
    IMAGE_FIELD,
    FRAME_KINDS,
    _FRAME_MAX_DEFAULT,
    description=_FRAME,
    fields={"exam_kind": {"type": "string", "enum": ["humanities", "professional"], "description": "考试类型"}},
    required=("exam_kind",),
)


@bp.get("/consent")
@openapi.tag("proctoring")
@openapi.summary("人脸信息处理告知同意书（及本人是否已同意）")
@openapi.response(200, json_content(ConsentOut))
@require(Role.PHYSICIAN)
async def get_consent(request: Request, principal: Principal) -> HTTPResponse:
    terms, accepted_at = await consent.get_consent(user_id=principal.user_id)
    return out(ConsentOut.of(terms, accepted_at))


@bp.post("/consent")
@raises(proctoring_errors.ConsentVersionMismatch)
@openapi.tag("proctoring")
@openapi.summary("同意人脸信息处理（记录版本和时间）")
@openapi.secured("bearer")
@openapi.response(201, json_content(ConsentAcceptedOut))
@body(ConsentIn)
@require(Role.PHYSICIAN)
async def give_consent(request: Request, body: ConsentIn, principal: Principal) -> HTTPResponse:
    accepted_at = await consent.give_consent(user_id=principal.user_id, version=body.version, ip=client_ip(request))
    return out(ConsentAcceptedOut(version=body.version, accepted_at=accepted_at), 201)


@bp.get("/consent/comparison")
@openapi.tag("proctoring")
@openapi.summary("人脸比对单独同意书（与证件照、考前采集比对；及本人的选择）")
@openapi.response(200, json_content(CompareConsentOut))
@require(Role.PHYSICIAN)
async def get_compare_consent(request: Request, principal: Principal) -> HTTPResponse:
    terms, row = await consent.get_compare_consent(user_id=principal.user_id)
    return out(CompareConsentOut.of(terms, row))


@bp.post("/consent/comparison")
@raises(proctoring_errors.ConsentVersionMismatch)
@openapi.tag("proctoring")
@openapi.summary("同意或不同意人脸比对（不同意时可申请人工核验身份）")
@openapi.description(
    "与《人脸信息处理告知同意书》分开询问。同意后，每次考前采集都与审核通过的证件照比对，测评中的抓拍与考前采集比对；"
    "比对不一致不会直接禁止考试，只提示重拍并在开考后提交考核机构复核。可随时改变选择，以最后一次为准。"
)
@openapi.secured("bearer")
@openapi.response(200, json_content(CompareConsentOut))
@body(CompareConsentIn)
@require(Role.PHYSICIAN)
async def decide_compare_consent(request: Request, body: CompareConsentIn, principal: Principal) -> HTTPResponse:
    await consent.decide_compare_consent(
        user_id=principal.user_id, version=body.version, accepted=body.accepted, ip=client_ip(request)
    )
    terms, row = await consent.get_compare_consent(user_id=principal.user_id)
    return out(CompareConsentOut.of(terms, row))


@bp.post("/identity-checks")
@raises(proctoring_errors.IdentityCheckPending)
@openapi.tag("proctoring")
@openapi.summary("申请由考核机构人工核验身份（不使用人脸比对的方式）")
@openapi.description(
    "不同意人脸比对、多次采集仍与证件照不一致或没有可用证件照时使用。考核机构以现场或视频方式核验后在审核中通过；"
    "通过后在 valid_until 之前开始考试时可不提交 capture_id，考试记录核验方式为 identity_confirmed。"
    "同一时间只能有一份待审核的申请（409 IDENTITY_CHECK_PENDING）；撤回用 POST /my/reviews/{item_id}/withdraw。"
)
@openapi.secured("bearer")
@openapi.response(201, json_content(IdentityCheckOut))
@body(IdentityCheckIn)
@require(Role.PHYSICIAN)
async def request_identity_check(request: Request, body: IdentityCheckIn, principal: Principal) -> HTTPResponse:
    check = await identity.request_check(
        user_id=principal.user_id, reason=body.reason, note=body.note.strip(), ip=client_ip(request)
    )
    return out(IdentityCheckOut.of(check), 201)


@bp.get("/identity-checks")
@openapi.tag("proctoring")
@openapi.summary("我的人工核验身份申请")
@openapi.response(200, json_content(IdentityCheckListOut))
@require(Role.PHYSICIAN)
async def list_identity_checks(request: Request, principal: Principal) -> HTTPResponse:
    checks = await identity.my_checks(user_id=principal.user_id)
    return out(IdentityCheckListOut(items=[IdentityCheckOut.of(c) for c in checks]))


@bp.get("/face-data")
@openapi.tag("proctoring")
@openapi.summary("平台保存的我的人脸数据：哪些照片、比对结果和特征值，保存到何时、用于什么")
@openapi.response(200, json_content(FaceDataOut))
@require(Role.PHYSICIAN)
async def get_face_data(request: Request, principal: Principal) -> HTTPResponse:
    return out(FaceDataOut.of(await face_data.my_face_data(user_id=principal.user_id)))


@bp.post("/captures")
@raises(*storage.ERRORS)
@CAPTURE_FORM
@raises(
    proctoring_errors.FaceConsentRequired,
    proctoring_errors.ImageInvalid,
    proctoring_errors.ImageTooLarge,
    proctoring_errors.FaceNotFound,
    proctoring_errors.FaceMultiple,
    proctoring_errors.FaceTooSmall,
    proctoring_errors.FaceNotCentered,
    proctoring_errors.ImageTooDark,
    proctoring_errors.ImageTooBright,
    proctoring_errors.ImageBlurry,
    uploads.UploadTooMany,
    ValidationFailed,
)
@openapi.tag("proctoring")
@openapi.summary("考前人脸采集（上传一张照片，检测通过返回 capture_id）")
@openapi.description(
    "不是 JPEG/PNG 或超过大小上限（默认 2 MB）的文件与其他上传一样返回 422 UPLOAD_TYPE_INVALID / 413 UPLOAD_TOO_LARGE；"
    "照片未通过时返回 422/413 错误，code 说明原因（FACE_NOT_FOUND、FACE_MULTIPLE、FACE_TOO_SMALL、FACE_NOT_CENTERED、"
    "IMAGE_TOO_DARK、IMAGE_TOO_BRIGHT、IMAGE_BLURRY、IMAGE_INVALID、IMAGE_TOO_LARGE），details 带测得的数值与限值；"
    "未同意告知书时返回 403 FACE_CONSENT_REQUIRED。"
)
@openapi.parameter(IDEMPOTENCY_HEADER, str, "header", description=_KEY_DOC)
@openapi.response(201, json_content(CaptureOut))
@require(Role.PHYSICIAN)
async def create_capture(request: Request, principal: Principal) -> HTTPResponse:
    form = parse(CaptureIn, {"exam_kind": request.form.get("exam_kind") if request.form else None})
    result = await captures.create_capture(
        user_id=principal.user_id,
        exam_kind=form.exam_kind,
        data=_frame(request),
        ip=client_ip(request),
        client_key=_idempotency_key(request),
    )
    return out(CaptureOut.of(result), 201)


@bp.get("/attempts/<attempt_ref:str>/schedule")
@raises(proctoring_errors.AttemptNotFound)
@openapi.tag("proctoring")
@openapi.summary("本场考试的随机拍照时间")
@openapi.response(200, json_content(ScheduleOut))
@require(Role.PHYSICIAN)
async def get_schedule(request: Request, attempt_ref: str, principal: Principal) -> HTTPResponse:
    schedule = await snapshots.get_schedule(user_id=principal.user_id, attempt_ref=attempt_ref)
    return out(ScheduleOut.of(schedule, datetime.now(UTC)))


@bp.post("/attempts/<attempt_ref:str>/snapshots")
@raises(*storage.ERRORS)
@FRAME_FORM
@raises(
    proctoring_errors.AttemptNotFound,
    proctoring_errors.AttemptClosed,
    proctoring_errors.ImageInvalid,
    proctoring_errors.ImageTooLarge,
    uploads.UploadTooMany,
)
@openapi.tag("proctoring")
@openapi.summary("考试中拍照上传（未检测到人脸或多张人脸将记录监考异常）")
@openapi.parameter(IDEMPOTENCY_HEADER, str, "header", description=_KEY_DOC)
@openapi.response(201, json_content(SnapshotOut))
@require(Role.PHYSICIAN)
async def add_snapshot(request: Request, attempt_ref: str, principal: Principal) -> HTTPResponse:
    result = await snapshots.add_snapshot(
        user_id=principal.user_id,
        attempt_ref=attempt_ref,
        data=_frame(request),
        client_key=_idempotency_key(request),
    )
    return out(SnapshotOut.of(result), 201)


@bp.get("/flags")
@openapi.tag("proctoring")
@openapi.summary("本地区的监考异常（考核机构）")
@openapi.secured("bearer")
@openapi.response(200, json_content(FlagPageOut))
@query(FlagQuery)
@require(Role.OFFICE_REVIEWER)
async def list_flags(request: Request, query: FlagQuery, principal: Principal) -> HTTPResponse:
    page = await flags.list_flags(principal=principal, status=query.status, cursor=query.cursor, limit=query.limit)
    next_cursor = page[-1].id if len(page) == query.limit else None
    people = await accounts_api.people({f.attempt.user_id for f in page})  # type: ignore[attr-defined]
    return out(FlagPageOut(items=[FlagOut.of(f, people) for f in page], next_cursor=next_cursor))


@bp.get("/flags/<flag_id:int>")
@raises(proctoring_errors.FlagNotFound)
@openapi.tag("proctoring")
@openapi.summary("监考异常详情：采集照片、各次拍照及检测数值（查看记入审计）")
@openapi.response(200, json_content(FlagDetailOut))
@require(Role.OFFICE_REVIEWER)
async def get_flag(request: Request, flag_id: int, principal: Principal) -> HTTPResponse:
    detail = await flags.get_flag(principal=principal, flag_id=flag_id, ip=client_ip(request))
    people = await accounts_api.people({detail.attempt.user_id})  # type: ignore[attr-defined]
    return out(FlagDetailOut.of_detail(detail, people))


@bp.post("/flags/<flag_id:int>/decision")
@raises(proctoring_errors.FlagAlreadyDecided, proctoring_errors.FlagNotFound)
@openapi.tag("proctoring")
@openapi.summary("处理监考异常：排除（cleared）或判定无效（invalidated）")
@openapi.secured("bearer")
@openapi.response(200, json_content(FlagOut))
@body(DecisionIn)
@require(Role.OFFICE_REVIEWER)
async def decide_flag(request: Request, flag_id: int, body: DecisionIn, principal: Principal) -> HTTPResponse:
    flag = await flags.decide_flag(
        principal=principal, flag_id=flag_id, decision=body.decision, reason=body.reason, ip=client_ip(request)
    )
    people = await accounts_api.people({flag.attempt.user_id})  # type: ignore[attr-defined]
    return out(FlagOut.of(flag, people))


@bp.get("/images/<image_id:str>")
@raises(*storage.ERRORS)
@raises(proctoring_errors.FaceImageDeleted, proctoring_errors.FaceImageNotFound)
@openapi.tag("proctoring")
@openapi.summary("查看人脸照片（本人或所在地区考核机构；每次查看记入审计）")
@openapi.response(200, binary_content(JPEG, PNG))
@require(Role.PHYSICIAN, Role.OFFICE_REVIEWER)
async def get_image(request: Request, image_id: str, principal: Principal) -> HTTPResponse:
    image = await access.fetch_image(principal=principal, image_id=image_id, ip=client_ip(request))
    ext = "png" if image.content_type == "image/png" else "jpg"
    return file_out(
        image.data,
        content_type=image.content_type,
        filename=f"face-{image.public_id[:12]}.{ext}",
        inline=True,
        cache_control="no-store, private",
    )
