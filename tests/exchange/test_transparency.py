"""我的数据被谁用了: a subject sees its accesses with proofs; auditors see flags."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from govbridge.core.errors import Conflict, InvalidInput, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.exchange import transparency
from govbridge.exchange.gateway import query
from govbridge.exchange.schemas import QueryIn
from govbridge.identity.actor import Actor
from govbridge.ledger.merkle import verify_inclusion
from ingest_helpers import company_code

from .conftest import PURPOSE


def _applicant(subject: str) -> Actor:
    return Actor.for_user(user_id=900, username="ent", roles=frozenset({Role.APPLICANT}),
                          organization_id=None, subject_id=subject)


AUDITOR = Actor.for_user(user_id=901, username="auditor", roles=frozenset({Role.AUDITOR}),
                         organization_id=None, subject_id=None)


def _ask(rt, consumer, code, ids):
    with rt.context() as ctx:
        return query(ctx, consumer.system, code, QueryIn(subject_ids=ids, purpose=PURPOSE))


def test_a_subject_sees_who_read_its_data_with_proofs(rt, consumer, licences, agree):
    agree()
    _ask(rt, consumer, licences, [company_code(1), company_code(2)])
    _ask(rt, consumer, licences, [company_code(2)])
    with rt.context() as ctx:
        mine = transparency.my_accesses(ctx, _applicant(company_code(2)))
        others = transparency.my_accesses(ctx, _applicant(company_code(4)))
    assert len(mine) == 2 and others == []
    first = mine[0]
    assert first.consumer_name == "苏州市税务局" and first.provider_name == "苏州市市场监督管理局"
    assert first.dataset_name == "企业营业执照信息" and first.purpose["text"] == PURPOSE["text"]
    assert "legal_rep_id" in first.fields and first.agreement.startswith("AGR-")
    doc = first.proof
    verify_inclusion(base64.b64decode(doc["leafHash"]), doc["leafIdx"], doc["treeSize"],
                     [base64.b64decode(p) for p in doc["proof"]], base64.b64decode(doc["root"]))


def test_only_subject_accounts_have_an_access_log(rt, consumer):
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        transparency.my_accesses(ctx, consumer.officer)
    with rt.context() as ctx:
        with pytest.raises(PermissionDenied):
            transparency.subject_accesses(ctx, consumer.officer, company_code(1))
        with pytest.raises(InvalidInput):
            transparency.subject_accesses(ctx, AUDITOR, " ")
        assert transparency.subject_accesses(ctx, AUDITOR, company_code(1)) == []


def test_bulk_at_night_and_volume_are_flagged_and_reviewed(rt, consumer, licences, agree):
    rt.clock = lambda: datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 CST
    agree()  # on the test's clock: made on the real one it would start later
    rt.settings.flag_bulk_subjects = 3
    rt.settings.flag_volume_floor = 7
    ids = [company_code(n) for n in range(4)]
    _ask(rt, consumer, licences, ids)  # 4 rows: bulk, under the volume floor
    _ask(rt, consumer, licences, ids)  # 8 rows today: bulk and volume
    _ask(rt, consumer, licences, ids)  # volume fires once a day
    with rt.context() as ctx:
        flags = transparency.list_flags(ctx, AUDITOR)
        rules = sorted(f.rule for f in flags)
        assert rules == ["off_hours_bulk"] * 3 + ["volume"]
        assert {f.consumer_name for f in flags} == {"苏州市税务局"}
        mine = transparency.my_accesses(ctx, _applicant(company_code(1)))
        assert all(a.flagged for a in mine)
        with pytest.raises(PermissionDenied):
            transparency.list_flags(ctx, consumer.officer)
        with pytest.raises(InvalidInput):
            transparency.review_flag(ctx, AUDITOR, flags[0].id, "dismissed", "")
        # The schema's limits hold for every caller (the pages and the API alike).
        for note, says in [("x" * 2001, "at most 2000 characters"),
                           ("约谈\x00", "control character U+0000")]:
            with pytest.raises(InvalidInput) as refused:
                transparency.review_flag(ctx, AUDITOR, flags[0].id, "dismissed", note)
            assert [(p.field, says in p.reason) for p in refused.value.problems] == [
                ("note", True)]
        assert len(transparency.list_flags(ctx, AUDITOR, status="open")) == len(flags)
        transparency.review_flag(ctx, AUDITOR, flags[0].id, "confirmed", "已约谈")
        with pytest.raises(Conflict):
            transparency.review_flag(ctx, AUDITOR, flags[0].id, "dismissed", "again")
        assert len(transparency.list_flags(ctx, AUDITOR, status="confirmed")) == 1


def test_daytime_small_calls_raise_no_flag(rt, consumer, licences, agree):
    rt.clock = lambda: datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 CST
    agree()
    _ask(rt, consumer, licences, [company_code(1)])
    with rt.context() as ctx:
        assert transparency.list_flags(ctx, AUDITOR) == []
