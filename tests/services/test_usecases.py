"""Service item use cases: definitions, BPMN versions, permissions, the holiday calendar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from bpmn_helpers import AMR, TAX, doc, flow, lane, linear
from govbridge.audit.models import AuditEvent
from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.services import usecases
from govbridge.services.engine import ProcessRun
from govbridge.services.schemas import HolidayIn, ServiceItemIn, ServiceItemUpdate


def two_step(second: str = "税务登记") -> str:
    return doc(
        '<bpmn:startEvent id="Begin"/><bpmn:userTask id="Task_A" name="审核"/>'
        f'<bpmn:userTask id="Task_B" name="{second}"/><bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Task_A") + flow("F2", "Task_A", "Task_B")
        + flow("F3", "Task_B", "Done"),
        lane(AMR, "Task_A") + lane(TAX, "Task_B"),
    )


def clerk() -> Actor:
    return Actor.for_user(user_id=3000, username="clerk", roles=frozenset({Role.CLERK}),
                          organization_id=None, subject_id=None)


def test_create_and_read_an_item(rt, make_item, departments):
    made = make_item(fee="12.50")
    assert made.status == "draft" and made.current_version is None
    assert made.lead_org_code == departments["amr"]
    assert made.participating_org_codes == [departments["tax"]]
    assert made.fee == Decimal("12.50") and made.departments == []
    with rt.context() as ctx:
        assert usecases.get_service_item(ctx, clerk(), made.code.lower()).name == "测试事项"
        assert [i.code for i in usecases.list_service_items(ctx, clerk())] == [made.code]
        assert usecases.list_service_items(ctx, clerk(), org_code=departments["tax"])
        assert usecases.list_service_items(ctx, clerk(), org_code=departments["psb"]) == []
        assert usecases.list_service_items(ctx, clerk(), status="published") == []
        actions = ctx.db.scalars(select(AuditEvent.action)).all()
    assert "service.create" in actions


def test_bad_definitions_are_refused(rt, make_item, departments):
    make_item()
    with pytest.raises(Conflict):
        make_item()
    with pytest.raises(InvalidInput, match="promised_days"):
        make_item(code="X-QY-002", promised_days=30, legal_days=20)
    with pytest.raises(InvalidInput, match="lead_org_code"):
        make_item(code="X-QY-003", lead_org_code="91350100M000100Y43")
    with pytest.raises(InvalidInput, match="appears twice"):
        make_item(code="X-QY-004", materials=[{"key": "a", "name": "A", "kind": "form"},
                                                {"key": "a", "name": "B", "kind": "upload"}])
    with pytest.raises(InvalidInput, match="no dataset in the catalog"):
        make_item(code="X-QY-005", materials=[{"key": "a", "name": "A", "kind": "certificate",
                                                "resource_code": "NOPE"}])
    with pytest.raises(ValueError, match="resource_code is for materials"):
        ServiceItemIn(code="X-QY-006", name="x", lead_org_code=departments["amr"],
                      promised_days=1, legal_days=2,
                      materials=[{"key": "a", "name": "A", "kind": "form",  # type: ignore[list-item]
                                  "resource_code": "R"}])


def test_materials_bind_catalog_datasets(rt, make_item, departments, entry, elements):
    with rt.context() as ctx:
        amr_id = ctx.db.scalar(select(Organization.id)
                               .where(Organization.code == departments["amr"]))
    officer = Actor.for_user(user_id=3001, username="officer", roles=frozenset({Role.DATA_OFFICER}),
                             organization_id=amr_id, subject_id=None)
    with rt.context() as ctx:
        licence = catalog.create_dataset(ctx, officer, DatasetIn(**entry(name="营业执照")))
        plain = catalog.create_dataset(ctx, officer, DatasetIn(**entry(
            name="市场主体登记信息", certificate_type=False)))
    made = make_item(materials=[
        {"key": "licence", "name": "营业执照", "kind": "certificate",
         "resource_code": licence.resource_code},
        {"key": "entities", "name": "市场主体登记信息", "kind": "dataset",
         "resource_code": plain.resource_code},
    ])
    assert [m.resource_code for m in made.materials] == [licence.resource_code,
                                                          plain.resource_code]
    with pytest.raises(InvalidInput, match="not a certificate type"):
        make_item(code="X-QY-010", materials=[{"key": "e", "name": "E", "kind": "certificate",
                                                "resource_code": plain.resource_code}])


def test_only_the_bureau_manages_items(rt, make_item, departments):
    item = make_item()
    officer = Actor.for_user(user_id=3002, username="cdo", roles=frozenset({Role.DATA_OFFICER}),
                             organization_id=1, subject_id=None)
    with rt.context() as ctx:
        for actor in (clerk(), officer):
            with pytest.raises(PermissionDenied, match=r"service\.manage"):
                usecases.create_service_item(ctx, actor, ServiceItemIn(
                    code="X-QY-099", name="x", lead_org_code=departments["amr"],
                    promised_days=1, legal_days=2))
            with pytest.raises(PermissionDenied):
                usecases.import_bpmn(ctx, actor, item.code, linear())
            with pytest.raises(PermissionDenied):
                usecases.update_service_item(ctx, actor, item.code, ServiceItemUpdate(name="y"))
            with pytest.raises(PermissionDenied):
                usecases.set_holiday(ctx, actor, HolidayIn(day=date(2026, 10, 1), kind="holiday",
                                                           name="国庆节"))


def test_imports_make_versions_and_a_run_keeps_its_version(rt, make_item, bureau):
    item = make_item()
    with rt.context() as ctx:
        v1 = usecases.import_bpmn(ctx, bureau, item.code, two_step("税务登记"))
        assert (v1.version, v1.current) == (1, True)
        assert v1.departments == [AMR.code, TAX.code]
        again = usecases.import_bpmn(ctx, bureau, item.code, two_step("税务登记"))
        assert again.version == 1  # the same document again: no new version
        version, run = usecases.start_process(ctx, item.code)
    assert version == 1
    run.complete(run.ready_tasks()[0].id)
    stored = run.to_json()  # a case would keep this and the version number
    with rt.context() as ctx:
        v2 = usecases.import_bpmn(ctx, bureau, item.code, two_step("税务登记（新流程）").encode())
        assert v2.version == 2
        versions = usecases.list_versions(ctx, bureau, item.code)
        assert [(v.version, v.current) for v in versions] == [(1, False), (2, True)]
        assert usecases.get_service_item(ctx, bureau, item.code).current_version == 2
        assert "税务登记（新流程）" in (usecases.get_version(ctx, bureau, item.code).bpmn_xml or "")
        assert "新流程" not in (usecases.get_version(ctx, bureau, item.code, 1).bpmn_xml or "")
        _, new_run = usecases.start_process(ctx, item.code)
    new_run.complete(new_run.ready_tasks()[0].id)
    assert new_run.ready_tasks()[0].name == "税务登记（新流程）"
    old = ProcessRun.from_json(stored)
    [task] = old.ready_tasks()
    assert (task.name, task.department) == ("税务登记", TAX.code)
    old.complete(task.id)
    assert old.finished


def test_import_refuses_bad_bpmn_and_stray_departments(rt, make_item, bureau, departments):
    item = make_item(participating_org_codes=[])
    with rt.context() as ctx:
        with pytest.raises(InvalidInput, match="neither the lead nor a participating") as caught:
            usecases.import_bpmn(ctx, bureau, item.code, two_step())
        assert caught.value.problems[0].value == TAX.code
        with pytest.raises(InvalidInput, match="malformed XML at line"):
            usecases.import_bpmn(ctx, bureau, item.code, "<bpmn:definitions")
        with pytest.raises(NotFound):
            usecases.import_bpmn(ctx, bureau, "NO-SUCH-ITEM", linear())
        with pytest.raises(NotFound):
            usecases.get_version(ctx, bureau, item.code)
        assert usecases.list_versions(ctx, bureau, item.code) == []


def test_publish_needs_a_process(rt, make_item, bureau, departments):
    item = make_item()
    with rt.context() as ctx:
        with pytest.raises(Conflict, match="import the item's BPMN"):
            usecases.update_service_item(ctx, bureau, item.code,
                                         ServiceItemUpdate(status="published"))
        usecases.import_bpmn(ctx, bureau, item.code, linear())
        done = usecases.update_service_item(ctx, bureau, item.code, ServiceItemUpdate(
            status="published", name="新名称", promised_days=2, fee=Decimal("5")))
        assert (done.status, done.name, done.promised_days, done.fee) == (
            "published", "新名称", 2, Decimal(5))
        assert done.process_id == "Process_1" and done.departments == [AMR.code]
        with pytest.raises(InvalidInput, match="promised_days"):
            usecases.update_service_item(ctx, bureau, item.code,
                                         ServiceItemUpdate(legal_days=1))
        # the process's department must stay among the item's departments
        with pytest.raises(InvalidInput, match="neither the lead"):
            usecases.update_service_item(ctx, bureau, item.code, ServiceItemUpdate(
                lead_org_code=departments["psb"]))


def test_the_holiday_calendar_moves_promised_deadlines(rt, make_item, bureau):
    item = make_item(promised_days=3)
    with rt.context() as ctx:
        # Thursday 2026-10-01 accepted: Fri 2, Mon 5, Tue 6 without holidays
        assert usecases.promised_due(ctx, item.code, date(2026, 10, 1)) == date(2026, 10, 6)
        for d in (2, 5, 6, 7):
            usecases.set_holiday(ctx, bureau, HolidayIn(day=date(2026, 10, d), kind="holiday",
                                                        name="国庆节"))
        usecases.set_holiday(ctx, bureau, HolidayIn(day=date(2026, 10, 10), kind="workday",
                                                    name="国庆节调休"))
        # working days: Thu 8, Fri 9, Sat 10 (make-up)
        assert usecases.promised_due(ctx, item.code, date(2026, 10, 1)) == date(2026, 10, 10)
        # a day changes kind in place
        usecases.set_holiday(ctx, bureau, HolidayIn(day=date(2026, 10, 7), kind="workday",
                                                    name="调休"))
        listed = usecases.list_holidays(ctx, clerk(), 2026)
        assert [(h.day.day, h.kind) for h in listed] == [
            (2, "holiday"), (5, "holiday"), (6, "holiday"), (7, "workday"), (10, "workday")]
        assert usecases.list_holidays(ctx, clerk(), 2025) == []
        usecases.remove_holiday(ctx, bureau, date(2026, 10, 10))
        with pytest.raises(NotFound):
            usecases.remove_holiday(ctx, bureau, date(2026, 10, 10))
        cal = usecases.calendar(ctx)
    assert not cal.is_working_day(date(2026, 10, 2)) and cal.is_working_day(date(2026, 10, 7))


def test_a_version_is_parsed_once_and_a_new_version_or_mapping_anew(rt, make_item, bureau,
                                                                    monkeypatch):
    parsed: list[str] = []
    real = usecases.load_spec

    def counting(xml, lane_map=None):
        parsed.append(xml)
        return real(xml, lane_map)

    monkeypatch.setattr(usecases, "load_spec", counting)
    monkeypatch.setattr(usecases, "_specs", type(usecases._specs)())  # none parsed yet
    item = make_item()
    with rt.context() as ctx:
        usecases.import_bpmn(ctx, bureau, item.code, two_step("税务登记"))
        first = [usecases.start_process(ctx, item.code)[1] for _ in range(3)]
    assert len(parsed) == 1  # three runs, one parse
    assert first[0].workflow is not first[1].workflow  # each run is its own
    first[0].complete(first[0].ready_tasks()[0].id)
    assert [t.name for t in first[1].ready_tasks()] == ["审核"]  # runs share no state
    with rt.context() as ctx:
        usecases.import_bpmn(ctx, bureau, item.code, two_step("税务登记（新流程）"))
        _, run = usecases.start_process(ctx, item.code)
        _, old = usecases.start_process(ctx, item.code, 1)
    assert len(parsed) == 2  # the new version is parsed; version 1 is still known
    run.complete(run.ready_tasks()[0].id)
    assert run.ready_tasks()[0].name == "税务登记（新流程）"
    old.complete(old.ready_tasks()[0].id)
    assert old.ready_tasks()[0].name == "税务登记"


def test_the_spec_cache_keys_on_content_and_lanes_and_is_bounded(monkeypatch):
    monkeypatch.setattr(usecases, "SPEC_CACHE_LIMIT", 2)
    monkeypatch.setattr(usecases, "_specs", type(usecases._specs)())
    one, two = two_step("甲"), two_step("乙")
    a = usecases.loaded_spec(7, one, {})
    assert usecases.loaded_spec(7, one, {}) is a
    assert usecases.loaded_spec(7, two, {}) is not a  # same row id, other XML: parsed
    mapped = usecases.loaded_spec(7, one, {"审核": AMR.code})
    assert mapped is not a
    assert len(usecases._specs) == 2  # the oldest (7, one, {}) was forgotten
    assert usecases.loaded_spec(7, one, {}) is not a
