"""The catalog's pages through the TestClient: search and facets, a dataset, the publish
wizard, submit, the bureau's review, file upload, permissions and CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest

from govbridge.catalog import usecases
from govbridge.catalog.schemas import COMMENT_MAX, DatasetIn, DatasetOut
from govbridge.core.errors import FieldProblem, InvalidInput
from govbridge.core.grading import GRADES, LABELS_EN, LABELS_ZH
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.standards.usecases import seed_builtin_elements
from govbridge.web import labels
from govbridge.web.catalog_pages import describe
from govbridge.web.forms import problems_of
from govbridge.web.translations import text_for

HIT = re.compile(r'<li class="hit" data-code="([^"]+)"')
FACET_LINK = re.compile(
    r'<div class="facet" data-facet="(?P<facet>[a-z_]+)">(?P<body>.*?)</div>', re.S
)
VALUE = re.compile(
    r'<a href="(?P<url>[^"]+)" data-value="(?P<value>[^"]+)"[^>]*>\s*<span>(?P<label>[^<]*)</span>'
    r' <span class="facet-count" data-count="(?P<count>\d+)"'
)
OPERATOR = Actor.operator("test")
CREDIT = "DE0020"  # 统一社会信用代码 (identifies an enterprise)
PERSON_NAME = "DE0023"  # 法定代表人姓名
CITIZEN_ID = "DE0002"  # 公民身份号码 (identifies a person)
DATE = "DE0026"  # 成立日期


def hits(html: str) -> list[str]:
    return HIT.findall(html)


def facets(html: str) -> dict[str, dict[str, dict[str, Any]]]:
    """facet → value → {label, count, url}, as the page offers them."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for block in FACET_LINK.finditer(html):
        out[block["facet"]] = {
            m["value"]: {
                "label": m["label"],
                "count": int(m["count"]),
                "url": m["url"].replace("&amp;", "&"),
            }
            for m in VALUE.finditer(block["body"])
        }
    return out


def no_secret_word(html: str) -> None:
    assert "secret" not in html.lower() and "涉密" not in html


@pytest.fixture
def elements(rt) -> None:
    with rt.context() as ctx:
        seed_builtin_elements(ctx)


def licence(provider: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "企业营业执照信息",
        "name_en": "Business licence information",
        "abstract": "市场主体登记后核发的营业执照的主要登记事项。",
        "provider_code": provider,
        "share_type": "unconditional",
        "subject_type": "enterprise",
        "subject_field": "credit_code",
        "keywords": ["营业执照", "市场主体"],
        "fields": [
            {
                "name": "credit_code",
                "title": "统一社会信用代码",
                "element": CREDIT,
                "required": True,
                "grade": "general-2",
            },
            {
                "name": "legal_rep",
                "title": "法定代表人姓名",
                "element": PERSON_NAME,
                "grade": "general-3",
            },
            {"name": "established", "title": "成立日期", "element": DATE, "grade": "general-1"},
        ],
    }
    data.update(overrides)
    return data


def birth(provider: str) -> dict[str, Any]:
    return licence(
        provider,
        name="出生医学证明",
        name_en="Birth medical certificate",
        abstract="新生儿出生医学证明信息，与营业执照无关。",
        keywords=["出生", "新生儿"],
        share_type="conditional",
        share_condition="办理户籍登记时使用",
        subject_type="person",
        subject_field="child_id",
        fields=[
            {
                "name": "child_id",
                "title": "新生儿公民身份号码",
                "element": CITIZEN_ID,
                "grade": "important",
            },
            {
                "name": "child_name",
                "title": "新生儿姓名",
                "element": "DE0001",
                "grade": "general-3",
            },
        ],
    )


@pytest.fixture
def dataset(rt, elements) -> Callable[..., DatasetOut]:
    """Register a dataset through the use cases: draft, submitted or published."""

    def make(data: dict[str, Any], stage: str = "published") -> DatasetOut:
        with rt.context() as ctx:
            made = usecases.create_dataset(ctx, OPERATOR, DatasetIn(**data))
            if stage in ("submitted", "published"):
                made = usecases.submit(ctx, OPERATOR, made.resource_code)
            if stage == "published":
                made = usecases.review(ctx, OPERATOR, made.resource_code, approve=True)
            return made

    return make


