"""Use cases of privacy jobs, each `fn(ctx, actor, ...)` checking its permission first:
create (propose), decide (a party approves or refuses), run (start, relay, finish), read,
list; and a person's view of the computations that read their records.

Governance is the agreements': a job is proposed by the receiving department (its
requesting officers: `agreement.request`), answered by every party's deciders
(`agreement.decide`, each for its own department: what is revealed, to whom), and read by
the parties and the data bureau (`agreement.read`); to anyone else it does not exist.
Nothing runs before every party approved; one refusal ends it. Every change appends a
ledger entry, and a run appends the disclosure receipt (`privacy.job.run`): parties, their
datasets and fields, computation and parameters, what was revealed to whom (or why
nothing), epsilon, and the SHA-256 of the relayed messages. Entries name departments and
datasets only, never a subject or a result.

A run is three steps so that no transaction stays open while the parties compute:
`start_run` (checks, the per-dataset budget, state running: one transaction), the relay
(`relay.run`, parties in their own processes), `finish_run` (outcome, sealed result,
receipt: one transaction). `run_job` strings them together for the API, CLI and pages.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update

from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import find_dataset, published_fields
from govbridge.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission, allows
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.ingest.models import DatasetRecord
from govbridge.notifications.outbox import notify, officers_of
from govbridge.privacy import relay, rules
from govbridge.privacy.models import PrivacyDecision, PrivacyInput, PrivacyJob
from govbridge.privacy.schemas import (
    ComputationUseOut,
    DecisionIn,
    JobIn,
    JobOut,
    PartyOut,
    RevealedItem,
    RevealedOut,
)
from govbridge.runtime import Ctx, Runtime
from govbridge.security import at_rest

RUN_KIND = "privacy.job.run"


def _purpose_key(code: str) -> str:
    return f"privacy-result:{code}"


def _party(d: dict[str, Any]) -> rules.Party:
    return rules.Party(org_code=d["org_code"], resource_code=d["resource_code"],
                       key_field=d.get("key_field"), value_field=d.get("value_field"),
                       features=tuple(d.get("features") or ()), label=d.get("label"))


def _parties(job: PrivacyJob) -> list[rules.Party]:
    return [_party(d) for d in job.parties]


def _can(actor: Actor, permission: Permission, org_id: int | None) -> bool:
    return allows(actor.permissions, permission, actor_org_id=actor.organization_id,
                  target_org_id=org_id)


def find_job(ctx: Ctx, code: str, *, lock: bool = False) -> PrivacyJob:
    """The job by code; `lock` holds its row until commit, so two runs (or decisions) at
    the same moment are taken one after the other, the second seeing what the first did."""
    query = select(PrivacyJob).where(PrivacyJob.code == code.strip())
    if lock and ctx.db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=PrivacyJob).execution_options(populate_existing=True)
    elif lock:
        # SQLite has no FOR UPDATE: an UPDATE takes the write lock before the row is read
        ctx.db.execute(update(PrivacyJob).where(PrivacyJob.code == code.strip())
                       .values(state=PrivacyJob.state)
                       .execution_options(synchronize_session=False))
        query = query.execution_options(populate_existing=True)
    job = ctx.db.scalar(query)
    if job is None:
        raise NotFound("privacy job", code)
    return job


def _party_orgs(ctx: Ctx, job: PrivacyJob) -> dict[str, Organization]:
    codes = [p["org_code"] for p in job.parties]
    return {o.code: o for o in ctx.db.scalars(select(Organization)
                                              .where(Organization.code.in_(codes)))}


def can_read(ctx: Ctx, actor: Actor, job: PrivacyJob) -> bool:
    """The parties, the receiver and the data bureau read a job."""
    if Permission.AGREEMENT_READ in actor.permissions:
        return True
    if _can(actor, Permission.AGREEMENT_READ, job.receiver_org_id):
        return True
    return any(_can(actor, Permission.AGREEMENT_READ, o.id)
               for o in _party_orgs(ctx, job).values())


def sees_result(actor: Actor, job: PrivacyJob) -> bool:
    """Only the receiving party's own staff see the result: not the other parties, not the
    bureau, not the local operator."""
    return actor.organization_id is not None and actor.organization_id == job.receiver_org_id


def can_decide(ctx: Ctx, actor: Actor, job: PrivacyJob, party: Organization) -> bool:
    decisions = _decisions(ctx, job)
    return rules.may_decide(job.state, party.code, [p["org_code"] for p in job.parties],
                            decisions) and _can(actor, Permission.AGREEMENT_DECIDE, party.id)


def can_run(actor: Actor, job: PrivacyJob) -> bool:
    return rules.may_run(job.state) and _can(actor, Permission.AGREEMENT_REQUEST,
                                             job.receiver_org_id)


@dataclass(frozen=True)
class Allowed:
    """What the actor may do with one job now (a page offers only these forms; the use
    cases still check on every request): decide for `party`, run it."""

    party: str | None
    run: bool


def allowed(ctx: Ctx, actor: Actor, code: str) -> Allowed:
    job = find_job(ctx, code)
    party = None
    if actor.organization_id is not None:
        org = ctx.db.get(Organization, actor.organization_id)
        if org is not None and can_decide(ctx, actor, job, org):
            party = org.code
    return Allowed(party=party, run=can_run(actor, job))


def _decisions(ctx: Ctx, job: PrivacyJob) -> dict[str, str]:
    rows = ctx.db.execute(select(Organization.code, PrivacyDecision.decision)
                          .join(Organization, Organization.id == PrivacyDecision.org_id)
                          .where(PrivacyDecision.job_id == job.id)).all()
    return {code: decision for code, decision in rows}


def _ledger(ctx: Ctx, kind: str, job: PrivacyJob, by: str, **extra: Any) -> int:
    from govbridge.ledger import log

    payload: dict[str, Any] = {
        "job": job.code, "computation": job.computation, "params": job.params,
        "parties": [{"organization": p.org_code, "dataset": p.resource_code,
                     "fields": p.fields} for p in _parties(job)],
        "purpose": job.purpose, "state": job.state, "by": by}
    payload.update({k: v for k, v in extra.items() if v is not None})
    return log.append(ctx, kind, payload).leaf_index


def _next_code(ctx: Ctx) -> str:
    prefix = f"PJ-{ctx.now().year}-"
    last = ctx.db.scalar(select(func.max(PrivacyJob.code))
                         .where(PrivacyJob.code.like(prefix + "%")))
    return f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1 if last else 1):06d}"


# ---- propose ----------------------------------------------------------------------------


def create_job(ctx: Ctx, actor: Actor, data: JobIn | dict[str, Any]) -> JobOut:
    """The receiving department proposes a job; every party is asked to approve it."""
    if not {Permission.AGREEMENT_REQUEST, Permission.AGREEMENT_REQUEST_OWN_ORG} & \
            actor.permissions:
        raise PermissionDenied(Permission.AGREEMENT_REQUEST.value)
    data = checked(JobIn, data)
    receiver = referenced_organization(ctx, data.receiver, "receiver")
    require(actor, Permission.AGREEMENT_REQUEST, organization_id=receiver.id)
    parties = [rules.Party(org_code=p.org_code.strip().upper(),
                           resource_code=p.resource_code.strip(), key_field=p.key_field,
                           value_field=p.value_field, features=tuple(p.features),
                           label=p.label) for p in data.parties]
    published: dict[str, list[str]] = {}
    subject_keys: dict[str, str | None] = {}
    datasets: list[tuple[Dataset, Organization]] = []
    problems: list[FieldProblem] = []
    for i, p in enumerate(parties):
        org = referenced_organization(ctx, p.org_code, f"parties[{i}].org_code")
        try:
            ds = find_dataset(ctx, p.resource_code)
            fields = [f["name"] for f in published_fields(ds)]
        except (NotFound, InvalidInput):
            continue
        if ds.provider_id != org.id:
            problems.append(FieldProblem(f"parties[{i}].resource_code", "the dataset is not "
                                         "this department's", p.resource_code, "not_provider"))
            continue
        published[p.resource_code] = fields
        subject_keys[p.resource_code] = ds.subject_field
        datasets.append((ds, org))
    problems += rules.spec_problems(data.computation, parties, receiver.code, data.params,
                                    published, subject_keys)
    if problems:
        raise InvalidInput(problems)
    job = PrivacyJob(code=_next_code(ctx), computation=data.computation, params=data.params,
                     parties=[{**asdict(p), "features": list(p.features)} for p in parties],
                     receiver_org_id=receiver.id, purpose=data.purpose.strip(),
                     min_group=ctx.settings.privacy_min_group, state=rules.PROPOSED,
                     created_by=actor.label, created_at=ctx.now())
    job.receiver = receiver
    ctx.db.add(job)
    ctx.db.flush()
    for ds, org in datasets:
        ctx.db.add(PrivacyInput(job_id=job.id, dataset_id=ds.id, org_id=org.id))
    _ledger(ctx, "privacy.job.proposed", job, actor.label, receiver=receiver.code,
            revealed=rules.revealed(job.computation, parties, receiver.code),
            min_group=job.min_group)
    record(ctx, actor, "privacy.job.create", "privacy_job", job.code,
           {"computation": job.computation, "parties": [p.org_code for p in parties]})
    for _ds, org in datasets:
        notify(ctx, officers_of(ctx, org.id), "privacy.proposed",
               f"隐私计算任务 {job.code}：{receiver.name} 请求审批",
               f"{receiver.name} 发起隐私计算任务（{job.computation}），用途：{job.purpose}。"
               "请审阅向谁揭示什么，并批准或拒绝。", link=f"/privacy/jobs/{job.code}")
    return to_out(ctx, actor, job)


# ---- decide -----------------------------------------------------------------------------


def decide(ctx: Ctx, actor: Actor, code: str, data: DecisionIn | dict[str, Any]) -> JobOut:
    """A party approves (what is revealed, to whom) or refuses with a reason; the last
    approval makes the job runnable, a refusal ends it."""
    data = checked(DecisionIn, data)
    job = find_job(ctx, code, lock=True)
    party_code = data.party or None
    if party_code is None:
        if actor.organization_id is None:
            raise InvalidInput.one("party", "name the deciding party", None, "required")
        org = ctx.db.get(Organization, actor.organization_id)
    else:
        org = referenced_organization(ctx, party_code, "party")
    assert org is not None
    require(actor, Permission.AGREEMENT_DECIDE, organization_id=org.id)
    if not can_read(ctx, actor, job):
        raise NotFound("privacy job", code)
    parties = [p["org_code"] for p in job.parties]
    decisions = _decisions(ctx, job)
    if org.code not in parties:
        raise InvalidInput.one("party", "not a party of this job", org.code, "not_party")
    if not rules.may_decide(job.state, org.code, parties, decisions):
        raise Conflict(f"privacy job {job.code} is {job.state}"
                       + (" and this party has decided" if org.code in decisions else ""),
                       "state", job.state)
    reason = (data.reason or "").strip() or None
    if data.decision == rules.REFUSE and not reason:
        raise InvalidInput.one("reason", "say why the job is refused", None, "required")
    ctx.db.add(PrivacyDecision(job_id=job.id, org_id=org.id, decision=data.decision,
                               reason=reason, decided_by=actor.label, decided_at=ctx.now()))
    decisions[org.code] = data.decision
    job.state = rules.state_after(parties, decisions)
    _ledger(ctx, f"privacy.job.{'approved' if data.decision == rules.APPROVE else 'refused'}",
            job, actor.label, party=org.code, reason=reason,
            revealed=rules.revealed(job.computation, _parties(job), job.receiver.code))
    record(ctx, actor, "privacy.job.decide", "privacy_job", job.code,
           {"party": org.code, "decision": data.decision})
    if job.state != rules.PROPOSED:
        answer = "各方已批准" if job.state == rules.APPROVED else "已被拒绝"
        notify(ctx, officers_of(ctx, job.receiver_org_id), f"privacy.{job.state}",
               f"隐私计算任务 {job.code}：{answer}",
               f"{org.name}：{'批准' if data.decision == rules.APPROVE else '拒绝'}"
               + (f"，理由：{reason}" if reason else "") + "。",
               link=f"/privacy/jobs/{job.code}")
    return to_out(ctx, actor, job)


# ---- run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    code: str
    computation: str
    receiver: str
    params: dict[str, Any]
    min_group: int
    round_seconds: float
    parties: list[relay.PartyRun]


def budget_used(ctx: Ctx, dataset_id: int, since: Any) -> int:
    return int(ctx.db.scalar(
        select(func.count()).select_from(PrivacyInput)
        .join(PrivacyJob, PrivacyJob.id == PrivacyInput.job_id)
        .where(PrivacyInput.dataset_id == dataset_id, PrivacyJob.ran_at >= since)) or 0)


def _source(ctx: Ctx, ds: Dataset, org: Organization) -> dict[str, Any]:
    node_dir = ctx.settings.privacy_node_dirs.get(org.code)
    if node_dir is not None:
        return {"kind": "node", "rows_db": str(Path(node_dir) / "rows.db"),
                "resource_code": ds.resource_code}
    url = ctx.db.get_bind().engine.url.render_as_string(hide_password=False)
    return {"kind": "store", "database_url": url, "dataset_id": ds.id}


def start_run(ctx: Ctx, actor: Actor, code: str) -> RunPlan:
    """Check that every party approved and every dataset has budget left; mark running."""
    job = find_job(ctx, code, lock=True)
    require(actor, Permission.AGREEMENT_REQUEST, organization_id=job.receiver_org_id)
    if not can_read(ctx, actor, job):
        raise NotFound("privacy job", code)
    if not rules.may_run(job.state):
        raise Conflict(f"privacy job {job.code} is {job.state}; it runs once, after every "
                       "party approved", "state", job.state)
    since = ctx.now() - timedelta(days=ctx.settings.privacy_budget_days)
    orgs = _party_orgs(ctx, job)
    runs: list[relay.PartyRun] = []
    for p in _parties(job):
        ds = find_dataset(ctx, p.resource_code)
        used = budget_used(ctx, ds.id, since)
        if rules.budget_left(used, ctx.settings.privacy_job_budget) <= 0:
            raise Conflict(f"dataset {ds.resource_code} has been read by {used} privacy jobs "
                           f"in {ctx.settings.privacy_budget_days} days, its budget",
                           "budget", ds.resource_code)
        runs.append(relay.PartyRun(p.org_code, p, _source(ctx, ds, orgs[p.org_code])))
    job.state = rules.RUNNING
    job.ran_at = ctx.now()
    record(ctx, actor, "privacy.job.run", "privacy_job", job.code, {})
    return RunPlan(job.code, job.computation, job.receiver.code, dict(job.params),
                   job.min_group, ctx.settings.privacy_round_seconds, runs)


def transcript_path(home: Path, code: str) -> Path:
    return home / "privacy" / f"{code}.jsonl"


def write_private(path: Path, text: str) -> None:
    """Write a transcript readable by the hub's own account alone (file 0600, folder 0700):
    a psi.sum transcript holds the other side's subjects as tokens and values masked under
    the pair key the receiver holds, so with the file the receiver could unmask anyone it
    can name."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _differences_an_earlier_sum(ctx: Ctx, job: PrivacyJob, result: dict[str, Any]) -> bool:
    """A psi.sum whose intersection is a few subjects from an earlier released one over the
    same dataset and column (`rules.differences_too_small`); the earlier intersections are
    read from their sealed results, on the hub that sealed them."""
    if job.computation != "psi.sum":
        return False

    def column(j: PrivacyJob) -> set[tuple[str, str | None]]:
        return {(p.resource_code, p.value_field) for p in _parties(j) if p.value_field}

    mine = column(job)
    earlier = []
    for other in ctx.db.scalars(select(PrivacyJob).where(
            PrivacyJob.computation == "psi.sum", PrivacyJob.state == rules.COMPLETED,
            PrivacyJob.result_enc.is_not(None), PrivacyJob.id != job.id)):
        if column(other) & mine:
            sealed = json.loads(at_rest.unseal(ctx.settings.secret_key,
                                               _purpose_key(other.code), other.result_enc))
            earlier.append(sealed.get("intersection") or [])
    return rules.differences_too_small(result.get("intersection") or [], earlier,
                                       job.min_group)


