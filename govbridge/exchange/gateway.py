"""The exchange gateway: one query, checked, masked, sealed and ledgered.

In order: the caller may query for its organization; an agreement covers this
consumer, dataset, purpose and fields today; the agreement's rate limit holds;
the rows are read (stored records, or the provider's own system for a live
source); every field is masked as its grant and current grade say; the daily
volume holds; the provider seals the canonical payload; the access is appended to
the ledger with the subjects it concerns and the hash of the sealed payload; the
receipt carries the entry, its inclusion proof and a signed tree head.

The use case's flow is here: `plan` (read and decide), `produce` (rows, masks, seal),
`record` (count, ledger, flags, receipt). What a plan holds and the pure steps of
producing (masking rows, naming subjects) are in `exchange.plan`, shared with the
nodes. When the provider runs its own node (前置机, `govbridge.nodes`), reading, masking
and sealing happen there instead: the hub sends the plan over mutual TLS and checks the
node's sealed answer before recording it (`govbridge.nodes.client`). On SQLite, `record`
queues for this process's writer lock first (`storage.writer_lock`).

All of it is one transaction: a call that fails anywhere leaves no ledger entry,
no usage count and no response, so nothing is ever half recorded.

It is also the hot path, so it reads and writes little: one statement reads everything
the checks need (dataset, published fields, agreements, usage, the active seal and ledger
keys, node and live source; `plan`), one reads the rows, one counts the call in both
windows, and the ledger append is one to four more (`ledger.log`). Nothing that decides
a call is kept between calls: an agreement revoked, a seal rotated or revoked, a node
enrolled takes effect on the next call. Only what never changes for a given row is kept
per process (a key's decrypted material by kid, a ledger certificate by kid), and the
ledger's last state, which an append checks in its conditional update.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select, text
from sqlalchemy.orm import aliased

from govbridge.agreements import policy
from govbridge.agreements.lookup import today
from govbridge.agreements.models import Agreement
from govbridge.agreements.policy import LOCAL_TZ, Purpose
from govbridge.catalog.models import Dataset, DatasetVersion
from govbridge.core import masking
from govbridge.core.errors import (
    DomainError,
    FieldProblem,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from govbridge.core.permissions import Permission
from govbridge.exchange import admission, case_binding, misses, transparency
from govbridge.exchange.models import AccessFlag, ExchangeUsage
from govbridge.exchange.plan import (
    AgreementRef,
    DatasetRef,
    OrgRef,
    Plan,
    PlanFacts,
    SealedAnswer,
    mask_key,
    mask_rows,
    subjects_of,
)
from govbridge.exchange.schemas import ExchangeResponse, PurposeIn, QueryIn, Receipt
from govbridge.governance import points
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.ingest import live as live_sources
from govbridge.ingest.live_models import LiveSource
from govbridge.ingest.models import DatasetRecord
from govbridge.ledger import checkpoints, commitments, log
from govbridge.ledger.models import LedgerSubjectKey
from govbridge.nodes import client
from govbridge.nodes.models import Node
from govbridge.runtime import Ctx
from govbridge.seals import jcs
from govbridge.seals import usecases as seals
from govbridge.seals.models import SealKey
from govbridge.seals.signers import Signer
from govbridge.seals.usecases import (
    PURPOSE_LEDGER,
    PURPOSE_SEAL,
    ActiveKey,
    active_signer,
    newest_active_key_id,
)
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.usecases import spec_of
from govbridge.storage.writer_lock import hold_sqlite_writer

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


def _counted(counted: log.CompanionStatement, minute: str, day: str) -> tuple[int, int]:
    """(calls this minute, rows today), this call included, from the count's rows."""
    got = {w: (int(c), int(r)) for w, c, r in counted.rows}
    return got[minute][0], got[day][1]


