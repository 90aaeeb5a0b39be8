"""An attacker with an ordinary consumer's agreement, whose subject field is masked, tries to
learn citizens' ID numbers: from the receipt and the ledger (issue 11, finding 1), by
guessing and confirming a masked ID (finding 2), and by claiming a service item for a
person who has no case of it (finding 4). Each test failed before the fix."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from catalog_fixtures import element
from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.cases.models import Case
from govbridge.core.errors import InvalidInput
from govbridge.core.identifiers import citizen_id_check_char
from govbridge.core.permissions import Role
from govbridge.exchange import transparency
from govbridge.exchange.case_binding import PurposeNotBound
from govbridge.exchange.gateway import LimitExceeded, query
from govbridge.exchange.models import ExchangeUsage
from govbridge.exchange.schemas import QueryIn
from govbridge.identity.actor import Actor
from govbridge.ingest.pipeline import ingest_rows
from govbridge.ledger import commitments, queries
from govbridge.ledger.merkle import leaf_hash, verify_inclusion
from govbridge.ledger.models import LedgerEntry, LedgerSubject
from govbridge.services.models import ServiceItem
from support import committed

LEGAL = {"kind": "legal_basis", "text": "《中华人民共和国社会保险法》第五十九条"}
AUDITOR = Actor.for_user(user_id=901, username="auditor", roles=frozenset({Role.AUDITOR}),
                         organization_id=None, subject_id=None)
PERSONS = 50
CLOCK = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in China


def citizen(n: int, district: str = "320505") -> str:
    first17 = f"{district}1985{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return first17 + citizen_id_check_char(first17)


def applicant(subject: str) -> Actor:
    return Actor.for_user(user_id=950, username="citizen", roles=frozenset({Role.APPLICANT}),
                          organization_id=None, subject_id=subject)


@pytest.fixture
def population(rt, publish, provider, elements) -> str:
    """PSB's 人口基本信息: the subject field (id_number) is important, so it is masked."""
    rt.clock = lambda: CLOCK
    place = element(None, category="address", data_type="string")
    code = publish({
        "name": "人口基本信息", "abstract": "户籍人口的基本信息。", "share_type": "unconditional",
        "subject_type": "person", "subject_field": "id_number", "keywords": ["人口"],
        "fields": [
            {"name": "id_number", "title": "公民身份号码", "element": elements["citizen_id"],
             "required": True, "grade": "important"},
            {"name": "name", "title": "姓名", "element": elements["name"], "grade": "important"},
            {"name": "division_code", "title": "行政区划代码", "element": place,
             "grade": "general-1"},
        ]}).resource_code
    rows = [{"id_number": citizen(n), "name": f"居民{n}", "division_code": "320505"}
            for n in range(PERSONS)]
    with rt.context() as ctx:
        assert ingest_rows(ctx, provider["officer"], code, rows, source="rest").accepted == PERSONS
    return code


@pytest.fixture
def agreed(rt, consumer, population) -> str:
    """An unconditional agreement for every field: the ID comes back as keep:6:4."""
    with rt.context() as ctx:
        return agreements.request_agreement(ctx, consumer.officer, AgreementRequestIn(
            resource_code=population, fields=["id_number", "name", "division_code"],
            purpose_kind="legal_basis", purpose_text=LEGAL["text"],
            valid_until=CLOCK.date() + timedelta(days=30))).code


def _ask(rt, consumer, code, **body: Any):
    with rt.context() as ctx:
        return query(ctx, consumer.system, code, QueryIn(**{"purpose": LEGAL, **body}))


def _ledger_text(rt) -> str:
    with rt.context() as ctx:
        entries = list(ctx.db.scalars(select(LedgerEntry.entry)))
        index = list(ctx.db.scalars(select(LedgerSubject.commitment)))
    return "\n".join(entries + index)


# --- finding 1: receipts and ledger entries -----------------------------------------------------


