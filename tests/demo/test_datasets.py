"""Demo datasets: enough, realistic, bound to real data elements, published through the
catalog lifecycle, with rows that pass the ingest pipeline and name registered subjects."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from govbridge.catalog.models import Dataset
from govbridge.catalog.rules import BoundField, check_entry
from govbridge.catalog.schemas import DatasetIn
from govbridge.certificates.models import Certificate
from govbridge.core.grading import is_grade
from govbridge.demo import load as demo_load
from govbridge.demo.datasets import (
    COMPANY_GROUPS,
    DATASETS,
    DATASETS_BY_KEY,
    PERSON_GROUPS,
    SOURCES,
    catalog_entry,
    classification_of,
    generate_rows,
    subjects,
)
from govbridge.demo.departments import DEPARTMENTS, DEPARTMENTS_BY_KEY
from govbridge.demo.load import demo_world, load_demo_city
from govbridge.demo.people import company_at, person_at
from govbridge.identity import passwords
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.registry.models import Company, Person
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.validation import RuleViolation, compile_element
from govbridge.storage.meta import get_fact

SEED = 20261123
PERSONS = 200
COMPANIES = 60
ELEMENTS = {e.code: e for e in BUILTIN_ELEMENTS}
CERTIFICATES = {
    "营业执照", "居民户口簿", "居民身份证", "出生医学证明", "结婚证", "不动产权证书",
    "社会保障卡", "医师执业证书", "食品经营许可证", "建设工程规划许可证", "排污许可证",
    "安全生产许可证", "建设工程消防验收意见书", "道路运输经营许可证", "纳税证明",
    "无犯罪记录证明", "残疾人证", "最低生活保障证", "建筑施工企业资质证书", "药品经营许可证",
}  # fmt: skip


@pytest.fixture
def fast_passwords(monkeypatch):
    """Cheap argon2 parameters: the 28 demo accounts otherwise dominate a load's time."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(scope="module")
def world():
    return demo_world(SEED, 2_000, 400)


# --- the definitions -----------------------------------------------------------------------------


def test_enough_datasets_and_certificate_types():
    assert len(DATASETS) >= 60
    certificates = {d.name for d in DATASETS if d.certificate}
    assert len(certificates) >= 20
    assert certificates >= CERTIFICATES
    assert len(DATASETS_BY_KEY) == len(DATASETS), "keys must be unique"
    names = Counter((d.department, d.name) for d in DATASETS)
    assert max(names.values()) == 1, "a department publishes a name once"


def test_every_department_publishes():
    by_department = Counter(d.department for d in DATASETS)
    assert set(by_department) == set(DEPARTMENTS_BY_KEY)
    assert by_department["bureau"] >= 1 and by_department["js_bigdata"] >= 1


def test_sharing_types_subjects_and_frequencies_vary():
    share_types = Counter(d.share_type for d in DATASETS)
    assert set(share_types) == {"unconditional", "conditional", "none"}
    assert share_types["none"] >= 2
    assert {d.subject for d in DATASETS} == {"person", "enterprise"}
    assert len({d.update_frequency for d in DATASETS}) >= 4
    assert any(d.open_to_public for d in DATASETS)


def test_fields_bind_to_builtin_elements_with_grades_and_sources():
    for d in DATASETS:
        assert d.keywords and d.name_en.isascii() and len(d.abstract) >= 10, d.key
        names = [f.name for f in d.fields]
        assert len(set(names)) == len(names), d.key
        for f in d.fields:
            assert f.element in ELEMENTS, (d.key, f.name, f.element)
            assert is_grade(f.resolved_grade), (d.key, f.name)
            assert f.source.partition(":")[0] in SOURCES, (d.key, f.name, f.source)
        subject = d.fields[0]
        assert subject.required
        assert ELEMENTS[subject.element].subject_kind == d.subject, d.key
        groups = PERSON_GROUPS if d.subject == "person" else COMPANY_GROUPS
        assert d.who in groups, d.key
        assert 0 < d.share <= 1


def test_definitions_pass_the_catalog_rules():
    for d in DATASETS:
        entry = catalog_entry(d)
        DatasetIn(**entry)  # the typed input of create_dataset
        problems = check_entry(
            share_type=entry["share_type"],
            share_condition=entry["share_condition"],
            legal_basis=entry["legal_basis"],
            open_to_public=entry["open_to_public"],
            subject_type=entry["subject_type"],
            subject_field=entry["subject_field"],
            key_field=None,
            classification=entry["classification"],
            fields=[
                BoundField(f["name"], f["grade"], ELEMENTS[f["element"]].subject_kind)
                for f in entry["fields"]
            ],
        )
        assert problems == [], (d.key, problems)
        if d.share_type == "none":
            assert "《" in (d.legal_basis or ""), d.key
        assert classification_of(d)[0] == ("1" if d.base else "3")


