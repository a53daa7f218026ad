"""The directory's public face: what other parts may read and change in the reference data.

Reads return frozen dataclasses (never ORM rows); writes join the caller's transaction, and the caller audits them.
"""

from __future__ import annotations

from server.directory.catalogue import (
    CATEGORY_LABELS,
    PRACTICE_SCOPES,
    SPECIALTIES,
    PracticeScope,
    Specialty,
    scopes_examined_by,
    scopes_of,
    specialty_name,
    specialty_of,
)
from server.directory.errors import (
    DepartmentNameTaken,
    DepartmentNotFound,
    InstitutionNotFound,
    NothingToChange,
    RegionNotFound,
)
from server.directory.imports import HEADER_LABELS, import_file, import_rows
from server.directory.imports import WRITERS as IMPORTABLE
from server.directory.schemas import DepartmentListOut, DepartmentOut, InstitutionOut, RegionOut
from server.directory.service import (
    DepartmentInfo,
    InstitutionInfo,
    RegionInfo,
    add_department,
    approval_authorities,
    delete_department,
    department,
    department_names,
    departments,
    institution,
    institution_by_code,
    institution_names,
    institutions,
    region,
    region_name,
    region_path,
    regions,
    require_institution,
    search_institutions,
    set_approval_authorities,
    update_department,
)

__all__ = [
    "CATEGORY_LABELS",
    "HEADER_LABELS",
    "IMPORTABLE",
    "PRACTICE_SCOPES",
    "SPECIALTIES",
    "PracticeScope",
    "Specialty",
    "scopes_examined_by",
    "scopes_of",
    "specialty_name",
    "specialty_of",
    "DepartmentInfo",
    "DepartmentListOut",
    "DepartmentOut",
    "InstitutionOut",
    "RegionOut",
    "DepartmentNameTaken",
    "DepartmentNotFound",
    "NothingToChange",
    "InstitutionInfo",
    "InstitutionNotFound",
    "RegionInfo",
    "RegionNotFound",
    "add_department",
    "approval_authorities",
    "delete_department",
    "department",
    "department_names",
    "departments",
    "import_file",
    "import_rows",
    "institution",
    "institution_by_code",
    "institution_names",
    "institutions",
    "region",
    "region_name",
    "region_path",
    "regions",
    "require_institution",
    "search_institutions",
    "set_approval_authorities",
    "update_department",
]