def test_a_filter_query_puts_no_raw_id_in_receipt_or_ledger(rt, consumer, population, agreed):
    answer = _ask(rt, consumer, population, filter={"division_code": "320505"}, limit=50)
    ids = {citizen(n) for n in range(PERSONS)}
    assert len(answer.data["rows"]) == 50
    assert all(r["id_number"] not in ids and r["id_number"][6:-4] == "********"
               for r in answer.data["rows"])
    everything = answer.model_dump_json() + _ledger_text(rt)
    with rt.context() as ctx:
        leaf = json.loads(answer.receipt.entry)
        everything += json.dumps(queries.get_entry(ctx, AUDITOR, answer.receipt.leafIdx))
    leaked = [i for i in ids if i in everything or i[:6] + i[-12:] in everything]
    assert leaked == []
    # ... yet the entry names all 50, by commitments only the hub can make
    assert sorted(leaf["subjects"]) == sorted(committed(rt, leaf, *ids))


def test_commitments_link_no_two_entries(rt, consumer, provider, population, agreed, licences,
                                         agree):
    """The review's attack: a receipt of a dataset whose subject field is raw (营业执照) lists
    a commitment per asked-for ID; compared with the commitment another receipt gave for a
    masked ID, it would tell which guess is right. Every entry salts its commitments."""
    from ingest_helpers import licence_row

    from .conftest import PURPOSE

    target = citizen(7)
    masked = _ask(rt, consumer, population, subject_ids=[target])
    [theirs] = json.loads(masked.receipt.entry)["subjects"]
    agree()
    guesses = [citizen(n) for n in range(5, 10)]
    assert licence_row(1)["credit_code"] not in guesses
    probe = _ask(rt, consumer, licences, subject_ids=guesses, purpose=PURPOSE)
    assert theirs not in json.loads(probe.receipt.entry)["subjects"]
    # the same subject, read twice, is named differently each time
    again = _ask(rt, consumer, population, subject_ids=[target])
    assert json.loads(again.receipt.entry)["subjects"] != [theirs]
    # and the hub's own index (never handed out) still finds all three for the citizen
    with rt.context() as ctx:
        mine = transparency.my_accesses(ctx, applicant(target))
    assert {a.leaf_index for a in mine} == {masked.receipt.leafIdx, probe.receipt.leafIdx,
                                            again.receipt.leafIdx}
    assert all(commitments.check_opening(a.subject_commitment, target, a.opening)
               for a in mine)


def test_a_citizen_still_finds_and_proves_their_own_access(rt, consumer, population, agreed):
    _ask(rt, consumer, population, filter={"division_code": "320505"}, limit=50)
    me = citizen(7)
    with rt.context() as ctx:
        [access] = transparency.my_accesses(ctx, applicant(me))
        [other] = transparency.my_accesses(ctx, applicant(citizen(8)))
        size = ctx.db.scalar(select(func.count()).select_from(LedgerEntry))
    assert access.leaf_index == other.leaf_index
    entry = json.loads(access.entry)
    # the opening shown to me turns my ID into a commitment the entry holds ...
    assert access.subject_commitment in entry["subjects"]
    assert commitments.check_opening(access.subject_commitment, me, access.opening)
    # ... and it opens to nobody else's ID
    assert not commitments.check_opening(access.subject_commitment, citizen(8), access.opening)
    # the entry is the leaf the proof proves
    proof = access.proof
    import base64
    verify_inclusion(leaf_hash(access.entry.encode()), proof["leafIdx"], proof["treeSize"],
                     [base64.b64decode(p) for p in proof["proof"]],
                     base64.b64decode(proof["root"]))
    assert proof["treeSize"] == size


def test_the_ledger_refuses_a_payload_naming_subjects_itself(rt):
    from govbridge.ledger import log

    with rt.context() as ctx, pytest.raises(ValueError):
        log.append(ctx, "test", {"subjects": [citizen(1)]})