def finish_run(ctx: Ctx, actor: Actor, code: str, result: relay.RunResult) -> JobOut:
    """Record the outcome: the result sealed for the receiver, the disclosure receipt."""
    job = find_job(ctx, code, lock=True)
    if job.state != rules.RUNNING:
        raise Conflict(f"privacy job {job.code} is {job.state}, not running", "state", job.state)
    text = "".join(json.dumps(m, ensure_ascii=False, sort_keys=True) + "\n"
                   for m in result.transcript)
    write_private(transcript_path(ctx.settings.home, job.code), text)
    job.transcript_sha256 = hashlib.sha256(text.encode()).hexdigest()
    outcome = result.outcome
    revealed: list[str] = []
    if outcome is None:
        job.state = rules.FAILED
        job.outcome_reason = result.aborted or "the computation did not finish"
    else:
        job.state = outcome.state
        job.outcome_reason = outcome.reason
        job.epsilon = outcome.epsilon
        if outcome.state == rules.COMPLETED and outcome.result is not None and \
                _differences_an_earlier_sum(ctx, job, outcome.result):
            job.state = rules.SUPPRESSED
            job.outcome_reason = (f"the intersection differs from an earlier released sum's by "
                                  f"fewer than {job.min_group} subjects")
        elif outcome.state == rules.COMPLETED and outcome.result is not None:
            revealed = rules.revealed(job.computation, _parties(job), job.receiver.code)
            job.result_enc = at_rest.seal(ctx.settings.secret_key, _purpose_key(job.code),
                                          json.dumps(outcome.result).encode())
    job.finished_at = ctx.now()
    job.receipt_index = _ledger(
        ctx, RUN_KIND, job, actor.label,
        revealed_to=[{"organization": job.receiver.code, "what": revealed}] if revealed else [],
        outcome=job.state, reason=job.outcome_reason, epsilon=job.epsilon,
        min_group=job.min_group, dropped=result.dropped or None, rounds=result.rounds,
        transcript_sha256=job.transcript_sha256)
    notify(ctx, officers_of(ctx, job.receiver_org_id), f"privacy.{job.state}",
           f"隐私计算任务 {job.code} 已运行：{job.state}",
           (job.outcome_reason or "结果仅向接收方揭示。"), link=f"/privacy/jobs/{job.code}")
    return to_out(ctx, actor, job)


