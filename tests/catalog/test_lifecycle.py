"""Catalog entries: validation, derived grade, draft → review → published → versions."""

from __future__ import annotations

import pytest

from govbridge.catalog import usecases
from govbridge.catalog.schemas import DatasetIn, FieldIn
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor


def _create(rt, actor, data):
    with rt.context() as ctx:
        return usecases.create_dataset(ctx, actor, DatasetIn(**data))


def _problems(exc) -> dict[str, str]:
    return {p.field: p.code for p in exc.value.problems}


def test_draft_gets_code_version_and_derived_grade(rt, provider, entry):
    made = _create(rt, provider["officer"], entry())
    assert made.status == "draft" and made.version == 1
    assert made.resource_code == "301001001/000001"
    assert made.grade == "important"  # 就高从严: the ID field's grade, not entered by hand
    assert made.provider_code == provider["code"]
    second = _create(rt, provider["officer"], entry(name="另一个数据集"))
    assert second.resource_code == "301001001/000002"


def test_every_problem_is_named(rt, provider, entry, elements):
    data = entry(share_type="none", legal_basis=None, subject_field="legal_rep")
    data["fields"][1]["grade"] = None
    data["fields"][2]["element"] = "DE9999"
    with pytest.raises(InvalidInput) as exc:
        _create(rt, provider["officer"], data)
    problems = _problems(exc)
    assert problems["legal_basis"] == "required"
    assert problems["fields[1].grade"] == "required"
    assert problems["fields[2].element"] == "unknown"
    assert problems["subject_field"] == "element"


def test_conditional_needs_condition_and_public_needs_low_grade(rt, provider, entry):
    with pytest.raises(InvalidInput) as exc:
        _create(rt, provider["officer"], entry(share_type="conditional", open_to_public=True))
    problems = _problems(exc)
    assert problems["share_condition"] == "required"
    assert problems["open_to_public"] == "grade"


def test_unknown_grade_and_duplicate_field(rt, provider, entry):
    data = entry()
    data["fields"][0]["grade"] = "secret"
    data["fields"][1]["name"] = "credit_code"
    with pytest.raises(InvalidInput) as exc:
        _create(rt, provider["officer"], data)
    problems = _problems(exc)
    assert problems["fields[0].grade"] == "unknown"
    assert problems["fields[1].name"] == "duplicate"
    assert "secret" not in " ".join(p.reason for p in exc.value.problems)


def test_review_publishes_or_returns(rt, provider, admin, entry):
    made = _create(rt, provider["officer"], entry())
    code = made.resource_code
    with rt.context() as ctx:
        usecases.submit(ctx, provider["officer"], code)
        assert [d.resource_code for d in usecases.review_queue(ctx, admin)] == [code]
    with rt.context() as ctx, pytest.raises(InvalidInput):
        usecases.review(ctx, admin, code, approve=False)
    with rt.context() as ctx:
        returned = usecases.review(ctx, admin, code, approve=False, comment="补充共享条件")
    assert returned.status == "draft" and returned.versions[0].status == "returned"
    with rt.context() as ctx:
        usecases.update_draft(
            ctx, provider["officer"], code, DatasetIn(**entry(abstract="已补充。"))
        )
        usecases.submit(ctx, provider["officer"], code)
        published = usecases.review(ctx, admin, code, approve=True)
    assert published.status == "published" and published.published_version == 1


def test_schema_change_is_a_new_version_and_old_stays_readable(
    rt, provider, admin, entry, publish, elements
):
    code = publish(entry()).resource_code
    fields = [FieldIn(**f) for f in entry()["fields"]]
    fields.append(
        FieldIn(name="mobile", title="联系电话", element=elements["mobile"], grade="general-3")
    )
    with rt.context() as ctx:
        v2 = usecases.propose_version(ctx, provider["officer"], code, fields)
    assert v2.version == 2 and v2.published_version == 1
    consumer = Actor.for_user(
        user_id=7,
        username="c",
        roles=frozenset({Role.CLERK}),
        organization_id=None,
        subject_id=None,
    )
    with rt.context() as ctx:
        seen = usecases.get_dataset(ctx, consumer, code)
    assert seen.version == 1 and len(seen.fields) == 4
    with rt.context() as ctx:
        usecases.submit(ctx, provider["officer"], code)
        usecases.review(ctx, admin, code, approve=True)
        now = usecases.get_dataset(ctx, consumer, code)
        old = usecases.get_dataset(ctx, consumer, code, version=1)
    assert now.version == 2 and len(now.fields) == 5
    assert [v.status for v in now.versions] == ["superseded", "published"]
    assert old.version == 1 and len(old.fields) == 4


def test_permissions(rt, provider, entry, make_org):
    other_org = make_org(name="苏州市税务局")
    from govbridge.identity.organizations import org_by_code

    with rt.context() as ctx:
        other_id = org_by_code(ctx, other_org).id
    stranger = Actor.for_user(
        user_id=8,
        username="officer.tax",
        roles=frozenset({Role.DATA_OFFICER}),
        organization_id=other_id,
        subject_id=None,
    )
    made = _create(rt, provider["officer"], entry())
    with rt.context() as ctx, pytest.raises(PermissionDenied) as exc:
        usecases.submit(ctx, stranger, made.resource_code)
    assert exc.value.permission == "dataset.manage"
    with rt.context() as ctx, pytest.raises(NotFound):
        usecases.get_dataset(ctx, stranger, made.resource_code)  # drafts are not shown
    with rt.context() as ctx, pytest.raises(PermissionDenied) as exc:
        usecases.review(ctx, provider["officer"], made.resource_code, approve=True)
    assert exc.value.permission == "catalog.review"
    clerk = Actor.for_user(
        user_id=9,
        username="clerk",
        roles=frozenset({Role.CLERK}),
        organization_id=provider["id"],
        subject_id=None,
    )
    with pytest.raises(PermissionDenied):
        _create(rt, clerk, entry(name="x数据"))


def test_duplicate_name_within_provider(rt, provider, entry):
    _create(rt, provider["officer"], entry())
    with pytest.raises(Conflict):
        _create(rt, provider["officer"], entry())


def test_retired_leaves_the_catalog_search(rt, provider, entry, publish):
    from govbridge.catalog import search

    code = publish(entry()).resource_code
    with rt.context() as ctx:
        usecases.retire(ctx, provider["officer"], code, "停止维护")
        result = search.search(ctx, provider["officer"], "营业执照")
    assert result.total == 0
