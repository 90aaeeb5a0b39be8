"""The bureau-wide data quality table and "measure now"."""

from __future__ import annotations

from govbridge.catalog import usecases
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.ingest.pipeline import ingest_rows
from ingest_helpers import licence_row

from .conftest import csrf_of

OPERATOR = Actor.operator("test")


def _published(rt, entry, org_code: str) -> str:
    with rt.context() as ctx:
        made = usecases.create_dataset(ctx, OPERATOR, DatasetIn(**entry(provider_code=org_code)))
        usecases.submit(ctx, OPERATOR, made.resource_code)
        code = usecases.review(ctx, OPERATOR, made.resource_code, approve=True).resource_code
        ingest_rows(ctx, OPERATOR, code, [licence_row(1), licence_row(2)], source="rest")
    return code


def test_officer_measures_its_dataset_and_the_table_shows_scores(rt, signed_in, entry,
                                                                 org_code):
    code = _published(rt, entry, org_code)
    web, _ = signed_in(Role.DATA_OFFICER)
    table = web.get("/quality")
    assert table.status_code == 200 and 'data-nav="quality"' in table.text
    assert f'data-code="{code}"' in table.text and "尚未检测" in table.text
    ran = web.post("/quality/run", data={"resource_code": code,
                                         "csrf_token": csrf_of(table.text)},
                   follow_redirects=False)
    assert ran.status_code == 303 and ran.headers["location"] == f"/catalog/{code}"
    after = web.get("/quality?lang=en")
    assert "not yet measured" not in after.text and "Measure now" in after.text


def test_measuring_needs_the_csrf_token_and_the_right_department(rt, signed_in, entry,
                                                                 make_org):
    other = make_org("苏州市民政局")
    code = _published(rt, entry, other)
    web, _ = signed_in(Role.DATA_OFFICER)
    forged = web.post("/quality/run", data={"resource_code": code, "csrf_token": "x"},
                      follow_redirects=False)
    assert forged.status_code in (400, 403)
    page = web.get("/quality")
    refused = web.post("/quality/run", data={"resource_code": code,
                                             "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 200 and 'data-testid="error"' in refused.text


def test_roles_without_quality_read_are_refused(signed_in):
    web, _ = signed_in(Role.CLERK)
    assert web.get("/quality").status_code == 403