# --- the rows ------------------------------------------------------------------------------------


def test_rows_pass_their_elements_checks(world):
    checkers = {code: compile_element(spec) for code, spec in ELEMENTS.items()}
    for d in DATASETS:
        seen: set[str] = set()
        for row in generate_rows(world, d):
            assert set(row) == {f.name for f in d.fields}
            key = row[d.subject_field]
            assert key not in seen, (d.key, key)  # one record per subject
            seen.add(key)
            for f in d.fields:
                value = row[f.name]
                if value is None:
                    assert not f.required, (d.key, f.name)
                    continue
                try:
                    checkers[f.element](value)
                except RuleViolation as exc:
                    pytest.fail(f"{d.key}.{f.name} = {value!r}: {exc.reason}")


def test_rows_are_about_the_registry_subjects_and_deterministic(world):
    person_ids = {p.id_number for p in world.persons}
    credit_codes = {c.credit_code for c in world.companies}
    for d in DATASETS:
        rows = list(generate_rows(world, d))
        known = person_ids if d.subject == "person" else credit_codes
        assert {r[d.subject_field] for r in rows} <= known, d.key
    again = demo_world(SEED, 2_000, 400)
    for key in ("household_register", "marriage_certificate", "business_licence"):
        d = DATASETS_BY_KEY[key]
        assert list(generate_rows(again, d)) == list(generate_rows(world, d))
    assert world.persons[0] == person_at(SEED, 0)
    assert world.companies[0] == company_at(SEED, 0, person_pool=2_000)


def test_household_register_covers_everyone_and_spouses_match(world):
    register = list(generate_rows(world, DATASETS_BY_KEY["household_register"]))
    assert [r["id_number"] for r in register] == [p.id_number for p in world.persons]
    marriages = {
        r["id_number"]: r for r in generate_rows(world, DATASETS_BY_KEY["marriage_certificate"])
    }
    assert marriages
    for row in marriages.values():
        spouse = marriages[row["spouse_id"]]
        assert spouse["spouse_id"] == row["id_number"]
        assert spouse["cert_no"] == row["cert_no"]
        assert spouse["registered"] == row["registered"]


def test_every_dataset_has_rows_in_the_default_city():
    city = demo_world(SEED, 10_000, 2_000)
    counts = {d.key: sum(1 for _ in subjects(city, d)) for d in DATASETS}
    assert min(counts.values()) >= 5, counts
    assert counts["household_register"] == 10_000
    assert counts["business_licence"] == 2_000
    # Modest: the default demo city stays quick to load.
    assert sum(counts.values()) < 150_000


# --- loading -------------------------------------------------------------------------------------


def _table_datasets(rt) -> int:
    """Datasets of the table's departments (later capabilities' demos add their own)."""
    codes = {d.code for d in DEPARTMENTS}
    with rt.context() as ctx:
        return sum(ds.provider.code in codes for ds in ctx.db.scalars(select(Dataset)))


def _counts(rt) -> tuple[int, int, int]:
    with rt.context() as ctx:
        return (
            ctx.db.scalar(select(func.count()).select_from(Dataset)) or 0,
            ctx.db.scalar(select(func.count()).select_from(DatasetRecord)) or 0,
            ctx.db.scalar(select(func.count()).select_from(IngestBatch)) or 0,
        )