@pytest.fixture
def catalog(dataset, org_code, make_org) -> dict[str, str]:
    """Two published entries from two providers; the birth one mentions 营业执照 in passing."""
    health = make_org("苏州市卫生健康委员会")
    return {
        "licence": dataset(licence(org_code)).resource_code,
        "birth": dataset(birth(health)).resource_code,
        "health": health,
    }


# --- search -----------------------------------------------------------------------------------


def test_search_finds_chinese_words_in_relevance_order_with_facets(signed_in, catalog, org_code):
    web, _ = signed_in(Role.CLERK)
    page = web.get("/catalog", params={"q": "营业执照"})
    assert page.status_code == 200
    # Named for it first; the entry that only mentions it in its abstract after.
    assert hits(page.text) == [catalog["licence"], catalog["birth"]]
    assert "找到 2 个数据资源" in page.text and 'value="营业执照"' in page.text
    found = facets(page.text)
    assert set(found) == {"provider", "share_type", "grade", "format", "subject_type"}
    assert found["share_type"]["unconditional"]["label"] == "无条件共享"
    assert found["share_type"]["conditional"]["count"] == 1
    assert found["provider"][org_code]["label"] == "苏州市大数据管理局"
    assert found["provider"][catalog["health"]]["label"] == "苏州市卫生健康委员会"
    assert found["grade"]["important"]["label"] == "重要数据"
    assert found["subject_type"]["enterprise"]["label"] == "法人（企业）"
    no_secret_word(page.text)

    # A facet is a link that filters; its counts keep the other options visible.
    narrowed = web.get(found["share_type"]["conditional"]["url"])
    assert hits(narrowed.text) == [catalog["birth"]]
    assert 'data-active="share_type"' in narrowed.text
    again = facets(narrowed.text)
    assert again["share_type"]["unconditional"]["count"] == 1  # still offered
    assert again["grade"] == {"important": again["grade"]["important"]}
    # Clicking the chosen value again removes the filter.
    back = web.get(again["share_type"]["conditional"]["url"])
    assert hits(back.text) == [catalog["licence"], catalog["birth"]]


def test_search_without_query_lists_everything_and_filters_by_provider(signed_in, catalog):
    web, _ = signed_in(Role.APPROVER)
    page = web.get("/catalog")
    assert sorted(hits(page.text)) == sorted([catalog["licence"], catalog["birth"]])
    url = facets(page.text)["provider"][catalog["health"]]["url"]
    assert hits(web.get(url).text) == [catalog["birth"]]
    nothing = web.get("/catalog", params={"q": "不动产登记"})
    assert hits(nothing.text) == [] and "没有找到符合条件的数据资源" in nothing.text


def test_search_in_english(signed_in, catalog):
    web, _ = signed_in(Role.CLERK)
    page = web.get("/catalog", params={"q": "licence", "lang": "en"})
    assert hits(page.text) == [catalog["licence"]]
    assert "Business licence information" in page.text and "1 dataset found" in page.text
    assert facets(page.text)["share_type"]["unconditional"]["label"] == "Unconditional sharing"
    no_secret_word(page.text)


# --- a dataset --------------------------------------------------------------------------------


def test_dataset_page_shows_metadata_fields_grades_and_versions(signed_in, catalog):
    web, _ = signed_in(Role.CLERK)
    page = web.get(f"/catalog/{catalog['birth']}")
    assert page.status_code == 200
    html = page.text
    assert "出生医学证明" in html and "苏州市卫生健康委员会" in html and "有条件共享" in html
    assert "办理户籍登记时使用" in html
    assert 'data-field="child_id"' in html and "DE0002 v1" in html
    assert '<td data-grade="important">重要数据</td>' in html
    assert 'data-testid="grade" data-grade="important">重要数据<' in html
    assert 'data-version="1" data-status="published"' in html
    no_secret_word(html)
    # A clerk neither submits, uploads nor reads quality.
    for testid in ("dataset-submit", "upload", "quality"):
        assert f'data-testid="{testid}"' not in html


