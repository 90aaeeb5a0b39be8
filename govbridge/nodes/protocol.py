"""What hub and node send each other for one exchange query, and the hub's check. Pure.

Hub → node (`POST /node/v1/produce`): the payload skeleton the hub decided (query ID,
consumer, provider, dataset, agreement, purpose, fields and their masks), the query
(subject IDs or filter, limit), the masks, and the consumer's pseudonym key (derived
per consumer by the hub, so a consumer's pseudonyms are the same whichever node answers).

Node → hub: `{"sealed": JWS, "subjects": [...]}`. The node may only add `rows`: the
hub accepts the answer when the sealed payload is the skeleton plus a `rows` list of at
most `limit` rows with exactly the planned fields, and — where a field that selects rows
is returned raw — every row is one that was asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govbridge.exchange.schemas import MAX_ROWS, MAX_SUBJECTS

RAW = "raw"


class ProduceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skeleton: dict[str, Any]
    resource_code: str = Field(max_length=32)
    subject_ids: list[str] | None = Field(default=None, max_length=MAX_SUBJECTS)
    filter: dict[str, str] | None = Field(default=None, max_length=5)
    limit: int = Field(ge=1, le=MAX_ROWS)
    masks: dict[str, str]
    subject_field: str | None = None
    mask_key: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex, per consumer")


class ProduceOut(BaseModel):
    sealed: str
    subjects: list[str]


def answer_problem(skeleton: Mapping[str, Any], masks: Mapping[str, str],
                   subject_ids: Sequence[str] | None, filters: Mapping[str, str] | None,
                   limit: int, subject_field: str | None, payload: Any,
                   subjects: Any) -> str | None:
    """Why the hub refuses a node's sealed payload, or None when it is acceptable."""
    if not isinstance(payload, dict):
        return "the sealed payload is not an object"
    extra = sorted(set(payload) - set(skeleton) - {"rows"})
    if extra:
        return f"the node added {', '.join(extra)} to the payload"
    for key, value in skeleton.items():
        if payload.get(key, object()) != value:
            return f"the node changed {key!r} of the hub's plan"
    rows = payload.get("rows")
    if not isinstance(rows, list):
        return "the payload has no rows list"
    if len(rows) > limit:
        return f"{len(rows)} rows, more than the limit {limit}"
    wanted = set(masks)
    for n, row in enumerate(rows):
        if not isinstance(row, dict) or set(row) != wanted:
            return f"row {n} does not have exactly the planned fields"
        if subject_ids and subject_field and masks.get(subject_field) == RAW and str(
                row.get(subject_field)) not in {s.strip() for s in subject_ids}:
            return f"row {n} is about a subject that was not asked for"
        for name, value in (filters or {}).items():
            if masks.get(name) == RAW and row.get(name) is not None and str(row[name]) != value:
                return f"row {n} does not match the filter on {name}"
    if not isinstance(subjects, list) or not all(
            isinstance(s, str) and 0 < len(s) <= 64 for s in subjects):
        return "subjects must be a list of IDs"
    if not subject_ids and len(subjects) > len(rows):
        return "more subjects than rows"
    if not subject_ids and subject_field and masks.get(subject_field) == RAW:
        shown = list(dict.fromkeys(str(r[subject_field]) for r in rows if r.get(subject_field)))
        if shown != subjects:
            return "the subjects do not match the rows"
    return None
