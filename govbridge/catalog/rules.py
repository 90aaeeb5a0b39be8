"""Pure rules of a catalog entry: sharing conditions, subject and key fields, grades."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from govbridge.core.errors import FieldProblem
from govbridge.core.grading import GRADES, dataset_grade, is_grade, rank

CLASSIFICATION = re.compile(r"^[1-3]\d{8}$")
RESOURCE_CODE = re.compile(r"^[1-3]\d{8}/\d{6}$")
FIELD_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]{0,63}$")
# Grades too sensitive to be opened to the public.
NOT_OPENABLE = frozenset({"core", "important"})


@dataclass(frozen=True)
class BoundField:
    """A dataset field after binding: what the rules need to know of its element."""

    name: str
    grade: str | None
    subject_kind: str | None


def check_entry(
    *,
    share_type: str,
    share_condition: str | None,
    legal_basis: str | None,
    open_to_public: bool,
    subject_type: str,
    subject_field: str | None,
    key_field: str | None,
    classification: str,
    fields: list[BoundField],
) -> list[FieldProblem]:
    """Every problem of an entry at once, each naming its field."""
    problems: list[FieldProblem] = []
    if not CLASSIFICATION.match(classification):
        problems.append(
            FieldProblem(
                "classification",
                "must be 9 digits: class 1-3, item (2), category (3), subcategory (3)",
                classification,
                "format",
            )
        )
    if share_type == "conditional" and not (share_condition or "").strip():
        problems.append(
            FieldProblem(
                "share_condition", "conditional sharing must state its condition", None, "required"
            )
        )
    if share_type == "none" and not (legal_basis or "").strip():
        problems.append(
            FieldProblem(
                "legal_basis", "不予共享 (no sharing) must cite its legal basis", None, "required"
            )
        )
    names: dict[str, BoundField] = {}
    for i, f in enumerate(fields):
        where = f"fields[{i}]"
        if not FIELD_NAME.match(f.name):
            problems.append(
                FieldProblem(
                    f"{where}.name",
                    "use letters, digits, _ or Chinese characters, not starting with a digit",
                    f.name,
                    "format",
                )
            )
        if f.name in names:
            problems.append(
                FieldProblem(f"{where}.name", "duplicate field name", f.name, "duplicate")
            )
        names[f.name] = f
        if f.grade is None or not f.grade.strip():
            problems.append(
                FieldProblem(
                    f"{where}.grade",
                    f"field {f.name!r} has no grade; choose one of {', '.join(GRADES)}",
                    None,
                    "required",
                )
            )
        elif not is_grade(f.grade):
            problems.append(
                FieldProblem(
                    f"{where}.grade",
                    f"unknown grade; choose one of {', '.join(GRADES)}",
                    f.grade,
                    "unknown",
                )
            )
    if subject_type != "none":
        if not subject_field:
            problems.append(
                FieldProblem(
                    "subject_field",
                    f"a dataset about {subject_type}s must name the field that identifies them",
                    None,
                    "required",
                )
            )
        elif subject_field not in names:
            problems.append(
                FieldProblem("subject_field", "no such field", subject_field, "unknown")
            )
        elif names[subject_field].subject_kind != subject_type:
            problems.append(
                FieldProblem(
                    "subject_field",
                    f"the field's data element does not identify a {subject_type}",
                    subject_field,
                    "element",
                )
            )
    if key_field is not None and key_field not in names:
        problems.append(FieldProblem("key_field", "no such field", key_field, "unknown"))
    if subject_type == "none" and key_field is None:
        problems.append(
            FieldProblem(
                "key_field", "a dataset without subject needs a record key field", None, "required"
            )
        )
    graded = [f.grade for f in fields if f.grade and is_grade(f.grade)]
    if open_to_public:
        if share_type == "none":
            problems.append(
                FieldProblem(
                    "open_to_public",
                    "data that is not shared between departments cannot be opened to the public",
                    "true",
                    "conflict",
                )
            )
        too_sensitive = [f.name for f in fields if f.grade in NOT_OPENABLE]
        if too_sensitive:
            problems.append(
                FieldProblem(
                    "open_to_public",
                    f"fields graded core or important cannot be opened: {', '.join(too_sensitive)}",
                    "true",
                    "grade",
                )
            )
    if not graded and not problems:
        problems.append(FieldProblem("fields", "at least one graded field is needed", None))
    return problems


def derived_grade(grades: list[str]) -> str:
    return dataset_grade(grades)


def sensitivity_order(grades: Mapping[str, str]) -> list[str]:
    """Field names, most sensitive first (for display)."""
    return sorted(grades, key=lambda n: -rank(grades[n]))
