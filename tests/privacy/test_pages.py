"""The privacy pages: a party approves on the job's page (what is revealed, to whom), the
receiver runs it and alone sees the result; a bystander finds nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import Role
from govbridge.privacy import usecases
from support import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def browser(rt, make_user, city):
    clients = []

    def open_as(key: str) -> TestClient:
        make_user(f"web.{key}", [Role.DATA_OFFICER], org=city[key].code)
        client = TestClient(create_app(rt), raise_server_exceptions=False)
        clients.append(client)
        page = client.get("/login")
        resp = client.post("/login", data={"username": f"web.{key}", "password": PASSWORD,
                                           "csrf_token": CSRF.search(page.text).group(1)},
                           follow_redirects=False)
        assert resp.status_code == 303, resp.text
        return client

    yield open_as
    for c in clients:
        c.close()


def _post(client: TestClient, page_url: str, action: str, **data: str):
    page = client.get(page_url)
    token = CSRF.search(page.text).group(1)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def test_approve_run_and_read_on_the_pages(rt, city, browser):
    with rt.context() as ctx:
        code = usecases.create_job(ctx, city["mca"].officer, {
            "computation": "psi.sum", "receiver": city["mca"].code, "purpose": "财产核查（测试）",
            "parties": [{"org_code": city["mca"].code, "resource_code": city["mca"].resource_code,
                         "key_field": "id_number"},
                        {"org_code": city["nrp"].code, "resource_code": city["nrp"].resource_code,
                         "key_field": "id_number", "value_field": "area"}]}).code
    mca, nrp, edu = browser("mca"), browser("nrp"), browser("edu")
    url = f"/privacy/jobs/{code}"
    page = nrp.get(url)
    assert page.status_code == 200
    assert 'data-testid="approve"' in page.text
    assert 'data-item="intersection_sum"' in page.text and ">area<" in page.text
    assert 'data-testid="run"' not in page.text
    resp = _post(nrp, url, f"{url}/decision", decision="refuse")
    assert resp.status_code == 422  # a refusal needs a reason; the form shows again
    assert _post(nrp, url, f"{url}/decision", decision="approve").status_code == 303
    assert _post(mca, url, f"{url}/decision", decision="approve").status_code == 303
    page = mca.get(url)
    assert 'data-testid="run"' in page.text and 'data-testid="approve"' not in page.text
    resp = _post(mca, url, f"{url}/run")
    assert resp.status_code == 303
    page = mca.get(resp.headers["location"])
    assert 'data-testid="result"' in page.text and 'data-testid="receipt"' in page.text
    assert city["mca"].rows[30]["id_number"] in page.text  # the receiver's own member
    other = nrp.get(url)
    assert 'data-testid="result"' not in other.text
    assert city["mca"].rows[30]["id_number"] not in other.text
    assert edu.get(url).status_code == 404
    listed = nrp.get("/privacy/jobs")
    assert f'data-code="{code}"' in listed.text
    assert f'data-code="{code}"' not in edu.get("/privacy/jobs").text


def test_a_person_sees_the_computations_that_read_their_record(rt, city, make_user):
    with rt.context() as ctx:
        code = usecases.create_job(ctx, city["mca"].officer, {
            "computation": "psi.count", "receiver": city["mca"].code, "purpose": "核查（测试）",
            "parties": [{"org_code": city[k].code, "resource_code": city[k].resource_code,
                         "key_field": "id_number"} for k in ("mca", "nrp")]}).code
    for key in ("mca", "nrp"):
        with rt.context() as ctx:
            usecases.decide(ctx, city[key].officer, code, {"decision": "approve"})
    usecases.run_job(rt, city["mca"].officer, code)
    subject = city["nrp"].rows[-1]["id_number"]  # held by nrp only: not in the intersection
    make_user("citizen.one", [Role.APPLICANT], subject_id=subject)
    with TestClient(create_app(rt), raise_server_exceptions=False) as client:
        page = client.get("/login")
        client.post("/login", data={"username": "citizen.one", "password": PASSWORD,
                                    "csrf_token": CSRF.search(page.text).group(1)})
        mine = client.get("/me/computations")
    assert mine.status_code == 200
    assert f'data-job="{code}"' in mine.text
