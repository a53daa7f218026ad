"""Errors of the proctoring part: why a face capture or an ID photo was refused.

Hierarchy::

    AppError                         (server.errors)
    └── ImageRejected                422 IMAGE_REJECTED (base; never raised itself)
        ├── ImageInvalid             422 IMAGE_INVALID          not a JPEG/PNG by content, undecodable, too few pixels
        ├── ImageTooLarge            413 IMAGE_TOO_LARGE        too many bytes, or too many pixels (decompression bomb)
        ├── FaceNotFound             422 FACE_NOT_FOUND
        ├── FaceMultiple             422 FACE_MULTIPLE
        ├── FaceTooSmall             422 FACE_TOO_SMALL
        ├── FaceNotCentered          422 FACE_NOT_CENTERED      off centre, or cut off by an edge (details.reason)
        ├── ImageTooDark             422 IMAGE_TOO_DARK
        ├── ImageTooBright           422 IMAGE_TOO_BRIGHT
        ├── ImageBlurry              422 IMAGE_BLURRY
        ├── PhotoFormatInvalid       422 PHOTO_FORMAT_INVALID   ID photo: not jpg/jpeg/png by content
        ├── PhotoTooLarge            422 PHOTO_TOO_LARGE        ID photo: more than 80 KB
        ├── PhotoSizeInvalid         422 PHOTO_SIZE_INVALID     ID photo: not exactly 354×472 px
        └── PhotoBackgroundInvalid   422 PHOTO_BACKGROUND_INVALID  ID photo: background not light and plain

Errors of the proctoring flow (consent, captures, attempts, flags, images)::

    AppError
    ├── FaceConsentRequired          403 FACE_CONSENT_REQUIRED   no consent to the current version (how to give it)
    ├── ConsentVersionMismatch       409 CONSENT_VERSION_MISMATCH accepted a version that is not the current one
    ├── FaceCaptureRequired          409 FACE_CAPTURE_REQUIRED   no usable capture to start an attempt with
    ├── AttemptNotFound              404 ATTEMPT_NOT_FOUND       not a proctored attempt of the caller
    ├── AttemptClosed                409 ATTEMPT_CLOSED          the attempt has ended, no more snapshots
    ├── FlagNotFound                 404 FLAG_NOT_FOUND          absent or outside the office's region
    ├── FlagAlreadyDecided           409 FLAG_ALREADY_DECIDED
    ├── FaceImageNotFound            404 FACE_IMAGE_NOT_FOUND    absent, or not the caller's to see
    ├── FaceImageDeleted             410 FACE_IMAGE_DELETED      removed at the end of its retention period
    ├── IdentityCheckPending         409 IDENTITY_CHECK_PENDING  a request for the non-face way is already waiting
    └── IdentityCheckNotFound        404 IDENTITY_CHECK_NOT_FOUND absent, or not the caller's

Every image error carries in ``details`` what was measured (size, face box, brightness …) and the limit it broke, so
the client can tell the person what to change rather than only that something is wrong.
"""

from __future__ import annotations

from server.errors import AppError, NotFound


class ImageRejected(AppError):
    """Base of every refusal of an uploaded image; catch this to handle them all."""

    code, status, message = "IMAGE_REJECTED", 422, "照片不符合要求，请重新拍摄"


class ImageInvalid(ImageRejected):
    code, message = "IMAGE_INVALID", "无法识别的图片，请上传 JPG 或 PNG 格式的照片"


class ImageTooLarge(ImageRejected):
    code, status, message = "IMAGE_TOO_LARGE", 413, "图片过大，请降低分辨率后重新拍摄"


class FaceNotFound(ImageRejected):
    code, message = "FACE_NOT_FOUND", "未检测到人脸，请正对摄像头并适当靠近，保持面部完整、清晰、光线充足"


class FaceMultiple(ImageRejected):
    code, message = "FACE_MULTIPLE", "检测到多张人脸，请确保画面中只有您本人"


class FaceTooSmall(ImageRejected):
    code, message = "FACE_TOO_SMALL", "人脸过小，请靠近一些，使面部充满取景框"


class FaceNotCentered(ImageRejected):
    code, message = "FACE_NOT_CENTERED", "面部未位于画面中央，请将面部置于框内"


class ImageTooDark(ImageRejected):
    code, message = "IMAGE_TOO_DARK", "光线不足，请到明亮处或打开照明后重新拍摄"


class ImageTooBright(ImageRejected):
    code, message = "IMAGE_TOO_BRIGHT", "光线过强，请避免强光直射面部或背对窗户后重新拍摄"


class ImageBlurry(ImageRejected):
    code, message = "IMAGE_BLURRY", "画面模糊，请保持手机稳定、擦拭镜头后重新拍摄"


class PhotoFormatInvalid(ImageRejected):
    code, message = "PHOTO_FORMAT_INVALID", "证件照格式不正确，仅支持 JPG、JPEG 或 PNG 格式"


class PhotoTooLarge(ImageRejected):
    code, message = "PHOTO_TOO_LARGE", "证件照文件过大，请压缩至 80 KB 以内"


class PhotoSizeInvalid(ImageRejected):
    code, message = "PHOTO_SIZE_INVALID", "证件照尺寸不正确，须为宽 354 像素、高 472 像素"


class PhotoBackgroundInvalid(ImageRejected):
    code, message = "PHOTO_BACKGROUND_INVALID", "证件照须为浅色纯色背景（如白色或浅蓝色），请更换背景后重新上传"


class FaceConsentRequired(AppError):
    code, status, message = (
        "FACE_CONSENT_REQUIRED",
        403,
        "采集人脸照片前，请先阅读并同意《人脸信息处理告知同意书》",
    )


class ConsentVersionMismatch(AppError):
    code, status, message = "CONSENT_VERSION_MISMATCH", 409, "告知同意书已更新，请重新阅读后再同意"


class FaceCaptureRequired(AppError):
    code, status, message = (
        "FACE_CAPTURE_REQUIRED",
        409,
        "请先完成考前人脸采集（采集结果 30 分钟内有效，且只能使用一次）",
    )


class AttemptNotFound(NotFound):
    code, message = "ATTEMPT_NOT_FOUND", "未找到该场考试的监考记录"


class AttemptClosed(AppError):
    code, status, message = "ATTEMPT_CLOSED", 409, "本场考试已结束，无需再拍照"


class FlagNotFound(NotFound):
    code, message = "FLAG_NOT_FOUND", "未找到该监考异常记录"


class FlagAlreadyDecided(AppError):
    code, status, message = "FLAG_ALREADY_DECIDED", 409, "该监考异常已处理，不能重复处理"


class FaceImageNotFound(NotFound):
    code, message = "FACE_IMAGE_NOT_FOUND", "未找到该照片"


class FaceImageDeleted(AppError):
    code, status, message = "FACE_IMAGE_DELETED", 410, "该照片已超过保存期限并被删除"


class IdentityCheckPending(AppError):
    code, status, message = (
        "IDENTITY_CHECK_PENDING",
        409,
        "您已有一份人工核验身份的申请正在审核中，请等待考核机构联系您",
    )


class IdentityCheckNotFound(NotFound):
    code, message = "IDENTITY_CHECK_NOT_FOUND", "未找到该人工核验身份申请"
