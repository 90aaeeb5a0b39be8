"""我的数据被谁用了: every access to a person's or enterprise's data, with its proof;
and the auditors' flags of unusual access.

A citizen or enterprise sees only its own accesses (its subject ID comes from its
login, never from the request). Each entry carries an inclusion proof against the
current tree, the entry's exact text and the opening of the commitment it names the
citizen by (`ledger.commitments`), so the citizen can check that the access log shown is
the ledger's and that each entry really is about them — while the entry names nobody.
Fields are shown by their titles, a service-item purpose by the item's name and the case
it served.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from govbridge.agreements.models import Agreement
from govbridge.audit.record import record
from govbridge.catalog.models import Dataset, DatasetVersion
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.exchange import anomaly
from govbridge.exchange.models import AccessFlag, ExchangeUsage
from govbridge.exchange.schemas import FlagReviewIn
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.ledger import commitments, log
from govbridge.runtime import Ctx

QUERY_KIND = "exchange.query"
BASELINE_DAYS = 14


class FieldRead(BaseModel):
    """A field an access read, named for people: its title in the dataset (Chinese) and its
    data element's English name."""

    name: str
    title: str
    title_en: str | None


class AccessOut(BaseModel):
    leaf_index: int
    at: datetime
    consumer_code: str
    consumer_name: str | None
    provider_code: str
    provider_name: str | None
    resource_code: str
    dataset_name: str | None
    dataset_name_en: str | None
    fields: list[str]
    fields_read: list[FieldRead]
    purpose: dict[str, Any]
    purpose_name: str | None = Field(description="the service item's name, for an item purpose")
    case: str | None = Field(description="the case (办件) the access served, if any")
    agreement: str
    rows: int
    proof: dict[str, Any]
    entry: str = Field(description="the ledger entry exactly as hashed: the proof proves it")
    subject_commitment: str | None = Field(
        description="how the entry names this subject (ledger.commitments)")
    opening: str | None = Field(
        description="base64 opening: SHA-256 of the commitment prefix, it and the ID gives "
        "the commitment, so the subject can check the entry is about them")
    flagged: bool


# A flag is open until an auditor closes it as a false alarm or a confirmed misuse.
FLAG_OPEN = "open"
FLAG_STATUSES: tuple[str, ...] = (FLAG_OPEN, "confirmed", "dismissed")


class FlagOut(BaseModel):
    id: int
    leaf_index: int
    consumer_code: str
    consumer_name: str
    rule: str
    detail: str
    status: str
    created_at: datetime
    reviewed_by: str | None
    note: str | None

    @property
    def awaits_review(self) -> bool:
        """Still open: an auditor may review it (review_flag refuses a closed one)."""
        return self.status == FLAG_OPEN


@dataclass(frozen=True)
class _Names:
    """What people call the things entries name by code."""

    orgs: dict[str, str]
    datasets: dict[str, tuple[str, str | None]]
    fields: dict[tuple[str, int], dict[str, FieldRead]]
    items: dict[str, str]


def _names(ctx: Ctx, entries: Sequence[dict[str, Any]]) -> _Names:
    from govbridge.services.models import ServiceItem
    from govbridge.standards.models import DataElement

    orgs = {e["consumer"] for e in entries} | {e["provider"] for e in entries}
    codes = {e["resource_code"] for e in entries}
    items = {str(e["purpose"].get("code")) for e in entries
             if (e.get("purpose") or {}).get("kind") == "service_item"}
    org_names = dict(ctx.db.execute(select(Organization.code, Organization.name)
                                    .where(Organization.code.in_(orgs))).all()) if orgs else {}
    datasets: dict[str, tuple[str, str | None]] = {}
    fields: dict[tuple[str, int], dict[str, FieldRead]] = {}
    if codes:
        versions = ctx.db.execute(
            select(Dataset.resource_code, Dataset.name, Dataset.name_en, DatasetVersion.version,
                   DatasetVersion.fields)
            .join(DatasetVersion, DatasetVersion.dataset_id == Dataset.id)
            .where(Dataset.resource_code.in_(codes))).all()
        elements = {f.get("element") for v in versions for f in v.fields or []}
        english = dict(ctx.db.execute(select(DataElement.code, DataElement.name_en)
                                      .where(DataElement.code.in_(elements))
                                      .order_by(DataElement.version)).all()) if elements else {}
        for v in versions:
            datasets[v.resource_code] = (v.name, v.name_en)
            fields[(v.resource_code, int(v.version))] = {
                f["name"]: FieldRead(name=f["name"], title=f.get("title") or f["name"],
                                     title_en=english.get(f.get("element")))
                for f in v.fields or []}
    item_names = dict(ctx.db.execute(select(ServiceItem.code, ServiceItem.name)
                                     .where(ServiceItem.code.in_(items))).all()) if items else {}
    return _Names(org_names, datasets, fields, item_names)