# Both windows in one upsert (SQLite 3.35+ and PostgreSQL alike). Written as text because
# SQLAlchemy does not cache the compiled form of a multi-row VALUES statement, and compiling
# it cost more than running it; "window" is quoted, as PostgreSQL reserves the word.
_COUNT = text(
    'INSERT INTO exchange_usage (agreement_id, "window", calls, rows) '
    "VALUES (:agreement, :minute, 1, 0), (:agreement, :day, 1, :rows) "
    'ON CONFLICT (agreement_id, "window") DO UPDATE SET '
    "calls = exchange_usage.calls + excluded.calls, rows = exchange_usage.rows + excluded.rows "
    'RETURNING "window", calls, rows')


def _check_rate(agreement: AgreementRef, calls: int, now: datetime) -> None:
    if calls > agreement.rate_per_minute:
        retry = _windows(now)[2]
        raise LimitExceeded(f"agreement {agreement.code} allows {agreement.rate_per_minute} "
                            "calls a minute", "rate_per_minute", retry)


def _windows(now: datetime) -> tuple[str, str, int]:
    local = now.astimezone(LOCAL_TZ)
    return (f"m{local:%Y%m%d%H%M}", f"d{local:%Y%m%d}", 60 - local.second)


def _read_stored(ctx: Ctx, ds: DatasetRef, query: QueryIn) -> list[dict[str, Any]]:
    if query.subject_ids and not query.filter:  # the usual call: built once, bound per call
        return [dict(data) for data in ctx.db.connection().execute(_by_subjects(), {
            "dataset": ds.id, "subjects": list(query.subject_ids), "limit": query.limit,
        }).scalars()]
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
    return [dict(row.data) for row in ctx.db.connection().execute(stmt)]


_BY_SUBJECTS: Select[Any] | None = None


def _by_subjects() -> Select[Any]:
    """The newest version of each record ever about the subjects, if it still is."""
    global _BY_SUBJECTS
    if _BY_SUBJECTS is None:
        dataset, subjects = bindparam("dataset"), bindparam("subjects", expanding=True)
        keys = select(DatasetRecord.record_key).where(
            DatasetRecord.dataset_id == dataset, DatasetRecord.subject_id.in_(subjects))
        newest = (select(func.max(DatasetRecord.id))
                  .where(DatasetRecord.dataset_id == dataset, DatasetRecord.record_key.in_(keys))
                  .group_by(DatasetRecord.record_key))
        _BY_SUBJECTS = (select(DatasetRecord.data)
                        .where(DatasetRecord.id.in_(newest), DatasetRecord.subject_id.in_(subjects))
                        .order_by(DatasetRecord.id).limit(bindparam("limit")))
    return _BY_SUBJECTS


def _read(ctx: Ctx, ds: DatasetRef, query: QueryIn, live: bool | None) -> list[dict[str, Any]]:
    if live is None:
        live = ctx.db.scalar(select(LiveSource.id).where(LiveSource.dataset_id == ds.id)) \
            is not None
    if not live:
        return _read_stored(ctx, ds, query)
    if not query.subject_ids:
        raise InvalidInput.one("filter", "this dataset is read live from its provider's own "
                               "system, by subject IDs only", None, "live_source")
    # live_sources.read_live is looked up per call: tests watch it
    with admission.outside():  # the provider's system answers; no work of ours meanwhile
        answered = live_sources.read_live(ctx, READER, ds.resource_code, query.subject_ids)
    return answered.rows[: query.limit]


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


def _subjects(ds: DatasetRef, rows: Sequence[Mapping[str, Any]], query: QueryIn) -> list[str]:
    return subjects_of(ds.subject_field, rows, query.subject_ids)


def _consumer_id(actor: Actor) -> int:
    if actor.organization_id is None:
        raise PermissionDenied(Permission.EXCHANGE_QUERY.value,
                               "exchange queries are made for a department")
    require(actor, Permission.EXCHANGE_QUERY, organization_id=actor.organization_id)
    return actor.organization_id