@dataclass(frozen=True)
class Run:
    job: JobOut
    relay: relay.RunResult


def run_job(rt: Runtime, actor: Actor, code: str, *,
            after_round: relay.AfterRound | None = None) -> Run:
    """Start, compute (parties in their own processes), finish: three steps, two
    transactions, none open while the parties compute."""
    with rt.context() as ctx:
        plan = start_run(ctx, actor, code)
    try:
        result = relay.run(plan.code, plan.parties, plan.receiver, plan.computation,
                           plan.params, plan.min_group, round_seconds=plan.round_seconds,
                           after_round=after_round)
    except Exception as exc:  # noqa: BLE001 - the job must not stay running
        result = relay.RunResult(None, f"the relay failed ({type(exc).__name__})", [], {}, 0,
                                 0.0)
    with rt.context() as ctx:
        return Run(finish_run(ctx, actor, code, result), result)


# ---- read -------------------------------------------------------------------------------


def to_out(ctx: Ctx, actor: Actor, job: PrivacyJob) -> JobOut:
    orgs = _party_orgs(ctx, job)
    names = dict(ctx.db.execute(select(Dataset.resource_code, Dataset.name).where(
        Dataset.resource_code.in_([p["resource_code"] for p in job.parties]))).all())
    rows = {r.org_id: r for r in ctx.db.scalars(
        select(PrivacyDecision).where(PrivacyDecision.job_id == job.id))}
    parties = []
    for p in _parties(job):
        org = orgs.get(p.org_code)
        d = rows.get(org.id) if org else None
        parties.append(PartyOut(org_code=p.org_code, org_name=org.name if org else None,
                                resource_code=p.resource_code,
                                dataset_name=names.get(p.resource_code), fields=p.fields,
                                decision=d.decision if d else None,
                                decided_by=d.decided_by if d else None,
                                decided_at=d.decided_at if d else None,
                                reason=d.reason if d else None))
    result = None
    if job.result_enc is not None and sees_result(actor, job):
        result = json.loads(at_rest.unseal(ctx.settings.secret_key, _purpose_key(job.code),
                                           job.result_enc))
    return JobOut(
        code=job.code, computation=job.computation, state=job.state, purpose=job.purpose,
        params=job.params, parties=parties,
        revealed_to=RevealedOut(
            org_code=job.receiver.code, org_name=job.receiver.name,
            what=rules.revealed(job.computation, _parties(job), job.receiver.code),
            items=[RevealedItem(item=i, field=f) for i, f in rules.revealed_items(
                job.computation, _parties(job), job.receiver.code)]),
        min_group=job.min_group, epsilon=job.epsilon, created_by=job.created_by,
        created_at=job.created_at, ran_at=job.ran_at, outcome_reason=job.outcome_reason,
        result=result, receipt=job.receipt_index, transcript_sha256=job.transcript_sha256)


