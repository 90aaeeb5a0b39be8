"""Use cases of the catalog, each `fn(ctx, actor, ...)` checking its permission first: draft,
update, submit, review (publish or return), propose a new version, retire, read, list, the
review queue; and the predicate the pages ask (`can_manage`).

Also here, without an actor, the lookups other domains read an entry with on a caller's
behalf after their own checks: `find_dataset`, `latest_version`, `published_fields`, and
`to_out`, the shape every edge shows. (They stay in this module while ingest, cases, the
demo, the benches and the web import them from here.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from govbridge.audit.record import record
from govbridge.catalog import index
from govbridge.catalog.models import Dataset, DatasetVersion
from govbridge.catalog.rules import BoundField, check_entry, derived_grade
from govbridge.catalog.schemas import (
    DatasetIn,
    DatasetOut,
    FieldIn,
    FieldOut,
    RetireIn,
    ReviewIn,
    VersionIn,
    VersionOut,
)
from govbridge.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission, allows
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.runtime import Ctx
from govbridge.standards.usecases import spec_of

EDITABLE = frozenset({"draft", "returned"})


def _bind_fields(
    ctx: Ctx, fields: list[FieldIn]
) -> tuple[list[dict[str, Any]], list[BoundField], list[FieldProblem]]:
    stored: list[dict[str, Any]] = []
    bound: list[BoundField] = []
    problems: list[FieldProblem] = []
    for i, f in enumerate(fields):
        try:
            spec = spec_of(ctx, f.element, f.element_version)
        except InvalidInput as exc:
            for p in exc.problems:
                problems.append(FieldProblem(f"fields[{i}].element", p.reason, f.element, p.code))
            bound.append(BoundField(f.name, f.grade, None))
            continue
        bound.append(BoundField(f.name, f.grade, spec.subject_kind))
        stored.append(
            {
                "name": f.name,
                "title": f.title,
                "element": spec.code,
                "element_version": spec.version,
                "data_type": spec.data_type,
                "max_length": spec.max_length,
                "required": f.required,
                "grade": f.grade,
                "description": f.description,
            }
        )
    return stored, bound, problems


def _validated(ctx: Ctx, data: DatasetIn) -> tuple[list[dict[str, Any]], str]:
    stored, bound, problems = _bind_fields(ctx, data.fields)
    problems += check_entry(
        share_type=data.share_type,
        share_condition=data.share_condition,
        legal_basis=data.legal_basis,
        open_to_public=data.open_to_public,
        subject_type=data.subject_type,
        subject_field=data.subject_field,
        key_field=data.key_field,
        classification=data.classification,
        fields=bound,
    )
    if problems:
        raise InvalidInput(problems)
    return stored, derived_grade([f["grade"] for f in stored])


def _provider(ctx: Ctx, actor: Actor, code: str | None) -> Organization:
    if code:
        return referenced_organization(ctx, code, "provider_code")
    if actor.organization_id is None:
        raise InvalidInput.one(
            "provider_code", "give the providing organization's code", None, "required"
        )
    org = ctx.db.get(Organization, actor.organization_id)
    assert org is not None
    return org


def _next_resource_code(ctx: Ctx, classification: str) -> str:
    prefix = classification + "/"
    last = ctx.db.scalar(
        select(func.max(Dataset.resource_code)).where(Dataset.resource_code.like(prefix + "%"))
    )
    seq = int(last.split("/")[1]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def _apply_metadata(ds: Dataset, data: DatasetIn) -> None:
    ds.name = data.name.strip()
    ds.name_en = data.name_en
    ds.abstract = data.abstract.strip()
    ds.format = data.format
    ds.share_type = data.share_type
    ds.share_condition = data.share_condition
    ds.legal_basis = data.legal_basis
    ds.share_method = data.share_method
    ds.open_to_public = data.open_to_public
    ds.open_condition = data.open_condition
    ds.update_frequency = data.update_frequency
    ds.subject_type = data.subject_type
    ds.subject_field = data.subject_field
    ds.key_field = data.key_field or data.subject_field
    ds.keywords = [k.strip() for k in data.keywords if k.strip()]
    ds.related_codes = data.related_codes
    ds.certificate_type = data.certificate_type


def find_dataset(ctx: Ctx, resource_code: str) -> Dataset:
    ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == resource_code.strip()))
    if ds is None:
        raise NotFound("dataset", resource_code)
    return ds


def latest_version(ds: Dataset) -> DatasetVersion:
    return ds.versions[-1]


def published_fields(ds: Dataset) -> list[dict[str, Any]]:
    """Fields of the published version (what consumers and ingest see)."""
    for v in ds.versions:
        if v.version == ds.published_version:
            return v.fields
    raise InvalidInput.one(
        "resource_code", "dataset has no published version", ds.resource_code, "not_published"
    )


def can_manage(actor: Actor, ds: Dataset) -> bool:
    return allows(
        actor.permissions,
        Permission.DATASET_MANAGE,
        actor_org_id=actor.organization_id,
        target_org_id=ds.provider_id,
    )


def _visible(actor: Actor, ds: Dataset) -> bool:
    if ds.published_version is not None and Permission.CATALOG_READ in actor.permissions:
        return True
    return can_manage(actor, ds) or Permission.CATALOG_REVIEW in actor.permissions


def to_out(ds: Dataset, version: DatasetVersion | None = None) -> DatasetOut:
    shown = version or latest_version(ds)
    return DatasetOut(
        resource_code=ds.resource_code,
        name=ds.name,
        name_en=ds.name_en,
        abstract=ds.abstract,
        provider_code=ds.provider.code,
        provider_name=ds.provider.name,
        format=ds.format,
        share_type=ds.share_type,
        share_condition=ds.share_condition,
        legal_basis=ds.legal_basis,
        share_method=ds.share_method,
        open_to_public=ds.open_to_public,
        open_condition=ds.open_condition,
        update_frequency=ds.update_frequency,
        subject_type=ds.subject_type,
        subject_field=ds.subject_field,
        key_field=ds.key_field,
        keywords=ds.keywords,
        related_codes=ds.related_codes,
        certificate_type=ds.certificate_type,
        status=ds.status,
        grade=ds.grade,
        published_version=ds.published_version,
        published_at=ds.published_at,
        version=shown.version,
        fields=[FieldOut(**f) for f in shown.fields],
        versions=[VersionOut.model_validate(v, from_attributes=True) for v in ds.versions],
    )


def create_dataset(ctx: Ctx, actor: Actor, data: DatasetIn) -> DatasetOut:
    """A new catalog entry in draft, version 1; its resource code is assigned here."""
    provider = _provider(ctx, actor, data.provider_code)
    require(actor, Permission.DATASET_MANAGE, organization_id=provider.id)
    data = checked(DatasetIn, data)
    fields, grade = _validated(ctx, data)
    taken = ctx.db.scalar(
        select(Dataset.id).where(
            Dataset.provider_id == provider.id,
            Dataset.name == data.name.strip(),
            Dataset.status != "retired",
        )
    )
    if taken is not None:
        raise Conflict(
            f"{provider.name} already has a dataset named {data.name!r}", "name", data.name
        )
    now = ctx.now()
    ds = Dataset(
        resource_code=_next_resource_code(ctx, data.classification),
        provider=provider,
        status="draft",
        grade=grade,
        created_by=actor.label,
        created_at=now,
        updated_at=now,
    )
    _apply_metadata(ds, data)
    ds.versions = [
        DatasetVersion(version=1, status="draft", fields=fields, grade=grade, created_at=now)
    ]
    ctx.db.add(ds)
    ctx.db.flush()
    record(ctx, actor, "dataset.create", "dataset", ds.resource_code, {"name": ds.name})
    return to_out(ds)


def update_draft(ctx: Ctx, actor: Actor, resource_code: str, data: DatasetIn) -> DatasetOut:
    ds = find_dataset(ctx, resource_code)
    require(actor, Permission.DATASET_MANAGE, organization_id=ds.provider_id)
    data = checked(DatasetIn, data)
    version = latest_version(ds)
    if version.status not in EDITABLE:
        raise Conflict(
            f"version {version.version} is {version.status}; only a draft or a "
            "returned version can be edited",
            "status",
            version.status,
        )
    fields, grade = _validated(ctx, data)
    _apply_metadata(ds, data)
    version.fields = fields
    version.grade = grade
    if ds.published_version is None:
        ds.grade = grade
    ds.updated_at = ctx.now()
    record(ctx, actor, "dataset.update", "dataset", ds.resource_code, {"version": version.version})
    return to_out(ds)


def propose_version(
    ctx: Ctx, actor: Actor, resource_code: str, fields: list[FieldIn]
) -> DatasetOut:
    """A schema change of a published dataset: a new draft version; the old one stays live."""
    ds = find_dataset(ctx, resource_code)
    require(actor, Permission.DATASET_MANAGE, organization_id=ds.provider_id)
    latest = latest_version(ds)
    if latest.status in EDITABLE or latest.status == "submitted":
        raise Conflict(
            f"version {latest.version} is still {latest.status}; finish it first",
            "status",
            latest.status,
        )
    fields = checked(VersionIn, {"fields": fields}).fields
    data = DatasetIn.model_validate(
        {**_metadata_of(ds), "fields": [f.model_dump() for f in fields]}
    )
    stored, grade = _validated(ctx, data)
    version = DatasetVersion(
        version=latest.version + 1, status="draft", fields=stored, grade=grade, created_at=ctx.now()
    )
    ds.versions.append(version)
    ctx.db.flush()
    record(
        ctx, actor, "dataset.new_version", "dataset", ds.resource_code, {"version": version.version}
    )
    return to_out(ds, version)


def _metadata_of(ds: Dataset) -> dict[str, Any]:
    return {
        "name": ds.name,
        "name_en": ds.name_en,
        "abstract": ds.abstract,
        "provider_code": ds.provider.code,
        "classification": ds.resource_code.split("/")[0],
        "format": ds.format,
        "share_type": ds.share_type,
        "share_condition": ds.share_condition,
        "legal_basis": ds.legal_basis,
        "share_method": ds.share_method,
        "open_to_public": ds.open_to_public,
        "open_condition": ds.open_condition,
        "update_frequency": ds.update_frequency,
        "subject_type": ds.subject_type,
        "subject_field": ds.subject_field,
        "key_field": ds.key_field,
        "keywords": ds.keywords,
        "related_codes": ds.related_codes,
        "certificate_type": ds.certificate_type,
    }


def submit(ctx: Ctx, actor: Actor, resource_code: str) -> DatasetOut:
    ds = find_dataset(ctx, resource_code)
    require(actor, Permission.DATASET_MANAGE, organization_id=ds.provider_id)
    version = latest_version(ds)
    if version.status not in EDITABLE:
        raise Conflict(
            f"version {version.version} is {version.status}, not a draft", "status", version.status
        )
    version.status = "submitted"
    version.submitted_at = ctx.now()
    if ds.published_version is None:
        ds.status = "submitted"
    record(ctx, actor, "dataset.submit", "dataset", ds.resource_code, {"version": version.version})
    return to_out(ds)


def review(
    ctx: Ctx, actor: Actor, resource_code: str, *, approve: bool, comment: str | None = None
) -> DatasetOut:
    """The data bureau approves (publishes) or returns a submitted version."""
    require(actor, Permission.CATALOG_REVIEW)
    ds = find_dataset(ctx, resource_code)
    version = latest_version(ds)
    if version.status != "submitted":
        raise Conflict(
            f"version {version.version} is {version.status}, not submitted",
            "status",
            version.status,
        )
    if not approve and not (comment or "").strip():
        raise InvalidInput.one("comment", "say why the entry is returned", None, "required")
    checked(ReviewIn, {"approve": approve, "comment": comment})
    now = ctx.now()
    version.reviewed_at = now
    version.reviewed_by = actor.label
    version.review_comment = comment
    if approve:
        for v in ds.versions:
            if v.status == "published":
                v.status = "superseded"
        version.status = "published"
        ds.published_version = version.version
        ds.published_at = now
        ds.status = "published"
        ds.grade = version.grade
        index.reindex(ctx, ds, version.fields)
    else:
        version.status = "returned"
        if ds.published_version is None:
            ds.status = "draft"
    ds.updated_at = now
    record(
        ctx,
        actor,
        "dataset.publish" if approve else "dataset.return",
        "dataset",
        ds.resource_code,
        {"version": version.version, "comment": comment},
    )
    ctx.emit(
        "catalog.dataset.published" if approve else "catalog.dataset.returned",
        {"resource_code": ds.resource_code, "version": version.version},
    )
    return to_out(ds)


def retire(ctx: Ctx, actor: Actor, resource_code: str, reason: str) -> DatasetOut:
    ds = find_dataset(ctx, resource_code)
    require(actor, Permission.DATASET_MANAGE, organization_id=ds.provider_id)
    if not reason.strip():
        raise InvalidInput.one("reason", "say why the dataset is retired", None, "required")
    checked(RetireIn, {"reason": reason})
    ds.status = "retired"
    ds.updated_at = ctx.now()
    index.drop(ctx, ds)
    record(ctx, actor, "dataset.retire", "dataset", ds.resource_code, {"reason": reason})
    return to_out(ds)


def get_dataset(
    ctx: Ctx, actor: Actor, resource_code: str, version: int | None = None
) -> DatasetOut:
    require(actor, Permission.CATALOG_READ)
    ds = find_dataset(ctx, resource_code)
    if not _visible(actor, ds):
        raise NotFound("dataset", resource_code)
    if version is None:
        chosen = None
        if not can_manage(actor, ds) and ds.published_version is not None:
            chosen = next(v for v in ds.versions if v.version == ds.published_version)
        return to_out(ds, chosen)
    for v in ds.versions:
        if v.version == version:
            if v.status not in ("published", "superseded") and not (
                can_manage(actor, ds) or Permission.CATALOG_REVIEW in actor.permissions
            ):
                raise PermissionDenied(
                    Permission.DATASET_MANAGE.value,
                    "unpublished versions are visible to their provider and reviewers only",
                )
            return to_out(ds, v)
    raise NotFound("dataset version", f"{resource_code} v{version}")


def review_queue(ctx: Ctx, actor: Actor) -> list[DatasetOut]:
    require(actor, Permission.CATALOG_REVIEW)
    stmt = (
        select(Dataset)
        .join(DatasetVersion)
        .where(DatasetVersion.status == "submitted")
        .order_by(DatasetVersion.submitted_at)
    )
    return [to_out(ds) for ds in ctx.db.scalars(stmt).unique()]


def list_datasets(
    ctx: Ctx, actor: Actor, *, provider_code: str | None = None, status: str | None = None
) -> list[DatasetOut]:
    """Entries the actor may see: published ones, plus its own organization's drafts."""
    require(actor, Permission.CATALOG_READ)
    stmt = select(Dataset).order_by(Dataset.resource_code)
    if provider_code:
        org = referenced_organization(ctx, provider_code, "provider_code")
        stmt = stmt.where(Dataset.provider_id == org.id)
    if status:
        stmt = stmt.where(Dataset.status == status)
    return [to_out(ds) for ds in ctx.db.scalars(stmt) if _visible(actor, ds)]