def test_load_publishes_the_datasets_and_ingests_valid_rows(rt, fast_passwords):
    city = load_demo_city(rt, seed=SEED, persons=PERSONS, companies=COMPANIES)
    assert not city.reused
    assert city.datasets == len(DATASETS)
    assert city.rejected == 0
    assert city.records > PERSONS * 3
    with rt.context() as ctx:
        # the table's datasets, of the table's departments; the later capabilities' demos add
        # departments of their own with theirs (the privacy demo's hospitals, the emergency
        # demo's weather and water bureaus)
        table_departments = {d.code for d in DEPARTMENTS}
        published = [ds for ds in ctx.db.scalars(select(Dataset).where(
            Dataset.status == "published")) if ds.provider.code in table_departments]
        assert len(published) == len(DATASETS)
        assert sum(ds.certificate_type for ds in published) >= 20
        providers = {ds.provider.code for ds in published}
        assert providers == {d.code for d in DEPARTMENTS}
        assert ctx.db.scalar(select(func.count()).select_from(QuarantinedRow)) == 0
        # Besides the uploads, certificates issued by the demo cases' processes.
        batches = list(ctx.db.scalars(select(IngestBatch).where(
            IngestBatch.source == "upload", IngestBatch.dataset_id.in_([d.id for d in published]))))
        assert len(batches) == len(DATASETS)
        assert {b.source for b in batches} == {"upload"}
        assert sum(b.accepted for b in batches) == city.records
        assert all(b.created_by.startswith("user:officer.") for b in batches)

        register = ctx.db.scalar(select(Dataset).where(Dataset.name == "居民户口簿"))
        assert register is not None and register.certificate_type
        registered = set(ctx.db.scalars(select(Person.id_number)))
        rows = list(
            ctx.db.scalars(select(DatasetRecord).where(DatasetRecord.dataset_id == register.id))
        )
        assert {r.subject_id for r in rows} == registered
        citizen = person_at(SEED, 0)
        mine = next(r for r in rows if r.subject_id == citizen.id_number)
        assert mine.data["id_number"] == citizen.id_number
        assert mine.data["name"] == citizen.name
        assert mine.data["birth_date"] == citizen.birth_date.isoformat()

        licence = ctx.db.scalar(select(Dataset).where(Dataset.name == "营业执照"))
        assert licence is not None
        codes = set(
            ctx.db.scalars(
                select(DatasetRecord.subject_id).where(DatasetRecord.dataset_id == licence.id)
            )
        )
        # Every registered company, and the companies the demo's 企业开办 cases founded.
        founded = set(ctx.db.scalars(select(Certificate.holder_id)
                                     .where(Certificate.type_name == "营业执照")))
        assert codes == set(ctx.db.scalars(select(Company.credit_code))) | founded
        assert founded and not founded & set(ctx.db.scalars(select(Company.credit_code)))

    from govbridge.services.models import ServiceItem, ServiceItemVersion

    with rt.context() as ctx:  # the one-stop matters come with the city, processes imported
        items = set(ctx.db.scalars(select(ServiceItem.name)))
        assert {"企业开办", "新生儿出生一件事"} <= items and len(items) >= 3
        versions = ctx.db.scalar(select(func.count()).select_from(ServiceItemVersion))

    _check_demo_cases(rt)
    before = _counts(rt)
    again = load_demo_city(rt, seed=SEED, persons=PERSONS, companies=COMPANIES)
    assert again.reused
    assert (again.datasets, again.records) == (city.datasets, city.records)
    assert _counts(rt) == before
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(ServiceItemVersion)) == versions


def _check_demo_cases(rt) -> None:
    """The demo's cases: completed with every required material by sharing and the
    licence issued by the process, in progress, awaiting acceptance, overdue."""
    from govbridge.cases import usecases as cases
    from govbridge.cases.models import Case
    from govbridge.identity.actor import Actor

    bureau = Actor.operator("test")
    with rt.context() as ctx:  # the demo's live cases, not the year of generated history
        history = set(ctx.db.scalars(select(Case.code).where(Case.created_by == "history")))
        shown = {c.state: cases.timeline(ctx, bureau, c.code)
                 for c in cases.list_cases(ctx, bureau)
                 if not c.overdue and c.code not in history}
        overdue = [c for c in cases.overdue_cases(ctx, bureau) if c.code not in history]
    assert set(shown) == {"completed", "in_progress", "submitted"}
    done = shown["completed"]
    required = [m for m in done.materials if m.required and m.kind not in ("form",)]
    assert required and all(m.status == "fetched" and (m.source or "").startswith("exchange:")
                            for m in required)
    assert done.applicant_id == person_at(SEED, 0).id_number  # the demo citizen's own case
    assert [c.type_name for c in done.certificates] == ["营业执照"]
    assert shown["in_progress"].certificates and shown["in_progress"].current_steps
    assert len(overdue) == 1 and overdue[0].state == "in_progress"
    with rt.context() as ctx:
        events = [e.kind for e in cases.timeline(ctx, bureau, overdue[0].code).events]
    assert {"reminded", "escalated"} <= set(events)


def test_a_city_loaded_without_datasets_gets_them_once(rt, fast_passwords, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(demo_load, "_publish_datasets", lambda *a, **k: {})
        load_demo_city(rt, seed=SEED, persons=50, companies=10)
    assert _table_datasets(rt) == 0 and _counts(rt)[1:] == (0, 0)

    city = load_demo_city(rt, seed=SEED, persons=PERSONS, companies=COMPANIES)
    assert city.reused
    assert city.persons == 50  # the city's own numbers, not this call's
    assert city.datasets == len(DATASETS) and city.rejected == 0
    counts = _counts(rt)
    assert _table_datasets(rt) == len(DATASETS)
    with rt.context() as ctx:
        facts = json.loads(get_fact(ctx.db, demo_load.FACT) or "{}")
    assert facts["datasets"] == len(DATASETS)
    assert load_demo_city(rt).reused
    assert _counts(rt) == counts