def test_quality_chart_for_those_who_read_quality(signed_in, catalog):
    web, _ = signed_in(Role.AUDITOR)
    page = web.get(f"/catalog/{catalog['licence']}")
    assert page.status_code == 200
    assert 'data-testid="quality"' in page.text and "<svg" in page.text
    assert "尚无质量检测记录" in page.text  # no run yet: the chart says so
    english = web.get(f"/catalog/{catalog['licence']}?lang=en")
    assert "No quality runs yet." in english.text


def test_unknown_dataset_is_404(signed_in, elements):
    web, _ = signed_in(Role.CLERK)
    resp = web.get("/catalog/301001001/999999")
    assert resp.status_code == 404 and "301001001/999999" in resp.text


def test_another_departments_draft_is_not_shown(signed_in, dataset, make_org):
    other = make_org("苏州市公安局")
    draft = dataset(licence(other), stage="draft")
    web, _ = signed_in(Role.DATA_OFFICER)
    assert web.get(f"/catalog/{draft.resource_code}").status_code == 404


# --- publish wizard ---------------------------------------------------------------------------


def wizard_data(csrf: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf,
        "name": "企业营业执照信息",
        "name_en": "Business licence information",
        "abstract": "市场主体登记后核发的营业执照的主要登记事项。",
        "classification": "301001001",
        "format": "database",
        "share_type": "unconditional",
        "share_method": "api",
        "update_frequency": "daily",
        "subject_type": "enterprise",
        "subject_field": "credit_code",
        "keywords": "营业执照，市场主体",
        "field_name": ["credit_code", "legal_rep", "", ""],
        "field_title": ["统一社会信用代码", "法定代表人姓名", "", ""],
        "field_element": [CREDIT, PERSON_NAME, "", ""],
        "field_grade": ["general-2", "important", "", ""],
        "field_required": ["0"],
    }
    data.update(overrides)
    return data


