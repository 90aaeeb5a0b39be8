"""Load the demo city into a database: departments, people, companies, accounts.

Loading is one transaction and leaves a fact behind, so a second run finds the
city already there and reuses it instead of loading it twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from itertools import chain, islice
from typing import Any, Protocol

from sqlalchemy import insert

from govbridge.core.permissions import Role
from govbridge.demo.accounts import DEMO_PASSWORD, DemoAccount, demo_accounts
from govbridge.demo.departments import DEPARTMENTS
from govbridge.demo.people import iter_companies, iter_persons
from govbridge.identity import organizations, users
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import OrganizationCreate, UserCreate
from govbridge.registry.models import Company, Person
from govbridge.runtime import Runtime
from govbridge.storage.meta import get_fact, set_fact

FACT = "demo.city"
DEFAULT_SEED = 20261123
CHUNK = 5000


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
    accounts = demo_accounts(seed)
    with rt.context() as ctx:
        existing = get_fact(ctx.db, FACT)
        if existing is not None:
            facts = json.loads(existing)
            return DemoCity(
                seed=facts["seed"],
                persons=facts["persons"],
                companies=facts["companies"],
                departments=facts["departments"],
                accounts=demo_accounts(facts["seed"]),
                password=DEMO_PASSWORD,
                reused=True,
            )
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
            users.create_user(
                ctx,
                actor,
                UserCreate(
                    username=acc.username,
                    display_name=acc.display_name,
                    password=DEMO_PASSWORD,
                    roles=[Role(r) for r in acc.roles],
                    organization_code=codes[acc.department_key] if acc.department_key else None,
                    subject_id=acc.subject_id,
                ),
                totp_secret=acc.totp_secret,
            )
            progress.advance(1)
        set_fact(
            ctx.db,
            FACT,
            json.dumps(
                {
                    "seed": seed,
                    "persons": persons,
                    "companies": companies,
                    "departments": len(DEPARTMENTS),
                }
            ),
        )
    return DemoCity(
        seed=seed,
        persons=persons,
        companies=companies,
        departments=len(DEPARTMENTS),
        accounts=accounts,
        password=DEMO_PASSWORD,
        reused=False,
    )


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
