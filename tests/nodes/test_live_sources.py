"""A node serving a dataset live from the department's own database (SQLite file and
PostgreSQL): sealed by the node and checked by the hub as from the store; a changed row is
served changed; the source's credentials show nowhere; a source that is down answers 503
and records nothing."""

from __future__ import annotations

import json
import logging
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from govbridge.api.app import create_app
from govbridge.cli.main import app as cli_app
from govbridge.exchange import gateway
from govbridge.exchange.models import ExchangeUsage
from govbridge.exchange.schemas import QueryIn
from govbridge.exchange.verify import verify_response
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ingest.live import SourceFailed, SourceUnavailable
from govbridge.ledger import log
from govbridge.nodes import client, live, tls
from govbridge.nodes.config import SOURCES, load_config
from govbridge.seals.usecases import ca_certificate_pem
from ingest_helpers import company_code, licence_row, person_id
from node_helpers import (
    LIVE_MAP,
    LIVE_MAP_ARGS,
    LIVE_TABLE,
    PURPOSE,
    department_sqlite,
    free_port,
    node_thread,
)
from support import committed

ROWS = 5
CLI_PASSWORD = "Cli-Pw-5520"


def _consumer(rt, city) -> Actor:
    with rt.context() as ctx:
        org_id = org_by_code(ctx, city.consumer_code).id
    return Actor.for_client(client_id=1, key_id="gbk_test", organization_id=org_id)


def _query(*subjects: int, **kw: Any) -> QueryIn:
    return QueryIn(**{"subject_ids": [company_code(n) for n in subjects], "purpose": PURPOSE,
                      **kw})


def _tree_size(rt) -> int:
    with rt.context() as ctx:
        return log.tree_state(ctx)[0]


def _usage(rt) -> int:
    with rt.context() as ctx:
        return int(ctx.db.scalar(select(func.coalesce(func.sum(ExchangeUsage.calls), 0))))


def _dataset(directory: Path, code: str):
    ds = load_config(directory).dataset(code)
    assert ds is not None
    return ds


@pytest.fixture
def node_a(rt, city, agree, enrol):
    """Provider A's node, enrolled, nothing in its store, and the consumer's agreement."""
    agree(city.a_dataset)
    port = free_port()
    return enrol(city.a_code, port), port


@pytest.fixture
def dept_sqlite(tmp_path) -> tuple[Path, str]:
    path = tmp_path / "dept" / "scjg.db"
    path.parent.mkdir()
    return path, department_sqlite(path, ROWS)


def _served(rt, city, directory: Path, port: int, *subjects: int,
            **kw: Any) -> gateway.ExchangeResponse:
    with node_thread(directory, port), rt.context() as ctx:
        return gateway.query(ctx, _consumer(rt, city), city.a_dataset, _query(*subjects, **kw))


def _set_legal_rep_sqlite(path: Path, n: int, name: str) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"UPDATE {LIVE_TABLE} SET fddbr = ? WHERE tyshxydm = ?",
                     (name, company_code(n)))


# --- serving live ------------------------------------------------------------------------


def test_a_node_serves_a_dataset_live_from_a_sqlite_file_and_sees_changes(
        rt, city, node_a, dept_sqlite):
    directory, port = node_a
    path, url = dept_sqlite
    ds = _dataset(directory, city.a_dataset)
    assert ds.elements and ds.required == ["credit_code"]  # the rules came with enrolment
    src = live.add_source(directory, ds, url, LIVE_TABLE, LIVE_MAP)
    assert src.location == "sqlite://(local file)"
    assert stat.S_IMODE((directory / SOURCES).stat().st_mode) == 0o600

    first = _served(rt, city, directory, port, 1, 3)
    assert [r["credit_code"] for r in first.data["rows"]] == [company_code(1), company_code(3)]
    assert first.data["rows"][0]["legal_rep"] == "张1"
    # The important field is masked by the node as the hub planned.
    assert person_id(1) not in first.model_dump_json()
    with rt.context() as ctx:
        anchor = ca_certificate_pem(ctx)
    checked = verify_response(json.loads(first.model_dump_json()), trust_anchor_pem=anchor)
    assert checked.seal.kid == load_config(directory).seal_kid
    assert json.loads(first.receipt.entry)["subjects"] == committed(
        rt, first.receipt.entry, company_code(1), company_code(3))

    # Live means live: the department changes a row, the next query serves the change.
    _set_legal_rep_sqlite(path, 1, "王五")
    again = _served(rt, city, directory, port, 1)
    assert [r["legal_rep"] for r in again.data["rows"]] == ["王五"]


def test_a_query_by_filter_is_answered_from_the_live_source(rt, city, node_a, dept_sqlite):
    directory, port = node_a
    live.add_source(directory, _dataset(directory, city.a_dataset), dept_sqlite[1], LIVE_TABLE,
                    LIVE_MAP)
    resp = _served(rt, city, directory, port, filter={"legal_rep": "张2"})
    assert [r["credit_code"] for r in resp.data["rows"]] == [company_code(2)]
    assert json.loads(resp.receipt.entry)["subjects"] == committed(
        rt, resp.receipt.entry, company_code(2))
    by_date = _served(rt, city, directory, port, filter={"established": "2020-05-17"},
                      limit=3)
    assert len(by_date.data["rows"]) == 3