def _accesses(ctx: Ctx, subject_id: str, limit: int, before: int | None) -> list[AccessOut]:
    keys = commitments.all_keys(ctx)
    rows = log.entries_of_subject(ctx, subject_id, kinds=[QUERY_KIND], limit=limit,
                                  before=before, keys=keys)
    parsed = [json.loads(r.entry) for r in rows]
    names = _names(ctx, parsed)
    flagged = set(ctx.db.scalars(select(AccessFlag.leaf_index).where(
        AccessFlag.leaf_index.in_([r.leaf_index for r in rows])))) if rows else set()
    size = log.tree_state(ctx)[0]
    out = []
    for row, e in zip(rows, parsed, strict=True):
        purpose = e.get("purpose", {})
        ds_name = names.datasets.get(e["resource_code"], (None, None))
        known = names.fields.get((e["resource_code"], int(e.get("dataset_version") or 0)), {})
        mine = commitments.my_commitment(keys, e, subject_id)
        out.append(AccessOut(
            leaf_index=row.leaf_index,
            at=datetime.fromtimestamp(e["at"] / 1000, UTC),
            consumer_code=e["consumer"], consumer_name=names.orgs.get(e["consumer"]),
            provider_code=e["provider"], provider_name=names.orgs.get(e["provider"]),
            resource_code=e["resource_code"], dataset_name=ds_name[0],
            dataset_name_en=ds_name[1],
            fields=e.get("fields", []),
            fields_read=[known.get(f) or FieldRead(name=f, title=f, title_en=None)
                         for f in e.get("fields", [])],
            purpose=purpose,
            purpose_name=(names.items.get(str(purpose.get("code")))
                          if purpose.get("kind") == "service_item" else None),
            case=purpose.get("case"),
            agreement=e.get("agreement", ""), rows=int(e.get("rows", 0)),
            proof=log.inclusion(ctx, row.leaf_index, size).as_document(),
            entry=row.entry, subject_commitment=mine[0] if mine else None,
            opening=mine[1] if mine else None,
            flagged=row.leaf_index in flagged,
        ))
    return out


def my_accesses(ctx: Ctx, actor: Actor, *, limit: int = 100,
                before: int | None = None) -> list[AccessOut]:
    """The caller's own access log (a citizen or enterprise logged in as itself)."""
    require(actor, Permission.SELF_SERVICE)
    if not actor.subject_id:
        raise PermissionDenied(Permission.SELF_SERVICE.value,
                               "only a citizen or enterprise account has an access log")
    return _accesses(ctx, actor.subject_id, limit, before)


def subject_accesses(ctx: Ctx, actor: Actor, subject_id: str, *,
                     limit: int = 100) -> list[AccessOut]:
    """Any subject's access log, for auditors reviewing a complaint."""
    require(actor, Permission.LEDGER_AUDIT)
    if not subject_id.strip() or len(subject_id) > 64:
        raise InvalidInput.one("subject_id", "give the person's ID or the credit code", None,
                               "format")
    record(ctx, actor, "ledger.subject_lookup", "subject", subject_id[:6] + "…")
    return _accesses(ctx, subject_id.strip(), limit, None)


# --- flags -----------------------------------------------------------------------------------


def _daily_rows(ctx: Ctx, consumer_org_id: int, days: list[str]) -> dict[str, int]:
    stmt = (select(ExchangeUsage.window, func.sum(ExchangeUsage.rows))
            .join(Agreement, Agreement.id == ExchangeUsage.agreement_id)
            .where(Agreement.consumer_org_id == consumer_org_id,
                   ExchangeUsage.window.in_([f"d{d}" for d in days]))
            .group_by(ExchangeUsage.window))
    return {w[1:]: int(n or 0) for w, n in ctx.db.execute(stmt)}


def thresholds(ctx: Ctx) -> anomaly.Thresholds:
    s = ctx.settings
    return anomaly.Thresholds(volume_factor=s.flag_volume_factor,
                              volume_floor=s.flag_volume_floor,
                              bulk_subjects=s.flag_bulk_subjects)


def flag_access(ctx: Ctx, *, leaf_index: int, consumer_org_id: int, subjects: list[str],
                rows: int,
                today_rows: int | None = None, earlier_rows: int | None = None,
                volume_flagged: bool | None = None) -> list[str]:
    """Apply the rules to one recorded access; keep a flag per rule that fires (internal).

    The volume rule fires at most once per consumer and day. A caller that read them
    already may pass the consumer's rows today (this call's included), its rows over the
    earlier days of the baseline, and whether the volume rule fired today; each left None
    is read here.
    """
    limits = thresholds(ctx)
    now = ctx.now()
    local = now.astimezone(anomaly.LOCAL_TZ)
    day = f"{local:%Y%m%d}"
    found: list[anomaly.Flag] = []
    bulk = anomaly.off_hours_flag(now, len(subjects), rows, limits)
    if bulk is not None:
        found.append(bulk)
    if not volume_flagged:
        volume = _volume(ctx, consumer_org_id, local, today_rows, earlier_rows, limits)
        # Checked here, in the writing transaction, only when the rule fires (rarely): a
        # flag a concurrent call has just made is seen, so the rule fires once a day.
        if volume is not None and ctx.db.scalar(select(AccessFlag.id).where(
                AccessFlag.consumer_org_id == consumer_org_id, AccessFlag.rule == "volume",
                AccessFlag.day == day)) is None:
            found.append(volume)
    for flag in found:
        flag_rule(ctx, leaf_index=leaf_index, consumer_org_id=consumer_org_id, rule=flag.rule,
                  detail=flag.detail)
    return [f.rule for f in found]