def test_rotation_keeps_older_entries_found_and_unlinks_new_ones(rt, consumer, population,
                                                                agreed, admin):
    from govbridge.core.permissions import Role as R

    bureau = Actor.for_user(user_id=1, username="admin", roles=frozenset({R.BUREAU_ADMIN}),
                            organization_id=None, subject_id=None)
    me = citizen(3)
    _ask(rt, consumer, population, subject_ids=[me])
    with rt.context() as ctx:
        with pytest.raises(InvalidInput):
            commitments.rotate_subject_key(ctx, bureau, " ")
        rotated = commitments.rotate_subject_key(ctx, bureau, "yearly rotation")
    assert rotated.epoch == 2
    _ask(rt, consumer, population, subject_ids=[me])
    with rt.context() as ctx:
        accesses = transparency.my_accesses(ctx, applicant(me))
        epochs = [k.epoch for k in commitments.list_subject_keys(ctx, AUDITOR)]
    assert epochs == [2, 1]
    first, second = (json.loads(a.entry)["subjects"][0] for a in reversed(accesses))
    assert first.startswith("sc1:") and second.startswith("sc2:") and first[4:] != second[4:]
    assert all(commitments.check_opening(a.subject_commitment, me, a.opening) for a in accesses)


# --- finding 2: guess and confirm ---------------------------------------------------------------


def test_several_guesses_in_one_call_are_refused(rt, consumer, population, agreed):
    candidates = [citizen(n) for n in range(4)]
    with pytest.raises(InvalidInput) as refused:
        _ask(rt, consumer, population, subject_ids=candidates)
    assert refused.value.problems[0].code == "one_subject"
    assert not any(c in f"{refused.value.detail} {refused.value.extensions()}" for c in candidates)
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.kind == "exchange.query")) == 0


def test_repeated_misses_are_flagged_then_stopped(rt, consumer, population, agreed):
    misses = [citizen(n, district="320506") for n in range(10)]  # nobody in the dataset
    for n, guess in enumerate(misses):
        assert _ask(rt, consumer, population, subject_ids=[guess]).data["rows"] == []
        with rt.context() as ctx:
            flags = [f.rule for f in transparency.list_flags(ctx, AUDITOR)]
        assert flags.count("subject_misses") == (1 if n >= 2 else 0)
    with pytest.raises(LimitExceeded) as stopped:
        _ask(rt, consumer, population, subject_ids=[citizen(1)])  # a real one: still stopped
    assert stopped.value.limit == "subject_misses" and stopped.value.retry_after > 0
    with rt.context() as ctx:
        assert ctx.db.scalar(select(ExchangeUsage.calls).where(
            ExchangeUsage.window == "x20261130")) == 10
    # the next day lookups work again
    rt.clock = lambda: CLOCK + timedelta(days=1)
    assert len(_ask(rt, consumer, population, subject_ids=[citizen(1)]).data["rows"]) == 1


def test_an_unmasked_subject_field_keeps_batch_lookups(rt, consumer, licences, agree):
    from ingest_helpers import company_code

    from .conftest import PURPOSE

    agree()  # 营业执照: the credit code comes back raw
    rows = _ask(rt, consumer, licences, subject_ids=[company_code(1), company_code(2)],
                purpose=PURPOSE)
    assert len(rows.data["rows"]) == 2


# --- finding 4: a service-item purpose names a real case ----------------------------------------


@pytest.fixture
def item(rt, consumer, population) -> str:
    with rt.context() as ctx:
        ctx.db.add(ServiceItem(code="SB-001", name="社保登记", lead_org_id=consumer.id,
                               participating_org_ids=[], materials=[], promised_days=5,
                               legal_days=20, status="published", created_by="test"))
        agreements.request_agreement(ctx, consumer.officer, AgreementRequestIn(
            resource_code=population, fields=["id_number", "name", "division_code"],
            purpose_kind="service_item", purpose_code="SB-001", purpose_text="社保登记",
            valid_until=CLOCK.date() + timedelta(days=30)))
    return "SB-001"


def _case(rt, code: str, subject: str, *, item: str = "SB-001", state: str = "in_progress",
          completed: datetime | None = None) -> None:
    with rt.context() as ctx:
        ctx.db.add(Case(code=code, item_code=item, item_version=1, applicant_id=subject,
                        applicant_name="申请人", state=state, created_by="test",
                        completed_at=completed))


