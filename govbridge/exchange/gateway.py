"""The exchange gateway: one query, checked, masked, sealed and ledgered.

In order: the caller may query for its organization; an agreement covers this
consumer, dataset, purpose and fields today; the agreement's rate limit holds;
the rows are read (stored records, or the provider's own system for a live
source); every field is masked as its grant and current grade say; the daily
volume holds; the provider seals the canonical payload; the access is appended to
the ledger with the subjects it concerns and the hash of the sealed payload; the
receipt carries the entry, its inclusion proof and a signed tree head.

When the provider runs its own node (前置机, `govbridge.nodes`), reading, masking and
sealing happen there instead: the hub sends the plan over mutual TLS and checks the
node's sealed answer before recording it (`govbridge.nodes.client`).

All of it is one transaction: a call that fails anywhere leaves no ledger entry,
no usage count and no response, so nothing is ever half recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from govbridge.agreements.models import Agreement
from govbridge.agreements.policy import LOCAL_TZ, Purpose
from govbridge.agreements.usecases import active_agreement_for
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import find_dataset, published_fields
from govbridge.core.errors import DomainError, FieldProblem, InvalidInput, PermissionDenied
from govbridge.core.permissions import Permission
from govbridge.exchange import masking, transparency
from govbridge.exchange.models import ExchangeUsage
from govbridge.exchange.schemas import ExchangeResponse, PurposeIn, QueryIn, Receipt
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.ingest.models import DatasetRecord
from govbridge.ledger import checkpoints, log
from govbridge.runtime import Ctx
from govbridge.seals import jcs
from govbridge.standards.usecases import spec_of

QUERY_KIND = "exchange.query"
READER = Actor.operator("gateway")


class LimitExceeded(DomainError):
    """The agreement's rate or daily volume would be exceeded; try again later."""

    status = 429
    type_slug = "limit-exceeded"
    title = "Agreement limit exceeded"

    def __init__(self, detail: str, limit: str, retry_after: int) -> None:
        super().__init__(detail)
        self.limit = limit
        self.retry_after = retry_after

    def extensions(self) -> dict[str, object]:
        return {"limit": self.limit, "retry_after": self.retry_after}


def purpose_of(data: PurposeIn) -> Purpose:
    return Purpose(kind=data.kind, code=(data.code or "").strip() or None,
                   text=(data.text or "").strip() or None)


def mask_key(secret: bytes, consumer_code: str) -> bytes:
    """Per consumer: a consumer can link its own pseudonyms, never another's."""
    return hmac.new(secret, b"govbridge:mask:" + consumer_code.encode(), hashlib.sha256).digest()


def _count(ctx: Ctx, agreement_id: int, window: str, *, calls: int, rows: int) -> tuple[int, int]:
    dialect = ctx.db.get_bind().dialect.name
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(ExchangeUsage).values(
        agreement_id=agreement_id, window=window, calls=calls, rows=rows)
    stmt = upsert.on_conflict_do_update(
        index_elements=["agreement_id", "window"],
        set_={"calls": ExchangeUsage.calls + calls, "rows": ExchangeUsage.rows + rows},
    ).returning(ExchangeUsage.calls, ExchangeUsage.rows)
    got = ctx.db.execute(stmt).one()
    return int(got.calls), int(got.rows)


def _used_calls(ctx: Ctx, agreement_id: int, window: str) -> int:
    used = ctx.db.scalar(select(ExchangeUsage.calls).where(
        ExchangeUsage.agreement_id == agreement_id, ExchangeUsage.window == window))
    return int(used or 0)


def _check_rate(agreement: Agreement, calls: int, now: datetime) -> None:
    if calls > agreement.rate_per_minute:
        retry = _windows(now)[2]
        raise LimitExceeded(f"agreement {agreement.code} allows {agreement.rate_per_minute} "
                            "calls a minute", "rate_per_minute", retry)


def _windows(now: datetime) -> tuple[str, str, int]:
    local = now.astimezone(LOCAL_TZ)
    return (f"m{local:%Y%m%d%H%M}", f"d{local:%Y%m%d}", 60 - local.second)


def _read_stored(ctx: Ctx, ds: Dataset, query: QueryIn) -> list[dict[str, Any]]:
    newest = select(func.max(DatasetRecord.id)).where(DatasetRecord.dataset_id == ds.id)
    if query.subject_ids:  # only the records ever about these subjects, not the whole dataset
        keys = select(DatasetRecord.record_key).where(
            DatasetRecord.dataset_id == ds.id, DatasetRecord.subject_id.in_(query.subject_ids))
        newest = newest.where(DatasetRecord.record_key.in_(keys))
    newest = newest.group_by(DatasetRecord.record_key)
    stmt = select(DatasetRecord.data, DatasetRecord.subject_id).where(
        DatasetRecord.id.in_(newest))
    if query.subject_ids:  # the newest version must still be about an asked-for subject
        stmt = stmt.where(DatasetRecord.subject_id.in_(query.subject_ids))
    for name, value in (query.filter or {}).items():
        stmt = stmt.where(DatasetRecord.data[name].as_string() == value)
    stmt = stmt.order_by(DatasetRecord.id).limit(query.limit)
    return [dict(row.data) for row in ctx.db.execute(stmt)]


