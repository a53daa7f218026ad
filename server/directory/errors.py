"""Errors of the directory."""

from __future__ import annotations

from server.errors import Conflict, NotFound, ValidationFailed


class InstitutionNotFound(NotFound):
    code, message = "INSTITUTION_NOT_FOUND", "医疗机构不存在"


class DepartmentNotFound(NotFound):
    code, message = "DEPARTMENT_NOT_FOUND", "科室不存在"


class RegionNotFound(NotFound):
    code, message = "REGION_NOT_FOUND", "行政区划不存在"


class DepartmentNameTaken(Conflict):
    code, message = "DEPARTMENT_NAME_TAKEN", "科室名称已存在"


class NothingToChange(ValidationFailed):
    code, message = "NOTHING_TO_CHANGE", "没有需要修改的内容"
