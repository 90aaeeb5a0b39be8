"""Load the demo city into a database: departments, people, companies, accounts, and the
datasets the departments publish with their rows.

Loading is one transaction and leaves a fact behind, so a second run finds the
city already there and reuses it instead of loading it twice. A city loaded before
the datasets existed (its fact names no datasets) gets them on the next run.

Datasets go through the catalog's real lifecycle (created and submitted by the
department's data officer, approved by the bureau admin) and their rows through the
ingest pipeline, like any upload.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from itertools import chain, islice
from typing import Any, Protocol

from sqlalchemy import insert, select

from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.permissions import Role
from govbridge.demo.accounts import (
    DEMO_PASSWORD,
    DemoAccount,
    capability_accounts,
    demo_accounts,
)
from govbridge.demo.datasets import DATASETS, DemoWorld, catalog_entry, generate_rows, subjects
from govbridge.demo.departments import DEPARTMENTS, department
from govbridge.demo.people import iter_companies, iter_persons
from govbridge.identity import organizations, users
from govbridge.identity.actor import Actor
from govbridge.identity.models import User
from govbridge.identity.schemas import OrganizationCreate, UserCreate
from govbridge.registry.models import Company, Person
from govbridge.runtime import Ctx, Runtime
from govbridge.standards.usecases import seed_builtin_elements
from govbridge.storage.meta import get_fact, set_fact

FACT = "demo.city"
DEFAULT_SEED = 20261123
CHUNK = 5000
# Dataset rows are generated for the first persons and companies only, so a city grown
# for load tests (--persons 1000000) still loads its datasets in seconds.
DATA_PERSONS = 10_000
DATA_COMPANIES = 2_000


class Progress(Protocol):
    def start(self, label: str, total: int) -> None: ...

    def advance(self, n: int) -> None: ...


class _Silent:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


@dataclass(frozen=True)
class DemoCity:
    seed: int
    persons: int
    companies: int
    departments: int
    accounts: list[DemoAccount]
    password: str
    reused: bool
    datasets: int = 0
    records: int = 0  # rows accepted by the ingest pipeline (this run, or the first)
    rejected: int = 0


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    # dataclasses.asdict deep-copies and costs as much as generating the record.
    names = [f.name for f in fields(first)]
    it = chain([first], it)
    while chunk := [{n: getattr(r, n) for n in names} for r in islice(it, size)]:
        yield chunk


def load_demo_city(
    rt: Runtime,
    *,
    seed: int = DEFAULT_SEED,
    persons: int = 10_000,
    companies: int = 2_000,
    progress: Progress | None = None,
) -> DemoCity:
    progress = progress or _Silent()
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
        existing = get_fact(ctx.db, FACT)
        if existing is not None:
            facts = json.loads(existing)
            if "datasets" not in facts:  # loaded before the demo published datasets
                facts.update(
                    _publish_datasets(
                        ctx, facts["seed"], facts["persons"], facts["companies"], progress
                    )
                )
                set_fact(ctx.db, FACT, json.dumps(facts))
            city = _city(facts, reused=True)
        else:
            _load_city(ctx, seed, persons, companies, progress)
            facts = {
                "seed": seed,
                "persons": persons,
                "companies": companies,
                "departments": len(DEPARTMENTS),
            }
            facts.update(_publish_datasets(ctx, seed, persons, companies, progress))
            set_fact(ctx.db, FACT, json.dumps(facts))
            city = _city(facts, reused=False)
    # The one-stop service items and their processes (idempotent: a re-run adds nothing).
    from govbridge.demo.cases import load_demo_cases
    from govbridge.demo.services import load_demo_services

    load_demo_services(rt)
    load_demo_cases(rt, seed)
    from govbridge.demo.emergency import load_demo_emergency

    load_demo_emergency(rt, seed)
    from govbridge.demo.privacy import load_demo_privacy

    load_demo_privacy(rt, seed)
    from govbridge.demo.tasks import load_demo_tasks

    load_demo_tasks(rt, seed)
    from govbridge.demo.governance import load_demo_governance

    load_demo_governance(rt, seed)
    with rt.context() as ctx:  # the capabilities' own accounts (weather bureau, hospitals, ...)
        return replace(city, accounts=city.accounts + capability_accounts(ctx, city.accounts))


def _city(facts: dict[str, Any], *, reused: bool) -> DemoCity:
    return DemoCity(
        seed=facts["seed"],
        persons=facts["persons"],
        companies=facts["companies"],
        departments=facts["departments"],
        accounts=demo_accounts(facts["seed"]),
        password=DEMO_PASSWORD,
        reused=reused,
        datasets=facts.get("datasets", 0),
        records=facts.get("records", 0),
        rejected=facts.get("rejected", 0),
    )


def _load_city(ctx: Ctx, seed: int, persons: int, companies: int, progress: Progress) -> None:
    accounts = demo_accounts(seed)
    actor = Actor.operator("demo-loader")
    codes = {d.key: d.code for d in DEPARTMENTS}
    progress.start("departments", len(DEPARTMENTS))
    for dept in _parents_first(DEPARTMENTS):
        organizations.create_organization(
            ctx,
            actor,
            OrganizationCreate(
                code=dept.code,
                name=dept.name,
                name_en=dept.name_en,
                level=dept.level,  # type: ignore[arg-type]
                vertically_managed=dept.vertically_managed,
                division_code=dept.division_code,
                parent_code=codes[dept.parent_key] if dept.parent_key else None,
            ),
        )
        progress.advance(1)

    progress.start("persons", persons)
    for chunk in _chunks(iter_persons(seed, persons), CHUNK):
        ctx.db.execute(insert(Person), chunk)
        progress.advance(len(chunk))
    progress.start("companies", companies)
    for chunk in _chunks(iter_companies(seed, companies, person_pool=persons), CHUNK):
        ctx.db.execute(insert(Company), chunk)
        progress.advance(len(chunk))

    progress.start("accounts", len(accounts))
    for acc in accounts:
        create_account(ctx, actor, acc)
        progress.advance(1)


def create_account(ctx: Ctx, actor: Actor, acc: DemoAccount) -> None:
    """One demo account, with the demo password and its TOTP secret."""
    users.create_user(
        ctx,
        actor,
        UserCreate(
            username=acc.username,
            display_name=acc.display_name,
            password=DEMO_PASSWORD,
            roles=[Role(r) for r in acc.roles],
            organization_code=department(acc.department_key).code if acc.department_key
            else None,
            subject_id=acc.subject_id,
        ),
        totp_secret=acc.totp_secret,
    )


def _staff_actor(ctx: Ctx, username: str, role: Role) -> Actor:
    """The demo account `username` acting in `role` (accounts are created by the loader)."""
    user = ctx.db.scalar(select(User).where(User.username == username))
    if user is None:  # pragma: no cover - the loader creates every demo account
        raise LookupError(f"demo account {username} is missing")
    return Actor.for_user(
        user_id=user.id,
        username=user.username,
        roles=frozenset({role}),
        organization_id=user.organization_id,
        subject_id=None,
    )


def demo_world(seed: int, persons: int, companies: int) -> DemoWorld:
    """The persons and companies dataset rows are about: the registry's first ones."""
    return DemoWorld(
        seed,
        list(iter_persons(seed, min(persons, DATA_PERSONS))),
        list(islice(iter_companies(seed, companies, person_pool=persons), DATA_COMPANIES)),
    )