# --- the plan's one read -----------------------------------------------------------------------


_PLAN_STATEMENT: Select[Any] | None = None


def _plan_statement() -> Select[Any]:
    """Dataset, provider, consumer, published fields, the consumer's agreements for the
    dataset (one row each, oldest first), their usage today, the keys, node and live source:
    everything the checks before reading need, in one statement."""
    global _PLAN_STATEMENT
    if _PLAN_STATEMENT is not None:
        return _PLAN_STATEMENT
    provider = aliased(Organization, name="provider")
    consumer = aliased(Organization, name="consumer")
    seal_key = aliased(SealKey, name="seal_key")
    ledger_key = aliased(SealKey, name="ledger_key")
    other = aliased(Agreement, name="other")
    usage = aliased(ExchangeUsage, name="usage")
    consumer_id = bindparam("consumer")

    def own(column: Any, window: str) -> Any:  # this agreement's figure in a window
        return select(column).where(ExchangeUsage.agreement_id == Agreement.id,
                                    ExchangeUsage.window == bindparam(window)).scalar_subquery()

    def subject_key(column: Any) -> Any:  # the ledger's current subject key
        return (select(column).order_by(LedgerSubjectKey.epoch.desc()).limit(1)
                .scalar_subquery())

    def consumers(*where: Any) -> Any:  # the consumer's rows over all its agreements
        return (select(func.sum(usage.rows)).join(other, other.id == usage.agreement_id)
                .where(other.consumer_org_id == consumer_id, *where).scalar_subquery())

    stmt = (
        select(
            Dataset.id.label("dataset_id"), Dataset.resource_code, Dataset.name,
            Dataset.provider_id, Dataset.subject_field, Dataset.published_version,
            provider.code.label("provider_code"), provider.name.label("provider_name"),
            consumer.code.label("consumer_code"), consumer.name.label("consumer_name"),
            DatasetVersion.fields,
            select(Node.id).where(Node.organization_id == Dataset.provider_id,
                                  Node.status == "active").limit(1).scalar_subquery()
            .label("node_id"),
            select(LiveSource.id).where(LiveSource.dataset_id == Dataset.id).limit(1)
            .scalar_subquery().label("live_id"),
            seal_key.id.label("seal_id"), seal_key.kid.label("seal_kid"),
            seal_key.not_after.label("seal_not_after"),
            ledger_key.id.label("ledger_id"), ledger_key.kid.label("ledger_kid"),
            ledger_key.not_after.label("ledger_not_after"),
            Agreement.id.label("agreement_id"), Agreement.code.label("agreement_code"),
            Agreement.state, Agreement.valid_from, Agreement.valid_until,
            Agreement.purpose_kind, Agreement.purpose_code, Agreement.purpose_text,
            Agreement.grants, Agreement.rate_per_minute, Agreement.daily_volume,
            own(ExchangeUsage.calls, "minute").label("minute_calls"),
            own(ExchangeUsage.rows, "day").label("agreement_rows"),
            consumers(usage.window == bindparam("day")).label("consumer_rows"),
            consumers(usage.window >= bindparam("since"), usage.window < bindparam("day"))
            .label("earlier_rows"),
            select(AccessFlag.id).where(AccessFlag.consumer_org_id == consumer_id,
                                        AccessFlag.rule == "volume",
                                        AccessFlag.day == bindparam("flag_day"))
            .limit(1).scalar_subquery().label("volume_flag"),
            # the consumer's lookups by subject that found nothing today, all agreements
            (select(func.sum(usage.calls)).join(other, other.id == usage.agreement_id)
             .where(other.consumer_org_id == consumer_id,
                    usage.window == bindparam("misses")).scalar_subquery()).label("misses"),
            subject_key(LedgerSubjectKey.epoch).label("subject_epoch"),
            subject_key(LedgerSubjectKey.key_enc).label("subject_key_enc"),
        )
        .select_from(Dataset)
        .join(provider, provider.id == Dataset.provider_id)
        .outerjoin(consumer, consumer.id == consumer_id)
        .outerjoin(DatasetVersion, and_(DatasetVersion.dataset_id == Dataset.id,
                                        DatasetVersion.version == Dataset.published_version))
        .outerjoin(seal_key, seal_key.id == newest_active_key_id(PURPOSE_SEAL,
                                                                 Dataset.provider_id))
        .outerjoin(ledger_key, ledger_key.id == newest_active_key_id(PURPOSE_LEDGER, None))
        .outerjoin(Agreement, and_(Agreement.dataset_id == Dataset.id,
                                   Agreement.consumer_org_id == consumer_id))
        .where(Dataset.resource_code == bindparam("code"))
        .order_by(Agreement.id)
    )
    _PLAN_STATEMENT = stmt
    return stmt