def _for_case(rt, consumer, population, case: str, **body: Any):
    purpose = {"kind": "service_item", "code": "SB-001", "case": case}
    with rt.context() as ctx:
        return query(ctx, consumer.system, population, QueryIn(**{"purpose": purpose, **body}))


def _reads(rt) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.kind == "exchange.query"))


def test_a_service_item_purpose_must_name_a_case(consumer, population, item):
    with pytest.raises(ValueError, match="case"):
        QueryIn(subject_ids=[citizen(1)], purpose={"kind": "service_item", "code": "SB-001"})


@pytest.mark.parametrize(("case", "body", "reason"), [
    ("NO-SUCH-CASE", {"subject_ids": ["@1"]}, "case_not_found"),
    ("C-OTHER", {"subject_ids": ["@1"]}, "subject_not_in_case"),
    ("C-1", {"filter": {"division_code": "320505"}}, "filter_not_allowed"),
    ("C-OLD", {"subject_ids": ["@2"]}, "case_closed"),
    ("C-WRONG-ITEM", {"subject_ids": ["@3"]}, "case_not_found"),  # another item's case
])
def test_a_read_for_a_case_is_refused_before_anything_is_read(rt, consumer, population, item,
                                                             case, body, reason):
    _case(rt, "C-1", citizen(1))
    _case(rt, "C-OTHER", citizen(9))
    _case(rt, "C-OLD", citizen(2), state="completed", completed=CLOCK - timedelta(days=31))
    _case(rt, "C-WRONG-ITEM", citizen(3), item="QY-001")
    if "subject_ids" in body:
        body = {"subject_ids": [citizen(int(body["subject_ids"][0][1:]))]}
    with pytest.raises(PurposeNotBound) as refused:
        _for_case(rt, consumer, population, case, **body)
    assert refused.value.status == 403 and refused.value.reason == reason
    assert citizen(1) not in f"{refused.value.detail} {refused.value.extensions()}"
    assert _reads(rt) == 0


def test_a_department_outside_the_item_cannot_use_its_cases(rt, consumer, population, item,
                                                           make_org):
    from govbridge.identity.organizations import org_by_code

    _case(rt, "C-1", citizen(1))
    other = make_org(name="苏州市文化广电和旅游局")
    with rt.context() as ctx:
        org_id = org_by_code(ctx, other).id
        ctx.db.get(ServiceItem, ctx.db.scalar(select(ServiceItem.id))).lead_org_id = org_id
    with pytest.raises(PurposeNotBound) as refused:
        _for_case(rt, consumer, population, "C-1", subject_ids=[citizen(1)])
    assert refused.value.reason == "not_an_item_department"
    # Nothing tells an outsider which case codes exist: a made-up code is refused alike.
    with pytest.raises(PurposeNotBound) as made_up:
        _for_case(rt, consumer, population, "NO-SUCH-CASE", subject_ids=[citizen(1)])
    assert made_up.value.reason == refused.value.reason
    assert made_up.value.detail == refused.value.detail
    assert _reads(rt) == 0


def test_a_read_for_an_open_or_recent_case_is_ledgered_with_its_case(rt, consumer, population,
                                                                    item):
    _case(rt, "C-1", citizen(1))
    _case(rt, "C-DONE", citizen(2), state="completed", completed=CLOCK - timedelta(days=29))
    answer = _for_case(rt, consumer, population, "C-1", subject_ids=[citizen(1)])
    assert len(answer.data["rows"]) == 1
    assert json.loads(answer.receipt.entry)["purpose"] == {
        "kind": "service_item", "code": "SB-001", "case": "C-1"}
    assert len(_for_case(rt, consumer, population, "C-DONE",
                         subject_ids=[citizen(2)]).data["rows"]) == 1
    with rt.context() as ctx:
        assert transparency.list_flags(ctx, AUDITOR) == []