def flag_rule(ctx: Ctx, *, leaf_index: int, consumer_org_id: int, rule: str,
              detail: str) -> None:
    """Keep one flag a rule raised about a recorded access, dated the local day (internal:
    the rules of `anomaly` here, and the gateway's own `subject_misses`)."""
    now = ctx.now()
    ctx.db.add(AccessFlag(leaf_index=leaf_index, consumer_org_id=consumer_org_id, rule=rule,
                          day=f"{now.astimezone(anomaly.LOCAL_TZ):%Y%m%d}", detail=detail,
                          status=FLAG_OPEN, created_at=now))


def _volume(ctx: Ctx, consumer_org_id: int, local: datetime, today_rows: int | None,
            earlier_rows: int | None, limits: anomaly.Thresholds) -> anomaly.Flag | None:
    days = [f"{local - timedelta(days=i):%Y%m%d}" for i in range(BASELINE_DAYS + 1)]
    if today_rows is None:
        counts = _daily_rows(ctx, consumer_org_id, days)
        today_rows = counts.get(days[0], 0)
        earlier = [counts.get(d, 0) for d in days[1:]]
    elif today_rows <= limits.volume_floor:
        return None  # under the floor the rule never fires, whatever the earlier days were
    else:
        earlier = _earlier_days(ctx, consumer_org_id, days, earlier_rows)
    return anomaly.volume_flag(today_rows, earlier, limits)


# The consumer's rows on each earlier day of the baseline, per database (engine), consumer
# and day: earlier days no longer change, so they are read once a day, not on every call.
# The entry is used only while their total is still the one the caller just read.
_EARLIER: weakref.WeakKeyDictionary[Any, dict[tuple[int, str], tuple[int, list[int]]]] = (
    weakref.WeakKeyDictionary())
_EARLIER_MAX = 4096


def _earlier_days(ctx: Ctx, consumer_org_id: int, days: list[str],
                  total: int | None) -> list[int]:
    engine = ctx.db.get_bind()
    known = _EARLIER.get(engine)
    if known is None:
        known = _EARLIER.setdefault(engine, {})
    entry = known.get((consumer_org_id, days[0]))
    if entry is not None and total is not None and entry[0] == total:
        return entry[1]
    counts = _daily_rows(ctx, consumer_org_id, days[1:])
    earlier = [counts.get(d, 0) for d in days[1:]]
    if len(known) >= _EARLIER_MAX:
        known.clear()
    known[(consumer_org_id, days[0])] = (sum(earlier), earlier)
    return earlier


def list_flags(ctx: Ctx, actor: Actor, *, status: str = FLAG_OPEN,
               limit: int = 200) -> list[FlagOut]:
    require(actor, Permission.ACCESS_FLAGS_READ)
    stmt = (select(AccessFlag, Organization.code, Organization.name)
            .join(Organization, Organization.id == AccessFlag.consumer_org_id)
            .where(AccessFlag.status == status).order_by(AccessFlag.id.desc())
            .limit(min(max(limit, 1), 1000)))
    return [FlagOut(id=f.id, leaf_index=f.leaf_index, consumer_code=code, consumer_name=name,
                    rule=f.rule, detail=f.detail, status=f.status, created_at=f.created_at,
                    reviewed_by=f.reviewed_by, note=f.note)
            for f, code, name in ctx.db.execute(stmt)]


def review_flag(ctx: Ctx, actor: Actor, flag_id: int,
                verdict: Literal["dismissed", "confirmed"], note: str) -> None:
    """An auditor closes a flag: a false alarm, or a confirmed misuse to follow up."""
    require(actor, Permission.ACCESS_FLAGS_READ)
    if verdict not in ("dismissed", "confirmed"):
        raise InvalidInput.one("verdict", "dismissed or confirmed", verdict, "enum")
    if not note.strip():
        raise InvalidInput.one("note", "say what was found", None, "required")
    checked(FlagReviewIn, {"verdict": verdict, "note": note})
    flag = ctx.db.get(AccessFlag, flag_id)
    if flag is None:
        raise NotFound("flag", flag_id)
    if flag.status != FLAG_OPEN:
        raise Conflict(f"flag {flag_id} is already {flag.status}", "status", flag.status)
    flag.status, flag.note = verdict, note.strip()
    flag.reviewed_by, flag.reviewed_at = actor.label, ctx.now()
    record(ctx, actor, "access.flag_review", "access_flag", flag_id, {"verdict": verdict})
