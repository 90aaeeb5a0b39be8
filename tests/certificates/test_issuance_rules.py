"""Finding 5 of issue 11: a sealed business licence was issued to a person, under a name
the registry does not know, on no case. Issuance by hand now needs a published
certificate type of the issuer, a registered holder of the type's kind under its
registered name, and a case or a second officer's approval (four eyes)."""

from __future__ import annotations

import pytest
from certificate_helpers import register, second_officer
from sqlalchemy import func, select

from govbridge.certificates import requests, rules, usecases
from govbridge.certificates.models import Certificate, IssuanceRequest
from govbridge.certificates.schemas import CertificateIn, IssuanceRequestOut
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ledger.models import LedgerEntry
from ingest_helpers import company_code

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
PERSON = "11010519491231002X"


def _approver(provider, user_id: int = 79) -> Actor:
    return Actor.for_user(user_id=user_id, username=f"approver.{user_id}",
                          roles=frozenset({Role.APPROVER}),
                          organization_id=provider["id"], subject_id=None)


def _ask(rt, actor, **data):
    with rt.context() as ctx:
        return usecases.issue_certificate(ctx, actor, CertificateIn(**data))


def _counts(rt) -> tuple[int, int, int]:
    with rt.context() as ctx:
        return tuple(ctx.db.scalar(select(func.count()).select_from(t)) or 0
                     for t in (Certificate, IssuanceRequest, LedgerEntry))  # type: ignore[return-value]


def _codes(err: pytest.ExceptionInfo[InvalidInput]) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in err.value.problems}


def test_the_reported_licence_to_a_person_under_a_wrong_name_is_refused(rt, provider,
                                                                        licence_type):
    """The attack as found: an approver issues a 营业执照 to a person, with a name that
    is not the registered one. Nothing is sealed, recorded or requested."""
    register(rt, PERSON, "张三丰")
    with pytest.raises(InvalidInput) as err:
        _ask(rt, _approver(provider), certificate_type=licence_type, holder_id=PERSON,
             holder_name="苏州假冒贸易有限公司")
    assert _codes(err) == {("holder_id", "wrong_holder_kind"),
                           ("holder", "not_registered_as_named")}
    assert "张三丰" not in str(err.value)  # the registered name is not disclosed
    assert _counts(rt) == (0, 0, 0)


def test_the_holder_must_be_registered_under_that_name(rt, provider, licence_type):
    code = company_code(7)
    with pytest.raises(InvalidInput) as err:
        _ask(rt, provider["officer"], certificate_type=licence_type, holder_id=code,
             holder_name="苏州测试7有限公司")
    unregistered = err.value
    assert _codes(err) == {("holder", "not_registered_as_named")}
    register(rt, code, "苏州测试（7）有限公司")
    with pytest.raises(InvalidInput) as err:
        _ask(rt, provider["officer"], certificate_type=licence_type, holder_id=code,
             holder_name="苏州测试8有限公司")
    # A wrong name for a registered ID answers exactly as an unregistered ID: the answer
    # must not tell which guessed ID numbers exist (security review, D3).
    assert err.value.detail == unregistered.detail
    assert err.value.extensions() == unregistered.extensions()
    # The same name, with half-width brackets and a stray space, is the registered name.
    asked = _ask(rt, provider["officer"], certificate_type=licence_type, holder_id=code,
                 holder_name="苏州测试 (7)有限公司")
    assert isinstance(asked, IssuanceRequestOut) and asked.state == "pending"


