"""Errors of the registry and identity parts.

Hierarchy::

    AppError (server.errors)
    ├── ValidationFailed 422
    │   ├── IdNumberInvalid            ID_NUMBER_INVALID          bad GB 11643 check digit / shape for the type
    │   ├── PracticeRegionInvalid      PRACTICE_REGION_INVALID    province for practitioners, county for assistants
    │   ├── PracticeScopeTooMany       PRACTICE_SCOPE_TOO_MANY    more than three scopes
    │   ├── TrainingProofRequired      TRAINING_PROOF_REQUIRED    registering > 2 years after qualifying
    │   └── ApplicationIncomplete      APPLICATION_INCOMPLETE     a field the kind needs is missing
    ├── NotFound 404
    │   ├── RealNameNotFound           REAL_NAME_NOT_FOUND        (with the legacy guidance in details)
    │   ├── PhysicianNotFound          PHYSICIAN_NOT_FOUND
    │   ├── ApplicationNotFound        APPLICATION_NOT_FOUND
    │   ├── InfoChangeNotFound         INFO_CHANGE_NOT_FOUND
    │   ├── NoRegistrationHere         NO_REGISTRATION_HERE       not our physician (404, out of scope)
    │   └── RecoveryNotMatched         RECOVERY_NOT_MATCHED
    ├── Forbidden 403
    │   └── AccountNotActivated        ACCOUNT_NOT_ACTIVATED
    ├── Conflict 409
    │   ├── RealNameNotChecked         REAL_NAME_NOT_CHECKED
    │   ├── AlreadyActivated           ALREADY_ACTIVATED
    │   ├── IdentityTaken              IDENTITY_TAKEN             another account already holds this qualification
    │   ├── ActivationCodeInvalid      ACTIVATION_CODE_INVALID    wrong, used or expired (400)
    │   ├── SelfActivationNotAllowed   SELF_ACTIVATION_NOT_ALLOWED  an active registration: ask the institution
    │   ├── ApplicationAlreadyOpen     APPLICATION_ALREADY_OPEN
    │   ├── ApplicationNotEditable     APPLICATION_NOT_EDITABLE
    │   ├── ApplicationNotAllowed      APPLICATION_NOT_ALLOWED    the registers do not allow this kind now
    │   ├── InfoChangePending          INFO_CHANGE_PENDING
    │   ├── DepartmentInUse            DEPARTMENT_IN_USE
    │   └── PhysicianNotVerified       PHYSICIAN_NOT_VERIFIED
    ├── TooManyTries                   TOO_MANY_TRIES 429
    └── CertificateMismatch            QUALIFICATION_CERT_MISMATCH 400

Department, institution and nothing-to-change errors are the directory's (``directory.api``); a file that
cannot be read is ``common.tabular.ImportFileInvalid``.
"""

from __future__ import annotations

from server.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed


class IdNumberInvalid(ValidationFailed):
    code, message = "ID_NUMBER_INVALID", "证件号码不正确，请核对后重新输入"


class PracticeRegionInvalid(ValidationFailed):
    code, message = "PRACTICE_REGION_INVALID", "执业地点不正确：执业医师应选择省级行政区划，执业助理医师应选择区县"


class PracticeScopeTooMany(ValidationFailed):
    code, message = "PRACTICE_SCOPE_TOO_MANY", "执业范围最多可选择三个"


class PracticeScopeInvalid(ValidationFailed):
    code, message = "PRACTICE_SCOPE_INVALID", "执业范围不在可选范围内（见 /api/v1/lookups/practice-scopes）"


class TrainingProofRequired(ValidationFailed):
    code, message = (
        "TRAINING_PROOF_REQUIRED",
        "取得医师资格已超过两年，须提交在省级以上卫生健康行政部门指定机构接受3至6个月培训并考核合格的证明",
    )


class ApplicationIncomplete(ValidationFailed):
    code, message = "APPLICATION_INCOMPLETE", "申请信息不完整"


class RealNameNotFound(NotFound):
    code, message = "REAL_NAME_NOT_FOUND", "未查询到医师资格信息！未查询到医师执业注册信息！"


class PhysicianNotFound(NotFound):
    code, message = "PHYSICIAN_NOT_FOUND", "未找到该医师"


class ApplicationNotFound(NotFound):
    code, message = "APPLICATION_NOT_FOUND", "业务申请不存在"


class InfoChangeNotFound(NotFound):
    code, message = "INFO_CHANGE_NOT_FOUND", "信息修改申请不存在"


class RecoveryNotMatched(NotFound):
    code, message = "RECOVERY_NOT_MATCHED", "填写的个人信息与账户不符，请核对姓名、证件号码和医师资格证书编码"


class AccountNotActivated(Forbidden):
    code, message = "ACCOUNT_NOT_ACTIVATED", "账户尚未激活，请先完成实名校验并激活账户"


class RealNameNotChecked(Conflict):
    code, message = "REAL_NAME_NOT_CHECKED", "请先完成医师信息校验（姓名和证件号码）"


class AlreadyActivated(Conflict):
    code, message = "ALREADY_ACTIVATED", "账户已激活"


class IdentityTaken(Conflict):
    code, message = "IDENTITY_TAKEN", "该医师信息已关联其他账户；如非本人操作，请联系所在医疗机构撤销错误注册的账户"


class ActivationCodeInvalid(AppError):
    code, status, message = "ACTIVATION_CODE_INVALID", 400, "激活码不正确、已使用或已过期，请向所在医疗机构重新申领"


class SelfActivationNotAllowed(Conflict):
    code, message = (
        "SELF_ACTIVATION_NOT_ALLOWED",
        "您有有效的执业注册，请向主执业机构申领激活码激活账户",
    )


class CertificateMismatch(AppError):
    code, status, message = "QUALIFICATION_CERT_MISMATCH", 400, "医师资格证书编码与您的资格信息不符"


class NoRegistrationHere(NotFound):
    code, message = "NO_REGISTRATION_HERE", "该医师的主执业机构不是本机构，或尚未完成实名校验"


class ApplicationAlreadyOpen(Conflict):
    code, message = "APPLICATION_ALREADY_OPEN", "您已有一项同类业务申请正在办理，请办结后再申请"


class ApplicationNotEditable(Conflict):
    code, message = "APPLICATION_NOT_EDITABLE", "申请已提交，当前状态不能修改或提交"


class ApplicationNotAllowed(Conflict):
    code, message = "APPLICATION_NOT_ALLOWED", "当前注册状态不能办理此项业务"


class InfoChangePending(Conflict):
    code, message = "INFO_CHANGE_PENDING", "已有一项信息修改申请正在审核，请等待审核结果"


class DepartmentInUse(Conflict):
    code, message = "DEPARTMENT_IN_USE", "仍有医师在该科室，不能删除"


class PhysicianNotVerified(Conflict):
    code, message = "PHYSICIAN_NOT_VERIFIED", "该医师尚未注册账户或未完成医师信息校验，请通知医师先完成校验"


class TooManyTries(AppError):
    code, status, message = "TOO_MANY_TRIES", 429, "尝试次数过多，请一小时后再试"