def test_the_command_line_reads_for_a_case_it_names(rt, settings, consumer, population, item):
    from typer.testing import CliRunner

    from govbridge.cli.main import app as cli

    _case(rt, "C-1", citizen(1))
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url}
    base = ["exchange", "query", population, "--org", consumer.code, "--subject", citizen(1),
            "--service-item", "SB-001"]
    runner = CliRunner()
    no_case = runner.invoke(cli, base, env=env)
    assert no_case.exit_code == 2 and "--case" in no_case.output
    unknown = runner.invoke(cli, [*base, "--case", "NO-SUCH-CASE"], env=env)
    assert unknown.exit_code == 1 and "no case NO-SUCH-CASE" in unknown.output
    assert citizen(1) not in unknown.output and _reads(rt) == 0
    read = runner.invoke(cli, [*base, "--case", "C-1", "--json"], env=env)
    assert read.exit_code == 0, read.output
    assert json.loads(json.loads(read.stdout)["receipt"]["entry"])["purpose"]["case"] == "C-1"
    assert _reads(rt) == 1


# --- property: a masked subject ID reaches nobody ----------------------------------------------

_DIVISIONS = iter(range(100_000, 999_999))
SUZHOU = ["320505", "320506", "320507", "320508", "320509", "320581", "320582", "320583"]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(births=st.lists(st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)),
                       min_size=2, max_size=6),
       serials=st.lists(st.integers(0, 999), min_size=6, max_size=6),
       places=st.lists(st.sampled_from(SUZHOU), min_size=6, max_size=6))
def test_a_masked_subject_id_is_in_no_answer_receipt_entry_index_flag_or_log(
        rt, consumer, provider, population, agreed, caplog, births, serials, places):
    """Generated citizen IDs, stored under an agreement that masks the subject field, read
    by filter: none is in the answer, the receipt, any ledger entry or index row, an
    auditor's export, a flag, a refusal or a log record."""
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    division = str(next(_DIVISIONS))  # the filter's value: this example's rows only
    ids = []
    for born, serial, place in zip(births, serials, places, strict=False):
        first17 = f"{place}{born:%Y%m%d}{serial:03d}"
        ids.append(first17 + citizen_id_check_char(first17))
    ids = list(dict.fromkeys(ids))
    assume(len(ids) >= 2)
    rows = [{"id_number": i, "name": "某人", "division_code": division} for i in ids]
    with rt.context() as ctx:
        assert ingest_rows(ctx, provider["officer"], population, rows,
                           source="rest").accepted == len(ids)
    caplog.clear()  # the provider's own ingest may log its own data; consumers' side from here
    answer = _ask(rt, consumer, population, filter={"division_code": division})
    assert len(answer.data["rows"]) == len(ids)
    refusal = ""
    with pytest.raises(InvalidInput) as refused:
        _ask(rt, consumer, population, subject_ids=ids[:2])
    refusal = f"{refused.value.detail} {refused.value.extensions()}"
    with rt.context() as ctx:
        export = json.dumps(queries.get_entry(ctx, AUDITOR, answer.receipt.leafIdx),
                            ensure_ascii=False)
        flags = json.dumps([f.model_dump(mode="json")
                            for f in transparency.list_flags(ctx, AUDITOR)], ensure_ascii=False)
    seen = "\n".join([answer.model_dump_json(), _ledger_text(rt), export, flags, refusal,
                      *(r.getMessage() for r in caplog.records)])
    assert [i for i in ids if i in seen] == []


def test_a_fresh_agreement_does_not_reset_the_misses(rt, consumer, population, agreed):
    """The review's D5: after ten misses the consumer asked for a new agreement (granted at
    once, the dataset being unconditional) and went on guessing. Misses are the consumer's."""
    for n in range(10):
        _ask(rt, consumer, population, subject_ids=[citizen(n, district="320506")])
    with rt.context() as ctx:
        fresh = agreements.request_agreement(ctx, consumer.officer, AgreementRequestIn(
            resource_code=population, fields=["id_number", "name"],
            purpose_kind="legal_basis", purpose_text="《统计法》第七条",
            valid_until=CLOCK.date() + timedelta(days=30)))
    assert fresh.state == "approved"
    with pytest.raises(LimitExceeded) as stopped:
        _ask(rt, consumer, population, subject_ids=[citizen(1)],
             purpose={"kind": "legal_basis", "text": "《统计法》第七条"})
    assert stopped.value.limit == "subject_misses"