def test_the_node_serves_live_from_a_postgresql_table_and_sees_changes(
        rt, city, node_a, department_pg, caplog):
    directory, port = node_a
    password = department_pg["password"]
    caplog.set_level(logging.DEBUG)
    src = live.add_source(directory, _dataset(directory, city.a_dataset), department_pg["url"],
                          LIVE_TABLE, LIVE_MAP)
    assert src.location.startswith("postgresql+psycopg://***@127.0.0.1")

    first = _served(rt, city, directory, port, 2, 4)
    assert [r["credit_code"] for r in first.data["rows"]] == [company_code(2), company_code(4)]
    assert first.data["rows"][0]["established"] == "2020-05-17"  # a date column, as text
    with department_pg["engine"].begin() as conn:
        conn.execute(text(f"UPDATE {LIVE_TABLE} SET fddbr = '赵六' WHERE tyshxydm = :c"),
                     {"c": company_code(2)})
    again = _served(rt, city, directory, port, 2)
    assert again.data["rows"][0]["legal_rep"] == "赵六"

    with node_thread(directory, port) as node_url:
        health = _health(rt, city, node_url)
    assert health["live"] == [city.a_dataset] and health["datasets"] == {city.a_dataset: 0}
    shown = [first.model_dump_json(), again.model_dump_json(), json.dumps(health),
             json.dumps([s.shown() for s in live.load_sources(directory).values()]),
             caplog.text]
    assert not [s for s in shown if password in s]


def _health(rt, city, node_url: str) -> dict[str, Any]:
    import httpx

    with rt.context() as ctx:
        context = client.hub_ssl_context(ctx)
    with httpx.Client(verify=context, trust_env=False, timeout=5) as http:
        resp = http.get(node_url + "/node/v1/health",
                        extensions={"sni_hostname": tls.node_server_name(city.a_code)})
    assert resp.status_code == 200
    return resp.json()


def test_a_row_that_breaks_its_fields_rules_is_not_served_and_its_value_not_logged(
        rt, city, node_a, dept_sqlite, caplog):
    directory, port = node_a
    path, url = dept_sqlite
    bad_id = person_id(2)[:-1] + ("0" if person_id(2)[-1] != "0" else "1")
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"UPDATE {LIVE_TABLE} SET fddbr_sfzh = ? WHERE tyshxydm = ?",
                     (bad_id, company_code(2)))
    live.add_source(directory, _dataset(directory, city.a_dataset), url, LIVE_TABLE, LIVE_MAP)
    caplog.set_level(logging.DEBUG)
    resp = _served(rt, city, directory, port, 1, 2)
    assert [r["credit_code"] for r in resp.data["rows"]] == [company_code(1)]
    assert "legal_rep_id: citizen_id" in caplog.text
    assert bad_id not in caplog.text


# --- a source that is down or wrong ------------------------------------------------------


def _dead_pg(password: str) -> str:
    return f"postgresql://reader:{password}@127.0.0.1:1/dept"


def test_a_source_that_is_down_gives_503_and_records_nothing(rt, city, node_a, caplog):
    directory, port = node_a
    password = "Down-Pw-7781"
    live.add_source(directory, _dataset(directory, city.a_dataset), _dead_pg(password),
                    LIVE_TABLE, LIVE_MAP, check=False)
    caplog.set_level(logging.DEBUG)
    size, calls = _tree_size(rt), _usage(rt)
    with node_thread(directory, port):
        with pytest.raises(client.NodeUnavailable) as caught, rt.context() as ctx:
            gateway.query(ctx, _consumer(rt, city), city.a_dataset, _query(1))
        with TestClient(create_app(rt), raise_server_exceptions=False) as web:
            resp = web.post(f"/api/v1/exchange/{city.a_dataset}/query",
                            headers={"Authorization": f"Bearer {city.api_key}"},
                            json={"subject_ids": [company_code(1)], "purpose": PURPOSE})
    exc = caught.value
    assert exc.status == 503 and exc.retry_after == client.RETRY_AFTER
    assert "data source" in exc.detail and "unavailable" in exc.detail
    assert "connection was refused" in exc.detail and "nothing was recorded" in exc.detail
    assert resp.status_code == 503, resp.text
    assert resp.headers["Retry-After"] == str(client.RETRY_AFTER)
    assert resp.json()["type"].endswith("node-unavailable")
    assert _tree_size(rt) == size and _usage(rt) == calls
    assert "***@127.0.0.1:1" in caplog.text  # the node's log says where, masked
    for shown in (exc.detail, repr(exc.extensions()), resp.text, caplog.text):
        assert password not in shown and "reader:" not in shown