def get_job(ctx: Ctx, actor: Actor, code: str) -> JobOut:
    """A job as its reader may see it: the result only for the receiving party."""
    if not {Permission.AGREEMENT_READ, Permission.AGREEMENT_READ_OWN_ORG} & actor.permissions:
        raise PermissionDenied(Permission.AGREEMENT_READ.value)
    job = find_job(ctx, code)
    if not can_read(ctx, actor, job):
        raise NotFound("privacy job", code)
    return to_out(ctx, actor, job)


def list_jobs(ctx: Ctx, actor: Actor, state: str | None = None) -> list[JobOut]:
    """Jobs the actor's department takes part in (every job for the bureau), newest first."""
    if not {Permission.AGREEMENT_READ, Permission.AGREEMENT_READ_OWN_ORG} & actor.permissions:
        raise PermissionDenied(Permission.AGREEMENT_READ.value)
    stmt = select(PrivacyJob).order_by(PrivacyJob.id.desc())
    if state is not None:
        if state not in rules.STATES:
            raise InvalidInput.one("state", "use one of " + ", ".join(rules.STATES), state)
        stmt = stmt.where(PrivacyJob.state == state)
    if Permission.AGREEMENT_READ not in actor.permissions:
        mine = select(PrivacyInput.job_id).where(PrivacyInput.org_id == actor.organization_id)
        stmt = stmt.where(or_(PrivacyJob.id.in_(mine),
                              PrivacyJob.receiver_org_id == actor.organization_id))
    return [to_out(ctx, actor, j) for j in ctx.db.scalars(stmt.limit(500)).unique()]


