"""A live SQL source (同源) on a real PostgreSQL database of the department."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govbridge.audit.models import AuditEvent
from govbridge.core.errors import InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.ingest import live
from govbridge.ingest.live import SourceUnavailable
from govbridge.ingest.live_models import LiveSource
from govbridge.ingest.live_schemas import LiveSourceIn

MAPPING = {"id_number": "sfzh", "full_name": "xm", "birth_date": "csrq"}


def register(rt, actor, code, **data):
    with rt.context() as ctx:
        return live.register_live_source(ctx, actor, code, LiveSourceIn(**data))


def read(rt, actor, code, ids, **kw):
    with rt.context() as ctx:
        return live.read_live(ctx, actor, code, ids, **kw)


@pytest.mark.parametrize("query", [
    "persons",
    "SELECT sfzh, xm, csrq FROM persons WHERE sfzh IN :subject_ids ORDER BY sfzh",
])
def test_reads_valid_rows_and_reports_the_invalid_one(rt, provider, persons, department_db,
                                                      make_id, query) -> None:
    officer = provider["officer"]
    register(rt, officer, persons, kind="sql", url=department_db["url"], query=query,
             mapping=MAPPING)
    wanted = [make_id(1), make_id(3), make_id(4, valid=False), make_id(9)]
    result = read(rt, officer, persons, wanted)

    assert sorted(r["id_number"] for r in result.rows) == [make_id(1), make_id(3)]
    row = next(r for r in result.rows if r["id_number"] == make_id(1))
    assert row["full_name"] == "张一"
    assert str(row["birth_date"]) == "1980-01-01"
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.subject_id, problem.field, problem.rule) == (
        make_id(4, valid=False), "id_number", "citizen_id")
    assert problem.value == make_id(4, valid=False)
    assert result.missing == [make_id(9)]
    with rt.context() as ctx:  # nothing read was stored centrally
        from govbridge.ingest.models import DatasetRecord

        assert ctx.db.scalar(select(DatasetRecord.id).limit(1)) is None


def test_url_is_encrypted_and_never_shown(rt, provider, persons, department_db) -> None:
    password = department_db["password"]
    out = register(rt, provider["officer"], persons, kind="sql", url=department_db["url"],
                   query="persons", mapping=MAPPING)
    assert out.location == f"postgresql+psycopg://***@{department_db['host']}"
    assert password not in out.model_dump_json()
    with rt.context() as ctx:
        src = ctx.db.scalars(select(LiveSource)).one()
        assert password.encode() not in src.target_enc
        assert b"postgresql" not in src.target_enc
        listed = live.list_live_sources(ctx, provider["officer"])
        shown = live.get_live_source(ctx, provider["officer"], persons)
        audit = [e.details for e in ctx.db.scalars(select(AuditEvent))]
    assert [s.location for s in listed] == [out.location] == [shown.location]
    assert password not in repr(audit)


def test_source_down_is_unavailable_with_retry_hint(rt, provider, persons, department_db,
                                                     make_id) -> None:
    password = department_db["password"]
    dead = department_db["url"].replace(department_db["host"], "127.0.0.1:1")
    register(rt, provider["officer"], persons, kind="sql", url=dead, query="persons",
             mapping=MAPPING)
    with pytest.raises(SourceUnavailable) as info:
        read(rt, provider["officer"], persons, [make_id(1)], timeout=2)
    exc = info.value
    assert exc.status == 503
    assert exc.extensions()["retry_after_seconds"] == live.RETRY_AFTER
    assert "try again in" in exc.detail and "127.0.0.1:1" in exc.detail
    assert password not in exc.detail and password not in repr(exc.extensions())


def test_registration_is_checked_without_echoing_the_url(rt, provider, persons,
                                                         department_db) -> None:
    password = department_db["password"]
    with pytest.raises(InvalidInput) as info:
        register(rt, provider["officer"], persons, kind="sql",
                 url=f"nosuchdb://u:{password}@h/x", query="DELETE FROM persons",
                 mapping={"nope": "x"})
    fields = {p.field: p for p in info.value.problems}
    assert set(fields) == {"url", "query", "mapping.nope"}
    assert password not in info.value.detail
    with pytest.raises(InvalidInput, match=":subject_ids"):
        register(rt, provider["officer"], persons, kind="sql", url=department_db["url"],
                 query="SELECT * FROM persons")
    with pytest.raises(InvalidInput, match=r"\{subject_id\}"):
        register(rt, provider["officer"], persons, kind="rest", url="http://127.0.0.1/persons")


def test_only_the_provider_registers_and_reads(rt, provider, persons, department_db,
                                               make_org) -> None:
    from govbridge.identity.organizations import org_by_code

    other_code = make_org(name="苏州市卫生健康委员会")
    with rt.context() as ctx:
        other_id = org_by_code(ctx, other_code).id
    stranger = Actor.for_user(user_id=3100, username="officer.wjw",
                              roles=frozenset({Role.DATA_OFFICER}), organization_id=other_id,
                              subject_id=None)
    with pytest.raises(PermissionDenied):
        register(rt, stranger, persons, kind="sql", url=department_db["url"], query="persons")
    client = Actor.for_client(client_id=1, key_id="gbk_test", organization_id=provider["id"])
    register(rt, client, persons, kind="sql", url=department_db["url"], query="persons",
             mapping=MAPPING)  # the provider's system client may register
    with pytest.raises(PermissionDenied):
        read(rt, stranger, persons, ["x"])
    with rt.context() as ctx:
        assert live.list_live_sources(ctx, stranger) == []
        live.delete_live_source(ctx, provider["officer"], persons)
    with pytest.raises(NotFound):
        read(rt, provider["officer"], persons, ["x"])


def test_the_platform_database_and_local_files_are_refused(rt, provider, persons,
                                                           tmp_path) -> None:
    # Reading a file on the platform's host (or the platform's own database) would hand an
    # officer whatever it holds, through the rows or their problems' values.
    for url in (f"sqlite:///{tmp_path / 'any.db'}", rt.settings.resolved_database_url):
        with pytest.raises(InvalidInput) as info:
            register(rt, provider["officer"], persons, kind="sql", url=url, query="users")
        [problem] = info.value.problems
        assert (problem.field, problem.code) == ("url", "forbidden")
    platform = "postgresql://gb:pw@db.internal:5432/govbridge"
    with pytest.raises(InvalidInput, match="platform's own database"):
        live._check_url("sql", "postgresql+psycopg://x@DB.internal/govbridge", platform)
    assert live._check_url("sql", "postgresql://x@db.internal/department", platform)
    assert live._check_url("sql", "postgresql://x@db.internal:5433/govbridge", platform)


def test_the_exchange_gives_its_slot_back_while_the_department_answers(
        rt, provider, persons, department_db, make_id, monkeypatch) -> None:
    from types import SimpleNamespace

    from govbridge.exchange import gateway
    from govbridge.exchange.admission import Admission
    from govbridge.exchange.schemas import QueryIn
    from support import free_slots_while_called

    register(rt, provider["officer"], persons, kind="sql", url=department_db["url"],
             query="persons", mapping=MAPPING)
    gate = Admission(1, 5)
    free_while_read = free_slots_while_called(monkeypatch, gate, live, "read_live")
    query = QueryIn(subject_ids=[make_id(1)],
                    purpose={"kind": "legal_basis", "text": "《中华人民共和国户口登记条例》"})
    with gate.slot(), rt.context() as ctx:
        rows = gateway._read(ctx, SimpleNamespace(resource_code=persons), query, True)
        assert gate.free() == 0
    assert [r["id_number"] for r in rows] == [make_id(1)]
    assert free_while_read == [1]