def _terms(row: Any) -> policy.Terms:
    return policy.Terms(code=row.agreement_code, state=row.state, valid_from=row.valid_from,
                        valid_until=row.valid_until, purpose_kind=row.purpose_kind,
                        purpose_code=row.purpose_code, purpose_text=row.purpose_text,
                        grants=dict(row.grants or {}))


def _key(key_id: int | None, kid: str | None, not_after: datetime | None) -> ActiveKey | None:
    if key_id is None or kid is None or not_after is None:
        return None
    return ActiveKey(key_id, kid, not_after)


def _check_filter(ctx: Ctx, fields: Sequence[Mapping[str, Any]], grants: Mapping[str, str],
                  wanted: Mapping[str, str] | None) -> None:
    """A filter answers "is this the value?": rows for a right guess, none for a wrong one. So
    it may name only fields the agreement returns unmasked, or it would confirm a masked or
    withheld value. The problem does not repeat the value: it is the guess."""
    if not wanted:
        return
    granted = [n for n in wanted if n in grants]
    ops = _masks(ctx, fields, grants, granted)
    hidden = [n for n in wanted if n not in ops or ops[n] is not None]
    if hidden:
        raise InvalidInput([FieldProblem(f"filter.{n}", "a filter may name only a field this "
                                         "agreement returns unmasked", None, "masked_field")
                            for n in hidden])


def _subject_masked(ctx: Ctx, fields: Sequence[Mapping[str, Any]], grants: Mapping[str, str],
                    subject_field: str | None) -> bool:
    """Whether the agreement keeps the subject field from the consumer (masked or withheld):
    then a lookup by subject ID must not serve to test guessed IDs."""
    if not subject_field:
        return False
    if subject_field not in grants:
        return True
    return _masks(ctx, fields, grants, [subject_field])[subject_field] is not None


# Builtin elements (standards.builtin) whose values are citizen IDs, and birth dates.
_CITIZEN_ID_ELEMENTS = frozenset(e.code for e in BUILTIN_ELEMENTS if e.validator == "citizen_id")
_BIRTH_DATE_ELEMENTS = frozenset(e.code for e in BUILTIN_ELEMENTS
                                 if e.name_en == "Date of birth")


def _check_guessing(ctx: Ctx, data: QueryIn, misses_today: int, subject_masked: bool) -> None:
    """Lookups by subject must not serve to test guessed ID numbers (`exchange.misses`).

    A masked ID (`320505********9255`) and a birth year leave about 32 IDs that pass the
    check character; with several IDs a call, five halving calls found the real one. So
    under an agreement that masks the subject field a call names one subject; the
    `subject_misses` flag fires at the consumer's third lookup of the day that finds
    nothing, and from the tenth its lookups by subject wait for tomorrow — over all its
    agreements, and counting the service-item reads refused for naming someone other than
    their case's applicant — so a search is both slow and seen.
    """
    if not data.subject_ids:
        return
    if subject_masked and data.purpose.kind != "service_item" and len(data.subject_ids) > 1:
        raise InvalidInput.one("subject_ids", "this agreement does not return the subject "
                               "field unmasked: look up one subject a call", None,
                               "one_subject")
    limit = ctx.settings.exchange_subject_miss_limit
    if misses_today >= limit:
        raise LimitExceeded(f"{misses_today} lookups by subject found nothing today; "
                            "lookups by subject resume tomorrow", "subject_misses",
                            _seconds_to_midnight(ctx.now()))