def _publish_datasets(
    ctx: Ctx, seed: int, persons: int, companies: int, progress: Progress
) -> dict[str, int]:
    """Publish every demo dataset through the catalog lifecycle and ingest its rows."""
    from govbridge.ingest.pipeline import ingest_rows  # the ingest domain loads lazily

    admin = _staff_actor(ctx, "admin", Role.BUREAU_ADMIN)
    officers = {
        d.key: _staff_actor(ctx, f"officer.{d.key}", Role.DATA_OFFICER) for d in DEPARTMENTS
    }
    progress.start("datasets", len(DATASETS))
    published: list[str] = []
    for d in DATASETS:
        officer = officers[d.department]
        made = catalog.create_dataset(ctx, officer, DatasetIn(**catalog_entry(d)))
        catalog.submit(ctx, officer, made.resource_code)
        catalog.review(ctx, admin, made.resource_code, approve=True, comment="演示城市数据目录")
        published.append(made.resource_code)
        progress.advance(1)

    world = demo_world(seed, persons, companies)
    chosen = [list(subjects(world, d)) for d in DATASETS]
    progress.start("records", sum(len(c) for c in chosen))
    accepted = rejected = 0
    for d, code, subs in zip(DATASETS, published, chosen, strict=True):
        # The content is a function of these, so this names it as well as a hash of the rows.
        content = f"govbridge-demo:{seed}:{persons}:{companies}:{d.key}"
        report = ingest_rows(
            ctx,
            officers[d.department],
            code,
            generate_rows(world, d, subs),
            source="upload",
            content_sha256=hashlib.sha256(content.encode()).hexdigest(),
            filename=f"{d.key}.json",
        )
        accepted += report.accepted
        rejected += report.rejected
        progress.advance(len(subs))
    return {"datasets": len(published), "records": accepted, "rejected": rejected}


def _parents_first(depts: Iterable[Any]) -> list[Any]:
    ordered: list[Any] = []
    placed: set[str] = set()
    pending = list(depts)
    while pending:
        ready = [d for d in pending if d.parent_key is None or d.parent_key in placed]
        if not ready:
            raise ValueError("department parents form a cycle")
        for d in ready:
            ordered.append(d)
            placed.add(d.key)
        pending = [d for d in pending if d.key not in placed]
    return ordered