def test_the_type_is_a_published_certificate_type_of_the_issuer(rt, provider, licence_type,
                                                                publish, entry, make_org,
                                                                admin):
    from govbridge.catalog import usecases as catalog
    from govbridge.catalog.schemas import DatasetIn

    code = company_code(7)
    register(rt, code, "苏州测试7有限公司")
    holder = {"holder_id": code, "holder_name": "苏州测试7有限公司"}
    with pytest.raises(InvalidInput) as err:  # free text is no type
        _ask(rt, provider["officer"], certificate_type="卫生许可证", **holder)
    assert _codes(err) == {("certificate_type", "unknown")}
    plain = publish(entry(name="企业年报", certificate_type=False)).resource_code
    with pytest.raises(InvalidInput) as err:  # a dataset, but not a certificate type
        _ask(rt, provider["officer"], certificate_type=plain, **holder)
    assert _codes(err) == {("certificate_type", "unknown")}
    with rt.context() as ctx:
        draft = catalog.create_dataset(ctx, provider["officer"],
                                       DatasetIn(**entry(name="食品经营许可证"))).resource_code
    with pytest.raises(InvalidInput) as err:
        _ask(rt, provider["officer"], certificate_type=draft, **holder)
    assert _codes(err) == {("certificate_type", "not_published")}
    with pytest.raises(InvalidInput) as err:  # the type is named 营业执照, not otherwise
        _ask(rt, provider["officer"], certificate_type=licence_type, type_name="卫生许可证",
             **holder)
    assert _codes(err) == {("type_name", "type_name_mismatch")}
    other = make_org(name="苏州市民政局")
    with rt.context() as ctx:
        other_id = org_by_code(ctx, other).id
    outsider = Actor.for_user(user_id=77, username="officer.mz",
                              roles=frozenset({Role.DATA_OFFICER}), organization_id=other_id,
                              subject_id=None)
    with pytest.raises(InvalidInput) as err:
        _ask(rt, outsider, certificate_type=licence_type, **holder)
    assert _codes(err) == {("certificate_type", "wrong_organization")}
    assert _counts(rt)[:2] == (0, 0)


def test_without_a_case_a_second_officer_approves_before_anything_is_sealed(
        rt, provider, licence_type, make_org):
    code = company_code(7)
    register(rt, code, "苏州测试7有限公司")
    officer = provider["officer"]
    asked = _ask(rt, officer, certificate_type=licence_type, holder_id=code,
                 holder_name="苏州测试7有限公司", data={"legal_rep": "张三"})
    assert isinstance(asked, IssuanceRequestOut)
    assert (asked.state, asked.type_name, asked.requested_by) == (
        "pending", "营业执照", "user:officer.amr")
    assert _counts(rt) == (0, 1, 0)  # not sealed, not ledgered
    with rt.context() as ctx, pytest.raises(PermissionDenied, match="four eyes"):
        requests.approve_request(ctx, officer, asked.id)
    # The same person under another role of the same account is still the requester.
    same_user = Actor.for_user(user_id=officer.user_id or 0, username="officer.amr",
                               roles=frozenset({Role.APPROVER}),
                               organization_id=provider["id"], subject_id=None)
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        requests.approve_request(ctx, same_user, asked.id)
    other = make_org(name="苏州市民政局")
    with rt.context() as ctx:
        other_id = org_by_code(ctx, other).id
    outsider = Actor.for_user(user_id=77, username="approver.mz",
                              roles=frozenset({Role.APPROVER}), organization_id=other_id,
                              subject_id=None)
    with rt.context() as ctx, pytest.raises(NotFound):  # another department's request
        requests.approve_request(ctx, outsider, asked.id)
    with rt.context() as ctx:
        assert requests.list_requests(ctx, outsider) == []
        assert [r.id for r in requests.list_requests(ctx, _approver(provider))] == [asked.id]
    clerk = Actor.for_user(user_id=78, username="clerk", roles=frozenset({Role.CLERK}),
                           organization_id=provider["id"], subject_id=None)
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        requests.list_requests(ctx, clerk)
    with rt.context() as ctx:
        made = requests.approve_request(ctx, second_officer(officer), asked.id)
    assert made.status == "valid" and made.holder_id == code and made.case_code is None
    assert made.created_by == f"user:officer.amr + user:approver.second.{officer.name}"
    with rt.context() as ctx:
        entry = ctx.db.scalar(select(LedgerEntry).where(
            LedgerEntry.kind == "certificate.issued"))
        assert entry is not None and f'"approval":{asked.id}' in entry.entry.replace(" ", "")
        assert requests.get_request(ctx, officer, asked.id).certificate_id == made.id
    with rt.context() as ctx, pytest.raises(Conflict):
        requests.approve_request(ctx, _approver(provider, 80), asked.id)
    assert _counts(rt)[:2] == (1, 1)