def _seconds_to_midnight(now: datetime) -> int:
    local = now.astimezone(LOCAL_TZ)
    return (23 - local.hour) * 3600 + (59 - local.minute) * 60 + (60 - local.second)


def plan(ctx: Ctx, actor: Actor, resource_code: str, data: QueryIn) -> Plan:
    """Authenticate, find the agreement, check the rate, decide the masks."""
    consumer_id = _consumer_id(actor)
    now = ctx.now()
    minute, day, _retry = _windows(now)
    local_day = now.astimezone(LOCAL_TZ).date()
    since = f"d{date.fromordinal(local_day.toordinal() - transparency.BASELINE_DAYS):%Y%m%d}"
    ctx.db.flush()  # what this transaction added so far is read too (a session would autoflush)
    rows = ctx.db.connection().execute(_plan_statement(), {
        "code": resource_code.strip(), "consumer": consumer_id, "minute": minute, "day": day,
        "since": since, "flag_day": day[1:], "misses": misses.window(day)}).all()
    if not rows:
        raise NotFound("dataset", resource_code)
    first = rows[0]
    if first.published_version is None or first.fields is None:
        raise InvalidInput.one("resource_code", "dataset has no published version",
                               first.resource_code, "not_published")
    fields: list[dict[str, Any]] = first.fields
    _check_request(data, fields)
    if first.consumer_code is None:
        raise NotFound("organization", consumer_id)
    candidates = [r for r in rows if r.agreement_id is not None]
    chosen = policy.choose([_terms(r) for r in candidates], today=today(ctx),
                           purpose=purpose_of(data.purpose), fields=data.fields,
                           dataset=first.resource_code)
    row = next(r for r in candidates if r.agreement_code == chosen.code)
    agreement = AgreementRef(row.agreement_id, row.agreement_code, dict(row.grants or {}),
                             int(row.rate_per_minute), int(row.daily_volume))
    # Refused early, before any row is read; `record` counts the call (and checks again) at
    # the end, so the transaction writes only after the slow work is done.
    _check_rate(agreement, int(row.minute_calls or 0) + 1, now)
    consumer = OrgRef(consumer_id, first.consumer_code, first.consumer_name)
    provider = OrgRef(first.provider_id, first.provider_code, first.provider_name)
    ds = DatasetRef(first.dataset_id, first.resource_code, first.name, provider,
                    first.subject_field, int(first.published_version))
    wanted = list(data.fields or [f["name"] for f in fields if f["name"] in agreement.grants])
    ops = masking.beside_birth_dates(
        _masks(ctx, fields, agreement.grants, wanted),
        {f["name"] for f in fields if f.get("element") in _CITIZEN_ID_ELEMENTS},
        {f["name"] for f in fields if f.get("element") in _BIRTH_DATE_ELEMENTS})
    _check_filter(ctx, fields, agreement.grants, data.filter)
    purpose = data.purpose.model_dump(exclude_none=True)
    subject_masked = _subject_masked(ctx, fields, agreement.grants, first.subject_field)
    misses_today = int(first.misses or 0)
    _check_guessing(ctx, data, misses_today, subject_masked)
    try:
        case_binding.check(ctx, purpose, consumer_id=consumer_id,
                           subject_ids=data.subject_ids, filtered=bool(data.filter))
    except case_binding.PurposeNotBound as refused:
        if refused.reason == "subject_not_in_case":  # else a guessed applicant is confirmed
            misses.count_after_refusal(ctx, agreement.id, day)
        raise
    masks = {n: masking.grant_text(op) for n, op in ops.items()}
    skeleton = {
        "query_id": str(uuid.uuid4()),
        "issued_at": now.isoformat(),
        "consumer": {"code": consumer.code, "name": consumer.name},
        "provider": {"code": provider.code, "name": provider.name},
        "resource_code": ds.resource_code,
        "dataset": ds.name,
        "dataset_version": ds.published_version,
        "agreement": agreement.code,
        "purpose": purpose,
        "fields": [{"name": n, "mask": m} for n, m in masks.items()],
    }
    facts = PlanFacts(
        node=first.node_id is not None, live=first.live_id is not None,
        seal_key=_key(first.seal_id, first.seal_kid, first.seal_not_after),
        ledger_key=_key(first.ledger_id, first.ledger_kid, first.ledger_not_after),
        day=day, agreement_rows=int(row.agreement_rows or 0),
        consumer_rows=int(row.consumer_rows or 0), earlier_rows=int(row.earlier_rows or 0),
        volume_flagged=row.volume_flag is not None,
        subject_key=(commitments.unseal_key(ctx.settings.secret_key, int(first.subject_epoch),
                                            first.subject_key_enc)
                     if first.subject_epoch is not None else None),
        subject_masked=subject_masked, misses=misses_today)
    return Plan(consumer, ds, agreement, data, masks, skeleton, minute, facts)


