"""BPMN files as people save them: UTF-16 with a BOM or a declared encoding is read,
binary or undecodable bytes are a clear problem naming the file (use case, API, CLI)."""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bpmn_helpers import linear
from govbridge.api.app import create_app
from govbridge.cli.main import app
from govbridge.core.errors import InvalidInput
from govbridge.core.permissions import Role
from govbridge.services import usecases
from support import PASSWORD

BINARY = bytes(range(256)) * 8
PNG_START = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)


def utf16(bom: bool = True, declared: str = "UTF-16", endian: str = "le") -> bytes:
    text = linear().replace('encoding="UTF-8"', f'encoding="{declared}"')
    data = text.encode(f"utf-16-{endian}")
    if bom:
        data = (codecs.BOM_UTF16_LE if endian == "le" else codecs.BOM_UTF16_BE) + data
    return data


@pytest.mark.parametrize("data", [
    utf16(), utf16(endian="be"), utf16(bom=False), codecs.BOM_UTF8 + linear().encode(),
    linear().replace('encoding="UTF-8"', 'encoding="GB18030"').encode("gb18030"),
], ids=["utf16le-bom", "utf16be-bom", "utf16-declared", "utf8-bom", "gb18030-declared"])
def test_a_document_in_a_declared_or_marked_encoding_is_read(data):
    from govbridge.services.bpmn_text import document_text

    text = document_text(data, "process.bpmn")
    assert "审核" in text and text.startswith("<?xml")
    assert 'encoding="UTF-8"' in text.splitlines()[0]  # stored and re-read as UTF-8


@pytest.mark.parametrize(("data", "code", "words"), [
    (BINARY, "binary", "binary"),
    (PNG_START, "binary", "binary"),
    (b"\x00\x01\x02\x03" * 10, "binary", "binary"),
    (linear().encode("gb18030"), "encoding", "not valid UTF-8"),  # says UTF-8, is not
    (linear().replace('encoding="UTF-8"', 'encoding="no-such-thing"').encode(),
     "encoding", "no-such-thing"),
    (b"", "empty", "empty"),
])
def test_binary_or_undecodable_bytes_are_a_problem_naming_the_file(data, code, words):
    from govbridge.services.bpmn_text import document_text

    with pytest.raises(InvalidInput) as caught:
        document_text(data, "process.bpmn")
    problem = caught.value.problems[0]
    assert problem.field == "bpmn" and problem.code == code
    assert "process.bpmn" in problem.reason and words in problem.reason


def test_import_reads_utf16_and_stores_utf8(rt, make_item, bureau):
    item = make_item()
    with rt.context() as ctx:
        made = usecases.import_bpmn(ctx, bureau, item.code, utf16(), filename="p.bpmn")
    assert made.version == 1
    with rt.context() as ctx:
        stored = usecases.get_version(ctx, bureau, item.code, 1).bpmn_xml
        again = usecases.import_bpmn(ctx, bureau, item.code, linear().encode())
    assert stored == linear() and again.version == 1  # the same document, nothing new


def test_import_refuses_binary_with_invalid_input(rt, make_item, bureau):
    item = make_item()
    with rt.context() as ctx, pytest.raises(InvalidInput, match=r"upload\.bpmn.*binary"):
        usecases.import_bpmn(ctx, bureau, item.code, BINARY, filename="upload.bpmn")


@pytest.fixture
def gb(rt, settings, departments):
    runner = CliRunner()
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}

    def run(*args: str):
        return runner.invoke(app, list(args), env=env)

    assert run("init").exit_code == 0
    return run


def test_cli_import_of_utf16_and_binary(gb, make_item, tmp_path):
    item = make_item()
    good, bad = tmp_path / "utf16.bpmn", tmp_path / "picture.bpmn"
    good.write_bytes(utf16())
    bad.write_bytes(BINARY)
    done = gb("service", "import-bpmn", item.code, str(good), "--json")
    assert done.exit_code == 0, done.output
    refused = gb("service", "import-bpmn", item.code, str(bad))
    assert refused.exit_code == 1
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
    assert "Traceback" not in refused.output
    assert "picture.bpmn" in refused.stderr and "binary" in refused.stderr


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


def test_api_import_of_utf16_and_binary(client, make_item, make_user, departments):
    item = make_item()
    secret = pyotp.random_base32(32)
    make_user("u-bureau", [Role.BUREAU_ADMIN], org=departments["bureau"], totp_secret=secret)
    session = client.post("/api/v1/sessions", json={
        "username": "u-bureau", "password": PASSWORD, "totp_code": pyotp.TOTP(secret).now()})
    admin = {"Authorization": f"Bearer {session.json()['session_token']}"}
    xml = {**admin, "content-type": "application/xml"}
    up = client.post(f"/api/v1/service-items/{item.code}/bpmn", content=utf16(), headers=xml)
    assert up.status_code == 201, up.text
    bad = client.post(f"/api/v1/service-items/{item.code}/bpmn", content=BINARY, headers=xml)
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["code"] == "binary"
    named = client.post(f"/api/v1/service-items/{item.code}/bpmn", headers=admin,
                        files={"file": ("drawing.bpmn", BINARY, "application/octet-stream")})
    assert named.status_code == 422 and named.json()["errors"][0]["code"] == "binary"