def test_a_refused_request_issues_nothing(rt, provider, licence_type):
    code = company_code(7)
    register(rt, code, "苏州测试7有限公司")
    asked = _ask(rt, provider["officer"], certificate_type=licence_type, holder_id=code,
                 holder_name="苏州测试7有限公司")
    with rt.context() as ctx, pytest.raises(InvalidInput):
        requests.refuse_request(ctx, _approver(provider), asked.id, "  ")
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        requests.refuse_request(ctx, provider["officer"], asked.id, "changed my mind")
    with rt.context() as ctx:
        done = requests.refuse_request(ctx, _approver(provider), asked.id, "无登记申请")
    assert (done.state, done.reason, done.certificate_id) == ("refused", "无登记申请", None)
    with rt.context() as ctx, pytest.raises(Conflict):
        requests.approve_request(ctx, _approver(provider, 80), asked.id)
    assert _counts(rt) == (0, 1, 0)


def test_a_request_whose_holder_left_the_registry_is_not_issued(rt, provider, licence_type):
    from govbridge.registry.models import Company

    code = company_code(7)
    register(rt, code, "苏州测试7有限公司")
    asked = _ask(rt, provider["officer"], certificate_type=licence_type, holder_id=code,
                 holder_name="苏州测试7有限公司")
    with rt.context() as ctx:
        ctx.db.get(Company, code).name = "苏州改名后有限公司"
    with rt.context() as ctx, pytest.raises(Conflict, match="no longer passes"):
        requests.approve_request(ctx, _approver(provider), asked.id)
    assert _counts(rt)[0] == 0


# --- the pure rules ------------------------------------------------------------------------


def test_names_compare_after_folding_width_and_space():
    assert rules.same_name("苏州测试（1）有限公司", "苏州测试(1) 有限公司")
    assert not rules.same_name("苏州测试1有限公司", "苏州测试2有限公司")


def test_case_rule():
    case = rules.CaseFacts(code="BJ1", state="in_progress", applicant_id="A",
                           item_types=frozenset({"T"}), created={"E": "新公司"})
    assert rules.case_problems(case, "T", "A", "whoever") == []
    assert rules.case_problems(case, "T", "E", "新公司") == []
    assert {p.code for p in rules.case_problems(case, "T", "E", "别的公司")} == {"name_mismatch"}
    assert {p.code for p in rules.case_problems(case, "U", "B", "x")} == {
        "type_not_of_item", "not_case_holder"}
    for state in ("submitted", "not_accepted", "completed", "refused"):
        closed = rules.CaseFacts("BJ1", state, "A", frozenset({"T"}), {})
        assert [p.code for p in rules.case_problems(closed, "T", "A", "x")] == ["case_not_open"]
    completing = rules.CaseFacts("BJ1", "completed", "A", frozenset({"T"}), {})
    assert rules.case_problems(completing, "T", "A", "x", by_process=True) == []


def test_four_eyes_rule():
    assert rules.is_own_request("user:a", 1, "user:b", 1)  # same account, another label
    assert rules.is_own_request("operator:alice", None, "operator:alice", None)
    assert not rules.is_own_request("user:a", 1, "user:b", 2)
    assert not rules.is_own_request("operator:alice", None, "operator:bob", None)


def test_the_kind_of_holder_follows_the_type():
    assert rules.kind_problem("enterprise", "enterprise", "营业执照") is None
    assert rules.kind_problem("enterprise", "person", "营业执照").code == "wrong_holder_kind"
    assert rules.kind_problem(rules.holder_kind_of_type("none"), "person", "x").code \
        == "no_subject"