def test_a_missing_sqlite_file_is_unavailable_and_not_created(rt, city, node_a, tmp_path):
    directory, port = node_a
    gone = tmp_path / "gone.db"
    live.add_source(directory, _dataset(directory, city.a_dataset), f"sqlite:///{gone}",
                    LIVE_TABLE, LIVE_MAP, check=False)
    size = _tree_size(rt)
    with node_thread(directory, port), pytest.raises(client.NodeUnavailable,
                                                     match="data source"), rt.context() as ctx:
        gateway.query(ctx, _consumer(rt, city), city.a_dataset, _query(1))
    assert not gone.exists()  # opened read-only: never created empty
    assert _tree_size(rt) == size


def test_a_source_whose_table_is_gone_is_refused_and_records_nothing(
        rt, city, node_a, dept_sqlite):
    directory, port = node_a
    path, url = dept_sqlite
    live.add_source(directory, _dataset(directory, city.a_dataset), url, LIVE_TABLE, LIVE_MAP)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"ALTER TABLE {LIVE_TABLE} RENAME TO old_{LIVE_TABLE}")
    size = _tree_size(rt)
    with node_thread(directory, port), pytest.raises(
            client.NodeAnswerInvalid, match=r"data source of .* failed"), rt.context() as ctx:
        gateway.query(ctx, _consumer(rt, city), city.a_dataset, _query(1))
    assert _tree_size(rt) == size


# --- configuring ---------------------------------------------------------------------------


def test_adding_a_source_checks_it_without_echoing_the_url(rt, city, node_a, dept_sqlite):
    directory, _port = node_a
    ds = _dataset(directory, city.a_dataset)
    secret = "Pw-in-Url-3307"
    with pytest.raises(live.SourceConfigError, match="not a usable SQLAlchemy URL") as bad:
        live.add_source(directory, ds, f"nosuchdb://u:{secret}@h/x", LIVE_TABLE, LIVE_MAP)
    assert secret not in str(bad.value)
    with pytest.raises(live.SourceConfigError, match="phone is not a field"):
        live.add_source(directory, ds, dept_sqlite[1], LIVE_TABLE, {"phone": "dh"})
    with pytest.raises(live.SourceConfigError, match=r"schema\.name"):
        live.add_source(directory, ds, dept_sqlite[1], "yyzz; DROP TABLE x", LIVE_MAP)
    with pytest.raises(SourceFailed, match="refused the query"):  # no such column
        live.add_source(directory, ds, dept_sqlite[1], LIVE_TABLE,
                        {**LIVE_MAP, "legal_rep": "no_such_column"})
    with pytest.raises(SourceUnavailable) as down:
        live.add_source(directory, ds, _dead_pg(secret), LIVE_TABLE, LIVE_MAP, timeout=2)
    assert secret not in down.value.detail
    assert not (directory / SOURCES).exists()  # nothing was written
    assert live.remove_source(directory, ds.resource_code) is False


def test_the_cli_adds_lists_and_removes_a_source(rt, settings, city, node_a, dept_sqlite):
    directory, _port = node_a
    path, url = dept_sqlite
    runner = CliRunner()
    env = {"GOVBRIDGE_HOME": str(settings.home),
           "GOVBRIDGE_DATABASE_URL": settings.resolved_database_url}
    added = runner.invoke(cli_app, ["node", "source", "add", city.a_dataset, "--dir",
                                    str(directory), "--table", LIVE_TABLE,
                                    *[a for m in LIVE_MAP_ARGS for a in ("--map", m)]],
                          env={**env, "GOVBRIDGE_NODE_SOURCE_URL": url})
    assert added.exit_code == 0, added.output
    assert "read live from sqlite://(local file)" in added.output
    listed = runner.invoke(cli_app, ["node", "source", "list", "--dir", str(directory),
                                     "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [{
        "resource_code": city.a_dataset, "location": "sqlite://(local file)",
        "table": LIVE_TABLE, "mapping": LIVE_MAP}]
    refused = runner.invoke(cli_app, ["node", "source", "add", city.a_dataset, "--dir",
                                      str(directory), "--table", "no_such_table",
                                      "--url", _dead_pg(CLI_PASSWORD)], env=env)
    assert refused.exit_code == 1 and CLI_PASSWORD not in refused.output
    assert "unavailable" in refused.output
    removed = runner.invoke(cli_app, ["node", "source", "remove", city.a_dataset, "--dir",
                                      str(directory)], env=env)
    assert removed.exit_code == 0, removed.output
    assert live.load_sources(directory) == {}
    assert path.exists()


def test_rows_from_a_store_and_a_live_source_are_checked_alike(city, node_a):
    directory, _port = node_a
    check = live.row_check(_dataset(directory, city.a_dataset))
    clean, problems = check({**licence_row(1), "established": "2020/05/17"})
    assert problems == [] and clean["established"] == "2020-05-17"
    _clean, problems = check({**licence_row(1), "credit_code": None})
    assert problems == ["credit_code: required"]