def _read(ctx: Ctx, ds: Dataset, query: QueryIn) -> list[dict[str, Any]]:
    from govbridge.ingest.live_models import LiveSource

    live = ctx.db.scalar(select(LiveSource.id).where(LiveSource.dataset_id == ds.id))
    if live is None:
        return _read_stored(ctx, ds, query)
    if not query.subject_ids:
        raise InvalidInput.one("filter", "this dataset is read live from its provider's own "
                               "system, by subject IDs only", None, "live_source")
    from govbridge.ingest.live import read_live

    return read_live(ctx, READER, ds.resource_code, query.subject_ids).rows[: query.limit]


def _check_request(query: QueryIn, fields: Sequence[Mapping[str, Any]]) -> None:
    known = {f["name"] for f in fields}
    problems = [FieldProblem(f"fields[{i}]", "not a field of this dataset", name, "unknown")
                for i, name in enumerate(query.fields or []) if name not in known]
    problems += [FieldProblem(f"filter.{name}", "not a field of this dataset", None, "unknown")
                 for name in (query.filter or {}) if name not in known]
    problems += [FieldProblem(f"subject_ids[{i}]", "empty or longer than 64 characters", None,
                              "format")
                 for i, s in enumerate(query.subject_ids or []) if not s.strip() or len(s) > 64]
    if problems:
        raise InvalidInput(problems)


def _masks(ctx: Ctx, fields: Sequence[Mapping[str, Any]], grants: Mapping[str, str],
           wanted: Sequence[str]) -> dict[str, masking.Operator | None]:
    """Operator (None: raw) per wanted field, from its grant and its grade today."""
    by_name = {f["name"]: f for f in fields}
    out: dict[str, masking.Operator | None] = {}
    for name in wanted:
        f = by_name[name]
        grade, grant = f.get("grade") or "general-1", grants.get(name)
        # The element's default mask matters only when the grant names no operator and the
        # grade forbids raw (a field that became core since the grant): look it up then.
        needs_default = grant is None or (grant == masking.RAW and grade == "core")
        default = (spec_of(ctx, f["element"], f.get("element_version")).default_mask
                   if needs_default else None)
        out[name] = masking.field_mask(grade, default, grant)
    return out


def _apply(rows: Sequence[Mapping[str, Any]], ops: Mapping[str, masking.Operator | None],
           key: bytes) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        shown: dict[str, Any] = {}
        for name, op in ops.items():
            value = row.get(name)
            shown[name] = value if op is None or value is None else masking.mask(
                op, value, hmac_key=key)
        out.append(shown)
    return out


def _subjects(ds: Dataset, rows: Sequence[Mapping[str, Any]], query: QueryIn) -> list[str]:
    return subjects_of(ds.subject_field, rows, query.subject_ids)


def _consumer(ctx: Ctx, actor: Actor) -> Organization:
    if actor.organization_id is None:
        raise PermissionDenied(Permission.EXCHANGE_QUERY.value,
                               "exchange queries are made for a department")
    require(actor, Permission.EXCHANGE_QUERY, organization_id=actor.organization_id)
    org = ctx.db.get(Organization, actor.organization_id)
    assert org is not None
    return org


@dataclass(frozen=True)
class Plan:
    """What the hub decided about a call before any row is read."""

    consumer: Organization
    dataset: Dataset
    agreement: Agreement
    query: QueryIn
    masks: dict[str, str]  # field -> "raw" or an operator text, in response order
    skeleton: dict[str, Any]  # the sealed payload without its rows
    minute: str = ""  # the rate window the call counts in


@dataclass(frozen=True)
class Produced:
    """The provider's answer: sealed payload and the subjects its rows are about."""

    sealed: str
    payload: dict[str, Any]
    subjects: list[str]


def plan(ctx: Ctx, actor: Actor, resource_code: str, data: QueryIn) -> Plan:
    """Authenticate, find the agreement, check the rate, decide the masks."""
    consumer = _consumer(ctx, actor)
    ds = find_dataset(ctx, resource_code)
    fields = published_fields(ds)
    _check_request(data, fields)
    agreement: Agreement = active_agreement_for(ctx, consumer.id, ds.resource_code,
                                                purpose_of(data.purpose), data.fields,
                                                dataset=ds)
    minute, _day, _retry = _windows(ctx.now())
    # A read here refuses early without reading rows; `record` counts the call (and checks
    # again) at the end, so the transaction writes only after the slow work is done.
    _check_rate(agreement, _used_calls(ctx, agreement.id, minute) + 1, ctx.now())
    wanted = list(data.fields or [f["name"] for f in fields if f["name"] in agreement.grants])
    ops = _masks(ctx, fields, agreement.grants or {}, wanted)
    skeleton = {
        "query_id": str(uuid.uuid4()),
        "issued_at": ctx.now().isoformat(),
        "consumer": {"code": consumer.code, "name": consumer.name},
        "provider": {"code": ds.provider.code, "name": ds.provider.name},
        "resource_code": ds.resource_code,
        "dataset": ds.name,
        "dataset_version": ds.published_version,
        "agreement": agreement.code,
        "purpose": data.purpose.model_dump(exclude_none=True),
        "fields": [{"name": n, "mask": masking.grant_text(op)} for n, op in ops.items()],
    }
    return Plan(consumer, ds, agreement, data,
                {n: masking.grant_text(op) for n, op in ops.items()}, skeleton, minute)