def test_reads_refused_for_naming_someone_else_than_the_cases_applicant_count_as_misses(
        rt, consumer, population, item):
    """The review's D4: with a case code of its item, an officer tried candidate IDs until
    one was not refused. Each refusal counts (though the refused call rolls back), so the
    search stops at the limit like any other."""
    _case(rt, "C-1", citizen(1))
    for n in range(2, 12):
        with pytest.raises(PurposeNotBound):
            _for_case(rt, consumer, population, "C-1", subject_ids=[citizen(n)])
    with rt.context() as ctx:
        counted = ctx.db.scalar(select(func.sum(ExchangeUsage.calls)).where(
            ExchangeUsage.window == "x20261130"))
    assert counted == 10
    with pytest.raises(LimitExceeded):  # even the right one: the search is over for today
        _for_case(rt, consumer, population, "C-1", subject_ids=[citizen(1)])
    assert _reads(rt) == 0


def test_an_id_kept_6_4_beside_a_birth_date_in_clear_goes_out_as_a_pseudonym(
        rt, consumer, provider, publish, elements):
    """The review's D6: keep:6:4 hides exactly the birth date; an agreement that also
    returns 出生日期 unmasked gave the whole ID back. Then the ID is a pseudonym."""
    rt.clock = lambda: CLOCK
    code = publish({
        "name": "新生儿信息", "abstract": "出生登记。", "share_type": "conditional",
        "share_condition": "办理出生一件事", "subject_type": "person",
        "subject_field": "id_number", "keywords": ["出生"],
        "fields": [
            {"name": "id_number", "title": "公民身份号码", "element": elements["citizen_id"],
             "required": True, "grade": "important"},
            {"name": "birth_date", "title": "出生日期", "element": "DE0005",
             "grade": "general-3"},
        ]}).resource_code
    person = citizen(3)
    born = f"{person[6:10]}-{person[10:12]}-{person[12:14]}"
    with rt.context() as ctx:
        assert ingest_rows(ctx, provider["officer"], code, [
            {"id_number": person, "birth_date": born}], source="rest").accepted == 1
        made = agreements.request_agreement(ctx, consumer.officer, AgreementRequestIn(
            resource_code=code, fields=["id_number", "birth_date"], purpose_kind="legal_basis",
            purpose_text=LEGAL["text"], valid_until=CLOCK.date() + timedelta(days=30)))
        agreements.decide(ctx, provider["officer"], made.code, approve_fields=[
            "id_number", "birth_date"], masks={"id_number": "keep:6:4", "birth_date": "raw"})
    [row] = _ask(rt, consumer, code, subject_ids=[person]).data["rows"]
    assert row["birth_date"] == born
    assert row["id_number"].startswith("h:") and person[-4:] not in row["id_number"]
    # the birth date masked (year) as usual: the ID keeps its keep:6:4
    with rt.context() as ctx:
        other = agreements.request_agreement(ctx, consumer.officer, AgreementRequestIn(
            resource_code=code, fields=["id_number", "birth_date"], purpose_kind="legal_basis",
            purpose_text="《统计法》第七条", valid_until=CLOCK.date() + timedelta(days=30)))
        agreements.decide(ctx, provider["officer"], other.code, approve_fields=[
            "id_number", "birth_date"], masks={"id_number": "keep:6:4", "birth_date": "year"})
    [row] = _ask(rt, consumer, code, subject_ids=[person],
                 purpose={"kind": "legal_basis", "text": "《统计法》第七条"}).data["rows"]
    assert row["birth_date"] == born[:4] and row["id_number"] == person[:6] + "*" * 8 + person[-4:]