def produce_local(ctx: Ctx, plan: Plan) -> SealedAnswer:
    """Read, mask and seal here (embedded demo, or a dataset stored on the hub)."""
    rows = _read(ctx, plan.dataset, plan.query, plan.facts.live)
    payload = {**plan.skeleton, "rows": mask_rows(
        rows, plan.masks, mask_key(ctx.settings.secret_key, plan.consumer.code))}
    # seals.seal_for is looked up per call: tests replace it
    sealed = seals.seal_for(ctx, plan.dataset.provider_id, payload, key=plan.facts.seal_key)
    return SealedAnswer(sealed, payload, _subjects(plan.dataset, rows, plan.query),
                    _sealed_digest(sealed))


def _sealed_digest(sealed: str) -> str | None:
    """SHA-256 of the canonical payload a seal made here signed: its payload part, decoded
    (the same bytes `jcs.canonical(payload)` would give again, without writing them)."""
    parts = sealed.split(".")
    if len(parts) != 3:
        return None
    body = parts[1]
    return hashlib.sha256(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))).hexdigest()


def produce(ctx: Ctx, plan: Plan) -> SealedAnswer:
    """Where the provider has its own node (前置机), the node answers; otherwise the hub.

    A node that cannot be reached raises `NodeUnavailable` (503, `retry_after`) before
    anything is recorded, so the whole call rolls back, rate counter included.
    """
    if plan.facts.node is False:
        return produce_local(ctx, plan)
    node = client.node_of(ctx, plan.dataset.provider_id)
    if node is None:
        return produce_local(ctx, plan)
    return client.produce_remote(ctx, plan, node)