def mask_rows(rows: Sequence[Mapping[str, Any]], masks: Mapping[str, str],
              key: bytes) -> list[dict[str, Any]]:
    """Rows with exactly the planned fields, each raw or masked as the plan says. Pure."""
    ops = {n: None if m == masking.RAW else masking.parse_operator(m) for n, m in masks.items()}
    return _apply(rows, ops, key)


def subjects_of(subject_field: str | None, rows: Sequence[Mapping[str, Any]],
                subject_ids: Sequence[str] | None) -> list[str]:
    """Whom the answer is about: the subjects asked for, or those of the (raw) rows. Pure."""
    if subject_ids:
        return list(dict.fromkeys(s.strip() for s in subject_ids))
    return list(dict.fromkeys(str(r[subject_field]) for r in rows
                              if subject_field and r.get(subject_field)))


def produce_local(ctx: Ctx, plan: Plan) -> Produced:
    """Read, mask and seal here (embedded demo, or a dataset stored on the hub)."""
    rows = _read(ctx, plan.dataset, plan.query)
    payload = {**plan.skeleton, "rows": mask_rows(
        rows, plan.masks, mask_key(ctx.settings.secret_key, plan.consumer.code))}
    from govbridge.seals.usecases import seal_for

    return Produced(seal_for(ctx, plan.dataset.provider_id, payload), payload,
                    _subjects(plan.dataset, rows, plan.query))


def produce(ctx: Ctx, plan: Plan) -> Produced:
    """Where the provider has its own node (前置机), the node answers; otherwise the hub.

    A node that cannot be reached raises `NodeUnavailable` (503, `retry_after`) before
    anything is recorded, so the whole call rolls back, rate counter included.
    """
    from govbridge.nodes import client

    node = client.node_of(ctx, plan.dataset.provider_id)
    if node is None:
        return produce_local(ctx, plan)
    return client.produce_remote(ctx, plan, node)


def record(ctx: Ctx, actor: Actor, plan: Plan, produced: Produced) -> ExchangeResponse:
    """Check the daily volume, ledger the access, and hand back data, seal and receipt."""
    payload = produced.payload
    calls, _ = _count(ctx, plan.agreement.id, plan.minute, calls=1, rows=0)
    _check_rate(plan.agreement, calls, ctx.now())
    _minute, day, _retry = _windows(ctx.now())
    _, used = _count(ctx, plan.agreement.id, day, calls=1, rows=len(payload["rows"]))
    if used > plan.agreement.daily_volume:
        raise LimitExceeded(f"agreement {plan.agreement.code} allows "
                            f"{plan.agreement.daily_volume} rows a day", "daily_volume", 3600)
    receipt = log.append(ctx, QUERY_KIND, {
        "query_id": payload["query_id"],
        "caller": actor.label,
        "consumer": plan.consumer.code,
        "provider": plan.dataset.provider.code,
        "resource_code": plan.dataset.resource_code,
        "dataset_version": plan.dataset.published_version,
        "fields": list(plan.masks),
        "subjects": produced.subjects,
        "purpose": payload["purpose"],
        "agreement": plan.agreement.code,
        "rows": len(payload["rows"]),
        "response_sha256": hashlib.sha256(jcs.canonical(payload)).hexdigest(),
    }, subjects=produced.subjects)
    transparency.flag_access(ctx, leaf_index=receipt.leaf_index,
                             consumer_org_id=plan.consumer.id, subjects=produced.subjects,
                             rows=len(payload["rows"]), purpose=payload["purpose"])
    return ExchangeResponse(sealed=produced.sealed, data=payload,
                            receipt=receipt_of(ctx, receipt))


def query(ctx: Ctx, actor: Actor, resource_code: str, data: QueryIn) -> ExchangeResponse:
    """Answer one exchange query (see the module docstring for the order of checks)."""
    decided = plan(ctx, actor, resource_code, data)
    return record(ctx, actor, decided, produce(ctx, decided))


def receipt_of(ctx: Ctx, receipt: log.Receipt) -> Receipt:
    """A ledger receipt with its signed tree head and the ledger key's certificate."""
    from govbridge.seals.usecases import ledger_certificate_pem

    head = checkpoints.sign_tree_head(ctx, receipt.tree_size, receipt.root)
    doc = receipt.as_document()
    return Receipt(entry=receipt.entry, tree_head=head.as_dict(),
                   ledger_certificate=ledger_certificate_pem(ctx, head.key_id), **doc)
