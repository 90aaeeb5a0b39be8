"""Row builders for ingest tests (importable as `ingest_helpers`)."""

from __future__ import annotations

from typing import Any

from govbridge.core.identifiers import citizen_id_check_char
from support import credit_code


def company_code(n: int) -> str:
    return credit_code(f"91320500MA{n:07d}")


def person_id(n: int) -> str:
    first17 = f"320505199001{(n % 28) + 1:02d}{n % 1000:03d}"
    return first17 + citizen_id_check_char(first17)


def licence_row(n: int, **overrides: Any) -> dict[str, Any]:
    row = {"credit_code": company_code(n), "legal_rep": f"张{n}",
           "legal_rep_id": person_id(n), "established": "2020-05-17"}
    row.update(overrides)
    return row