def record(ctx: Ctx, actor: Actor, plan: Plan, answer: SealedAnswer) -> ExchangeResponse:
    """Check the daily volume, ledger the access, and hand back data, seal and receipt."""
    payload = answer.payload
    rows = len(payload["rows"])
    now = ctx.now()
    _minute, day, _retry = _windows(now)
    hold_sqlite_writer(ctx.db)
    # The call is counted in both windows with the ledger append (one round trip on
    # PostgreSQL), and the limits checked after it: a refused call raises, and the whole
    # transaction, entry included, rolls back.
    counted = log.CompanionStatement(_COUNT, {"agreement": plan.agreement.id,
                                              "minute": plan.minute, "day": day, "rows": rows})
    digest = answer.digest or hashlib.sha256(jcs.canonical(payload)).hexdigest()
    receipt = log.append(ctx, QUERY_KIND, {
        "query_id": payload["query_id"],
        "caller": actor.label,
        "consumer": plan.consumer.code,
        "provider": plan.dataset.provider.code,
        "resource_code": plan.dataset.resource_code,
        "dataset_version": plan.dataset.published_version,
        "fields": list(plan.masks),
        "purpose": payload["purpose"],
        "agreement": plan.agreement.code,
        "rows": rows,
        "response_sha256": digest,
    }, subjects=answer.subjects, companion=counted, subject_key=plan.facts.subject_key)
    calls, used = _counted(counted, plan.minute, day)
    _check_rate(plan.agreement, calls, now)
    if used > plan.agreement.daily_volume:
        raise LimitExceeded(f"agreement {plan.agreement.code} allows "
                            f"{plan.agreement.daily_volume} rows a day", "daily_volume", 3600)
    # Sharing points (issue 16): the consumer pays the provider per call, if the bureau's
    # rates say so; never a reason to refuse (nothing is checked before serving).
    points.on_query(ctx, consumer_id=plan.consumer.id, provider_id=plan.dataset.provider_id,
                    dataset_id=plan.dataset.id, agreement_code=plan.agreement.code, rows=rows,
                    leaf_index=receipt.leaf_index)
    facts = plan.facts
    if facts.subject_masked and plan.query.subject_ids and rows == 0:
        _count_miss(ctx, plan, receipt.leaf_index, day)
    known = facts.day == day and facts.consumer_rows is not None
    transparency.flag_access(
        ctx, leaf_index=receipt.leaf_index, consumer_org_id=plan.consumer.id,
        subjects=answer.subjects, rows=rows,
        # The consumer's rows today: its other agreements' as the plan read them, and this
        # agreement's as just counted.
        today_rows=((facts.consumer_rows or 0) - (facts.agreement_rows or 0) + used
                    if known else None),
        earlier_rows=facts.earlier_rows if known else None,
        volume_flagged=facts.volume_flagged if known else None)
    signer = (active_signer(ctx, facts.ledger_key, PURPOSE_LEDGER, None)
              if facts.ledger_key is not None else None)
    return ExchangeResponse(sealed=answer.sealed, data=payload,
                            receipt=receipt_of(ctx, receipt, signer))


def _count_miss(ctx: Ctx, plan: Plan, leaf_index: int, day: str) -> None:
    """A lookup by subject that found nothing, under an agreement masking the subject field:
    counted for the day, and flagged for the auditors once the consumer keeps missing."""
    misses.count(ctx, plan.agreement.id, day)
    today = plan.facts.misses + 1 if plan.facts.day == day else None
    if today == ctx.settings.exchange_subject_miss_flag:
        transparency.flag_rule(ctx, leaf_index=leaf_index, consumer_org_id=plan.consumer.id,
                               rule="subject_misses",
                               detail=f"{today} lookups by subject found nothing today (the "
                               f"latest under agreement {plan.agreement.code}, which masks "
                               "the subject field): guessing ID numbers?")


def query(ctx: Ctx, actor: Actor, resource_code: str, data: QueryIn) -> ExchangeResponse:
    """Answer one exchange query (see the module docstring for the order of checks)."""
    decided = plan(ctx, actor, resource_code, data)
    return record(ctx, actor, decided, produce(ctx, decided))


def receipt_of(ctx: Ctx, receipt: log.Receipt, signer: Signer | None = None) -> Receipt:
    """A ledger receipt with its signed tree head and the ledger key's certificate."""
    head = checkpoints.sign_tree_head(ctx, receipt.tree_size, receipt.root, signer)
    doc = receipt.as_document()
    return Receipt(entry=receipt.entry, tree_head=head.as_dict(),
                   ledger_certificate=seals.ledger_certificate_pem(ctx, head.key_id), **doc)
