"""The demo's three cross-department matters load once, with their processes and materials."""

from __future__ import annotations

from sqlalchemy import select

from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.permissions import Role
from govbridge.demo.departments import department
from govbridge.demo.services import SERVICES, demo_service, load_demo_services
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.services import usecases


def test_demo_services_load_idempotently(rt, departments, operator):
    first = load_demo_services(rt)
    assert len(first.created) == 3 == len(SERVICES)
    again = load_demo_services(rt)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 3
    with rt.context() as ctx:
        items = {i.name: i for i in usecases.list_service_items(ctx, operator)}
        assert set(items) == {"企业开办", "新生儿出生一件事", "工程建设项目竣工联合验收"}
        for item in items.values():
            assert item.status == "published" and item.current_version == 1
            assert [v.version for v in usecases.list_versions(ctx, operator, item.code)] == [1]
        opening = items["企业开办"]
        assert opening.code == f"{department('amr').code}-QY-001"
        assert opening.lead_org_code == department("amr").code
        assert set(opening.departments) == {department(k).code
                                            for k in ("amr", "tax", "psb", "hrss")}
        newborn = items["新生儿出生一件事"]
        assert {m.name for m in newborn.materials} >= {"出生医学证明", "居民户口簿"}
        assert all(m.resource_code is None for m in newborn.materials)  # no catalog here
        _, run = usecases.start_process(ctx, newborn.code)
    assert run.ready_tasks()[0].department == department("health").code


def test_demo_materials_bind_the_catalogs_certificate_types(rt, departments, entry, elements):
    load_demo_services(rt)
    with rt.context() as ctx:
        amr_id = ctx.db.scalar(select(Organization.id)
                               .where(Organization.code == departments["amr"]))
    officer = Actor.for_user(user_id=4000, username="cdo.amr", roles=frozenset({Role.DATA_OFFICER}),
                             organization_id=amr_id, subject_id=None)
    with rt.context() as ctx:
        licence = catalog.create_dataset(ctx, officer, DatasetIn(**entry(name="营业执照")))
    report = load_demo_services(rt)
    acceptance = demo_service("GC-001").code
    assert report.updated == [acceptance]
    with rt.context() as ctx:
        item = usecases.get_service_item(ctx, officer, acceptance)
    bound = {m.key: m.resource_code for m in item.materials}
    assert bound["builder_licence"] == licence.resource_code
    assert bound["planning_permit"] is None