def test_wizard_creates_a_draft_and_the_officer_submits_it(rt, signed_in, csrf_of, elements):
    web, _ = signed_in(Role.DATA_OFFICER)
    form = web.get("/catalog/new")
    assert form.status_code == 200
    assert '<option value="DE0020">DE0020 · 统一社会信用代码</option>' in form.text
    assert '<option value="important">重要数据</option>' in form.text
    assert 'aria-current="page"' in form.text and 'data-nav="publish"' in form.text
    no_secret_word(form.text)

    resp = web.post("/catalog/new", data=wizard_data(csrf_of(form.text)), follow_redirects=False)
    assert resp.status_code == 303, resp.text
    location = resp.headers["location"]
    assert location == "/catalog/301001001/000001?notice=created"
    page = web.get(location)
    assert "数据资源已保存为草稿" in page.text and 'data-status="draft"' in page.text
    # The dataset takes its most sensitive field's grade; the required flag followed its row.
    assert 'data-testid="grade" data-grade="important"' in page.text
    with rt.context() as ctx:
        made = usecases.get_dataset(ctx, OPERATOR, "301001001/000001")
    assert [f.required for f in made.fields] == [True, False]
    assert made.keywords == ["营业执照", "市场主体"] and made.subject_type == "enterprise"
    assert 'data-testid="upload"' not in page.text  # nothing is ingested before publication

    resp = web.post(
        "/catalog/301001001/000001/submit",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    page = web.get(resp.headers["location"])
    assert "已提交审核" in page.text and 'data-testid="status">待审核<' in page.text
    assert 'data-testid="dataset-submit"' not in page.text
    # Submitting twice is refused with a form error naming the state.
    again = web.post("/catalog/301001001/000001/submit", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 409 and "当前状态不允许此操作" in again.text
    assert "（值：submitted）" in again.text


def test_wizard_errors_name_the_field_row_and_value(rt, signed_in, csrf_of, elements):
    web, _ = signed_in(Role.DATA_OFFICER)
    form = web.get("/catalog/new")
    data = wizard_data(
        csrf_of(form.text),
        # Row 1 is left blank: errors still name the rows as the officer sees them.
        field_name=["", "credit_code", "2bad"],
        field_title=["", "统一社会信用代码", "坏字段"],
        field_element=["", CREDIT, PERSON_NAME],
        field_grade=["", "general-2", ""],
        field_required=[],
        subject_field="nosuch",
        share_type="conditional",
    )
    resp = web.post("/catalog/new", data=data)
    assert resp.status_code == 422
    html = resp.text
    assert 'data-testid="errors"' in html
    assert "<strong>第 3 个信息项 · 字段名</strong>" in html and "（值：2bad）" in html
    assert "<strong>第 3 个信息项 · 分级</strong>：请选择分级" in html
    assert "<strong>主体标识字段</strong>：没有这个名称的信息项（值：nosuch）" in html
    assert "<strong>共享条件</strong>：有条件共享必须写明共享条件" in html
    # What was typed stays in the form.
    assert 'value="nosuch"' in html and 'value="2bad"' in html
    with rt.context() as ctx:
        assert usecases.list_datasets(ctx, OPERATOR) == []

    english = web.post("/catalog/new?lang=en", data={**data, "field_element": ["", "DE9999", ""]})
    assert "<strong>Field 2 · data element</strong>: no such data element (value: DE9999)" in (
        english.text
    )


def test_wizard_type_errors_are_form_errors_too(signed_in, csrf_of, elements):
    web, _ = signed_in(Role.DATA_OFFICER)
    form = web.get("/catalog/new")
    resp = web.post(
        "/catalog/new", data=wizard_data(csrf_of(form.text), name="x", share_type="sometimes")
    )
    assert resp.status_code == 422
    assert "<strong>资源名称</strong>：至少需要 2 个字符（值：x）" in resp.text
    assert "<strong>共享类型</strong>：请从列表中选择（值：sometimes）" in resp.text


def test_wizard_offers_more_rows(signed_in, elements):
    web, _ = signed_in(Role.DATA_OFFICER)
    page = web.get("/catalog/new?rows=12")
    assert page.text.count('name="field_name"') == 12
    assert 'href="/catalog/new?rows=17"' in page.text


def test_describe_names_rows_and_values():
    exc = InvalidInput(
        [
            FieldProblem("fields[0].element", "unknown data element X", "X", "unknown"),
            FieldProblem("comment", "say why", None, "required"),
            FieldProblem("mystery", "the use case's own words", "v", "odd"),
        ]
    )
    errors = describe("zh-CN", problems_of(exc), rows=[4])
    assert [(e.field, e.label, e.message) for e in errors] == [
        ("fields[0].element", "第 4 个信息项 · 数据元", "没有这个数据元（值：X）"),
        ("comment", "审核意见", "退回时必须写明理由"),
        ("mystery", "mystery", "the use case's own words（值：v）"),
    ]


def test_grade_labels_are_the_standards_words():
    zh, en = text_for("zh-CN"), text_for("en")
    for grade in GRADES:
        assert zh.label(labels.GRADE, grade) == LABELS_ZH[grade]
        assert en.label(labels.GRADE, grade) == LABELS_EN[grade]
    for text in (zh, en):
        shown = " ".join(text(msg) for msg in labels.GRADE.values())
        assert "secret" not in shown.lower() and "涉密" not in shown


def test_officer_edits_a_returned_entry_and_submits_it_again(
    rt, signed_in, dataset, org_code, csrf_of
):
    code = dataset(licence(org_code), stage="submitted").resource_code
    with rt.context() as ctx:
        usecases.review(ctx, OPERATOR, code, approve=False, comment="请补充法定代表人身份号码")
    web, _ = signed_in(Role.DATA_OFFICER)
    page = web.get(f"/catalog/{code}")
    assert "请补充法定代表人身份号码" in page.text
    assert f'href="/catalog/{code}/edit" data-testid="dataset-edit"' in page.text

    form = web.get(f"/catalog/{code}/edit")
    assert form.status_code == 200 and "编辑数据资源草稿" in form.text
    assert f'action="/catalog/{code}/edit"' in form.text
    assert 'value="credit_code"' in form.text and 'value="营业执照 市场主体"' in form.text
    assert '<option value="DE0020" selected>' in form.text
    # Three fields, then spare rows for new ones.
    assert form.text.count('name="field_name"') == 3 + 3
    data = wizard_data(
        csrf_of(form.text),
        abstract="营业执照登记事项，含法定代表人身份号码。",
        field_name=["credit_code", "legal_rep", "legal_rep_id", ""],
        field_title=["统一社会信用代码", "法定代表人姓名", "法定代表人公民身份号码", ""],
        field_element=[CREDIT, PERSON_NAME, "DE0024", ""],
        field_grade=["general-2", "general-3", "important", ""],
    )
    bad = web.post(f"/catalog/{code}/edit", data={**data, "share_type": "none"})
    assert bad.status_code == 422 and "<strong>不予共享依据</strong>" in bad.text
    assert f'action="/catalog/{code}/edit"' in bad.text
    resp = web.post(f"/catalog/{code}/edit", data=data, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/catalog/{code}?notice=saved"
    page = web.get(resp.headers["location"])
    assert "修改已保存" in page.text and 'data-field="legal_rep_id"' in page.text
    assert 'data-testid="grade" data-grade="important"' in page.text
    resp = web.post(
        f"/catalog/{code}/submit", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert resp.status_code == 303
    with rt.context() as ctx:
        assert [d.resource_code for d in usecases.review_queue(ctx, OPERATOR)] == [code]


def test_only_the_provider_edits(signed_in, dataset, make_org):
    police = make_org("苏州市公安局")
    draft = dataset(licence(police), stage="draft").resource_code
    published = dataset(birth(police)).resource_code
    web, _ = signed_in(Role.DATA_OFFICER)
    assert web.get(f"/catalog/{draft}/edit").status_code == 404
    resp = web.get(f"/catalog/{published}/edit")
    assert resp.status_code == 403 and "dataset.manage" in resp.text


# --- review -----------------------------------------------------------------------------------


def test_bureau_approves_and_returns_submitted_entries(rt, signed_in, dataset, org_code, csrf_of):
    first = dataset(licence(org_code), stage="submitted").resource_code
    second = dataset(birth(org_code), stage="submitted").resource_code
    web, _ = signed_in(Role.BUREAU_ADMIN)
    queue = web.get("/catalog/review")
    assert queue.status_code == 200
    assert re.findall(r'data-code="([^"]+)" data-testid="review-item"', queue.text) == [
        first,
        second,
    ]
    assert "企业营业执照信息" in queue.text and "第 1 版" in queue.text
    no_secret_word(queue.text)
    token = csrf_of(queue.text)

    # Returning needs a reason: the error names the comment field, nothing changes.
    resp = web.post(
        "/catalog/review", data={"csrf_token": token, "resource_code": second, "decision": "return"}
    )
    assert resp.status_code == 422
    assert "<strong>审核意见</strong>：退回时必须写明理由" in resp.text
    # Too long: the use case refuses it (the page no longer cuts it), shown with the text kept.
    long_comment = "理" * (COMMENT_MAX + 1)
    resp = web.post("/catalog/review", data={"csrf_token": token, "resource_code": second,
                                             "decision": "return", "comment": long_comment})
    assert resp.status_code == 422
    assert (f"<strong>审核意见</strong>：不能超过 {COMMENT_MAX} 个字符"
            in resp.text)
    assert f">{long_comment}</textarea>" in resp.text
    resp = web.post(
        "/catalog/review",
        data={
            "csrf_token": token,
            "resource_code": second,
            "decision": "return",
            "comment": "主体标识字段应为母亲身份号码",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    page = web.get(resp.headers["location"])
    assert f"数据资源 {second} 已退回提供部门" in page.text

    resp = web.post(
        "/catalog/review",
        data={"csrf_token": token, "resource_code": first, "decision": "approve"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    assert unquote(resp.headers["location"]) == f"/catalog/review?done=approved&code={first}"
    page = web.get(resp.headers["location"])
    assert f"数据资源 {first} 已批准发布" in page.text
    assert 'data-testid="queue-empty"' in page.text

    with rt.context() as ctx:
        assert usecases.get_dataset(ctx, OPERATOR, first).status == "published"
        returned = usecases.get_dataset(ctx, OPERATOR, second)
    assert returned.status == "draft" and returned.versions[0].status == "returned"
    # The return comment shows on the dataset page; the published one is found by search.
    assert "主体标识字段应为母亲身份号码" in web.get(f"/catalog/{second}").text
    assert hits(web.get("/catalog", params={"q": "营业执照"}).text) == [first]
    # Reviewing what is no longer submitted is a form error, not a crash.
    again = web.post(
        "/catalog/review", data={"csrf_token": token, "resource_code": first, "decision": "approve"}
    )
    assert again.status_code == 409 and "当前状态不允许此操作" in again.text


def test_bureau_sees_a_submitted_entry_with_a_link_to_review(signed_in, dataset, org_code):
    code = dataset(licence(org_code), stage="submitted").resource_code
    web, _ = signed_in(Role.BUREAU_ADMIN)
    page = web.get(f"/catalog/{code}")
    assert page.status_code == 200 and 'data-testid="review-link"' in page.text
    assert "第 1 版正在等待数据管理局审核" in page.text


# --- permissions and CSRF ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path", "permission"),
    [
        (Role.CLERK, "/catalog/new", "dataset.manage"),
        (Role.BUREAU_ADMIN, "/catalog/new", "dataset.manage"),
        (Role.AUDITOR, "/catalog/new", "dataset.manage"),
        (Role.CLERK, "/catalog/review", "catalog.review"),
        (Role.DATA_OFFICER, "/catalog/review", "catalog.review"),
        (Role.APPLICANT, "/catalog", "catalog.read"),
        (Role.APPLICANT, "/catalog/301001001/000001", "catalog.read"),
    ],
)
def test_pages_refuse_roles_without_the_permission(signed_in, elements, role, path, permission):
    web, _ = signed_in(role)
    resp = web.get(path)
    assert resp.status_code == 403
    assert "无权访问" in resp.text and permission in resp.text


def test_officer_cannot_review_and_clerk_cannot_submit(rt, signed_in, dataset, org_code, csrf_of):
    code = dataset(licence(org_code), stage="submitted").resource_code
    draft = dataset(birth(org_code), stage="draft").resource_code
    web, _ = signed_in(Role.DATA_OFFICER)
    token = csrf_of(web.get("/").text)
    resp = web.post(
        "/catalog/review", data={"csrf_token": token, "resource_code": code, "decision": "approve"}
    )
    assert resp.status_code == 403 and "catalog.review" in resp.text
    web.post("/logout", data={"csrf_token": token})

    clerk, _ = signed_in(Role.CLERK)
    token = csrf_of(clerk.get("/").text)
    resp = clerk.post(f"/catalog/{draft}/submit", data={"csrf_token": token})
    assert resp.status_code == 403 and "dataset.manage" in resp.text
    with rt.context() as ctx:
        assert usecases.get_dataset(ctx, OPERATOR, code).status == "submitted"
        assert usecases.get_dataset(ctx, OPERATOR, draft).status == "draft"


def test_forms_without_the_csrf_token_change_nothing(
    rt, signed_in, dataset, org_code, elements, csrf_of
):
    code = dataset(licence(org_code), stage="submitted").resource_code
    officer, _ = signed_in(Role.DATA_OFFICER)
    for token in (None, "forged-token-forged-token"):
        data = wizard_data(token or "", name="另一个数据资源")
        if token is None:
            del data["csrf_token"]
        resp = officer.post("/catalog/new", data=data)
        assert resp.status_code == 403 and "请求无法验证" in resp.text
    with rt.context() as ctx:
        assert [d.resource_code for d in usecases.list_datasets(ctx, OPERATOR)] == [code]
    officer.post("/logout", data={"csrf_token": csrf_of(officer.get("/").text)})

    admin, _ = signed_in(Role.BUREAU_ADMIN)
    resp = admin.post("/catalog/review", data={"resource_code": code, "decision": "approve"})
    assert resp.status_code == 403 and "操作未执行" in resp.text
    resp = admin.post(
        f"/catalog/{code}/upload",
        data={"csrf_token": "forged-token-forged-token"},
        files={"file": ("rows.csv", b"credit_code\n", "text/csv")},
    )
    assert resp.status_code == 403
    with rt.context() as ctx:
        assert usecases.get_dataset(ctx, OPERATOR, code).status == "submitted"


# --- nav --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.BUREAU_ADMIN, ["catalog", "review"]),
        (Role.DATA_OFFICER, ["catalog", "publish"]),
        (Role.CLERK, ["catalog"]),
        (Role.AUDITOR, ["catalog"]),
        (Role.APPLICANT, []),
    ],
)
def test_catalog_pages_in_the_menu(signed_in, role, expected):
    web, _ = signed_in(role)
    nav = re.findall(r'data-nav="([a-z]+)"', web.get("/").text)
    assert [k for k in nav if k in ("catalog", "publish", "review")] == expected


# --- upload -----------------------------------------------------------------------------------

GOOD_CSV = "credit_code,legal_rep,established\n91350100M000100Y43,张三,2020-01-02\n"
BAD_ROW = "91350100M000100Y44,李四,2021-03-04\n"


def test_upload_on_a_published_dataset_shows_the_validation_report(
    signed_in, dataset, org_code, csrf_of
):
    pytest.importorskip("govbridge.ingest.files")
    code = dataset(licence(org_code)).resource_code
    web, _ = signed_in(Role.DATA_OFFICER)
    page = web.get(f"/catalog/{code}")
    assert 'data-testid="upload"' in page.text and 'enctype="multipart/form-data"' in page.text
    token = csrf_of(page.text)
    body = (GOOD_CSV + BAD_ROW).encode()
    resp = web.post(
        f"/catalog/{code}/upload",
        data={"csrf_token": token},
        files={"file": ("执照.csv", body, "text/csv")},
    )
    assert resp.status_code == 200, resp.text
    html = resp.text
    assert 'data-testid="report"' in html and "执照.csv" in html
    assert 'data-testid="accepted">1<' in html and 'data-testid="rejected">1<' in html
    # The rejected row: its number as a spreadsheet counts it, field, value and rule.
    row = re.search(r'<tr data-row="3" data-field="credit_code">(.*?)</tr>', html, re.S)
    assert row, html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells[:3] == ["3", "credit_code", "91350100M000100Y44"] and cells[3]

    # The same file again adds nothing, and the page says so.
    again = web.post(
        f"/catalog/{code}/upload",
        data={"csrf_token": token},
        files={"file": ("执照.csv", body, "text/csv")},
    )
    assert again.status_code == 200 and 'data-testid="duplicate-batch"' in again.text
    assert "本次未新增任何数据" in again.text


def test_formula_like_cells_are_shown_as_warnings(signed_in, dataset, org_code, csrf_of):
    code = dataset(licence(org_code)).resource_code
    web, _ = signed_in(Role.DATA_OFFICER)
    token = csrf_of(web.get(f"/catalog/{code}").text)
    body = "credit_code,legal_rep,established\n91350100M000100Y43,=HYPERLINK(1),2020-01-02\n"
    resp = web.post(f"/catalog/{code}/upload", data={"csrf_token": token},
                    files={"file": ("执照.csv", body.encode(), "text/csv")})
    assert resp.status_code == 200, resp.text
    assert 'data-testid="accepted">1<' in resp.text and 'data-testid="warnings"' in resp.text
    assert '<tr data-row="2" data-field="legal_rep">' in resp.text


def test_upload_errors_are_form_errors(signed_in, dataset, org_code, csrf_of):
    pytest.importorskip("govbridge.ingest.files")
    code = dataset(licence(org_code)).resource_code
    web, _ = signed_in(Role.DATA_OFFICER)
    token = csrf_of(web.get(f"/catalog/{code}").text)
    resp = web.post(f"/catalog/{code}/upload", data={"csrf_token": token})
    assert resp.status_code == 422 and "<strong>数据文件</strong>：请选择要上传的文件" in resp.text
    resp = web.post(
        f"/catalog/{code}/upload",
        data={"csrf_token": token},
        files={"file": ("rows.txt", GOOD_CSV.encode(), "text/plain")},
    )
    assert resp.status_code == 422
    assert "<strong>数据文件</strong>" in resp.text and "（值：rows.txt）" in resp.text


def test_upload_is_for_the_provider_only(signed_in, dataset, make_org, csrf_of):
    pytest.importorskip("govbridge.ingest.files")
    code = dataset(licence(make_org("苏州市公安局"))).resource_code
    web, _ = signed_in(Role.DATA_OFFICER)
    page = web.get(f"/catalog/{code}")
    assert page.status_code == 200 and 'data-testid="upload"' not in page.text
    resp = web.post(
        f"/catalog/{code}/upload",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("rows.csv", GOOD_CSV.encode(), "text/csv")},
    )
    assert resp.status_code == 403 and "data.ingest" in resp.text