def my_computations(ctx: Ctx, actor: Actor) -> list[ComputationUseOut]:
    """The computations that read a dataset holding the caller's own record when they ran
    (a citizen or enterprise signed in as itself); never their results."""
    require(actor, Permission.SELF_SERVICE)
    if not actor.subject_id:
        raise PermissionDenied(Permission.SELF_SERVICE.value,
                               "only a citizen or enterprise account has an access log")
    first = (select(DatasetRecord.dataset_id, func.min(DatasetRecord.created_at).label("since"))
             .where(DatasetRecord.subject_id == actor.subject_id)
             .group_by(DatasetRecord.dataset_id).subquery())
    rows = ctx.db.execute(
        select(PrivacyJob, Dataset.resource_code, Dataset.name, Organization.name)
        .join(PrivacyInput, PrivacyInput.job_id == PrivacyJob.id)
        .join(first, first.c.dataset_id == PrivacyInput.dataset_id)
        .join(Dataset, Dataset.id == PrivacyInput.dataset_id)
        .join(Organization, Organization.id == PrivacyInput.org_id)
        .where(PrivacyJob.ran_at.is_not(None), PrivacyJob.ran_at >= first.c.since)
        .order_by(PrivacyJob.ran_at.desc()).limit(200)).unique().all()
    return [ComputationUseOut(job=j.code, computation=j.computation, purpose=j.purpose,
                              at=j.ran_at, state=j.state, receiver_name=j.receiver.name,
                              resource_code=rc, dataset_name=dn, provider_name=pn,
                              receipt=j.receipt_index)
            for j, rc, dn, pn in rows]
