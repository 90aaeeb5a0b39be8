"""A live REST source (同源) served by a real HTTP server on loopback."""

from __future__ import annotations

import pytest

from govbridge.ingest import live
from govbridge.ingest.live import SourceUnavailable
from govbridge.ingest.live_schemas import LiveSourceIn

MAPPING = {"id_number": "id", "full_name": "person.name", "birth_date": "person.born"}


def register(rt, actor, code, url):
    with rt.context() as ctx:
        return live.register_live_source(ctx, actor, code,
                                         LiveSourceIn(kind="rest", url=url, mapping=MAPPING))


def read(rt, actor, code, ids, **kw):
    with rt.context() as ctx:
        return live.read_live(ctx, actor, code, ids, **kw)


def test_rest_source_rows_problems_and_missing(rt, provider, persons, department_rest,
                                               make_id) -> None:
    officer = provider["officer"]
    out = register(rt, officer, persons, department_rest["base"] + "/persons/{subject_id}")
    assert out.location == f"http://***@127.0.0.1:{department_rest['port']}"
    assert department_rest["token"] not in out.model_dump_json()

    ids = [make_id(1), make_id(2), make_id(4, valid=False), make_id(8)]
    result = read(rt, officer, persons, ids)
    assert [r["full_name"] for r in result.rows] == ["李一", "李二"]
    assert str(result.rows[1]["birth_date"]) == "1980-01-01"  # 19800101, coerced
    rules = sorted((p.field, p.rule) for p in result.problems)
    assert [f for f, _ in rules] == ["birth_date", "id_number"]
    assert all(p.subject_id == make_id(4, valid=False) for p in result.problems)
    assert result.missing == [make_id(8)]


def test_wrong_credentials_fail_without_showing_them(rt, provider, persons, department_rest,
                                                     make_id) -> None:
    url = f"http://reader:wrong-{department_rest['token']}@127.0.0.1:{department_rest['port']}"
    register(rt, provider["officer"], persons, url + "/persons/{subject_id}")
    with pytest.raises(live.SourceFailed) as info:
        read(rt, provider["officer"], persons, [make_id(1)])
    assert "HTTP 401" in info.value.detail
    assert department_rest["token"] not in info.value.detail


@pytest.mark.parametrize(("path", "words"), [
    ("/slow/{subject_id}", "did not answer in time"),
    ("/broken/{subject_id}", "HTTP 500"),
])
def test_slow_or_failing_source_is_unavailable(rt, provider, persons, department_rest, make_id,
                                               path, words) -> None:
    register(rt, provider["officer"], persons, department_rest["base"] + path)
    with pytest.raises(SourceUnavailable, match=words) as info:
        read(rt, provider["officer"], persons, [make_id(1)], timeout=0.5)
    assert info.value.extensions()["retry_after_seconds"] == live.RETRY_AFTER
    assert department_rest["token"] not in info.value.detail


def test_server_down_is_unavailable(rt, provider, persons, department_rest, make_id) -> None:
    register(rt, provider["officer"], persons, department_rest["base"] + "/persons/{subject_id}")
    department_rest["server"].should_exit = True
    import time

    time.sleep(0.3)
    with pytest.raises(SourceUnavailable, match="refused or lost"):
        read(rt, provider["officer"], persons, [make_id(1)], timeout=1)


def test_only_the_bureaus_department_hosts_may_be_sources(rt, provider, persons,
                                                          department_hosts):
    from govbridge.core.errors import InvalidInput
    from govbridge.ingest.live import host_allowed

    department_hosts[:] = [".tax.suzhou.gov.cn", "10.20.0.5"]
    assert host_allowed("db.tax.suzhou.gov.cn", department_hosts)
    assert host_allowed("tax.suzhou.gov.cn", department_hosts)
    assert host_allowed("10.20.0.5", department_hosts)
    assert not host_allowed("evil-tax.suzhou.gov.cn.example", department_hosts)
    assert not host_allowed("169.254.169.254", department_hosts)
    for url in ("http://169.254.169.254/latest/{subject_id}",
                "http://127.0.0.1:9/x/{subject_id}"):
        with pytest.raises(InvalidInput) as caught, rt.context() as ctx:
            live.register_live_source(ctx, provider["officer"], persons,
                                      LiveSourceIn(kind="rest", url=url, mapping=MAPPING))
        assert [p.code for p in caught.value.problems] == ["forbidden"]
    department_hosts.clear()  # nothing listed: nothing may be a source
    with pytest.raises(InvalidInput) as caught, rt.context() as ctx:
        live.register_live_source(ctx, provider["officer"], persons, LiveSourceIn(
            kind="sql", url="postgresql://u@10.20.0.5/db", query=None, mapping=MAPPING))
    assert ("url", "forbidden") in {(p.field, p.code) for p in caught.value.problems}
