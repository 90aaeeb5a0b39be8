"""`govbridge cert list|export|verify|revoke|issue|requests|approve|refuse`."""

from __future__ import annotations

import json

import pytest
from certificate_helpers import register
from typer.testing import CliRunner

from govbridge.cli.main import app
from ingest_helpers import company_code, person_id

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


@pytest.fixture
def gb(rt, settings):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}

    def run(*args: str, user: str = "alice"):
        # The CLI acts as the local operator, named by the OS user (four eyes: two users).
        return runner.invoke(app, list(args), env={**env, "LOGNAME": user, "USER": user})

    return run


def _request(gb, provider, *extra: str):
    return gb("cert", "issue", "--issuer", provider["code"], "--type", "营业执照",
              "--holder", company_code(9), "--holder-name", "苏州某餐饮有限公司",
              "--data", f'{{"legal_rep": "王五", "legal_rep_id": "{person_id(9)}"}}', *extra)


def test_issue_without_a_case_is_a_request_another_user_decides(rt, gb, provider, licence_type):
    register(rt, company_code(9), "苏州某餐饮有限公司")
    asked = _request(gb, provider)
    assert asked.exit_code == 0, asked.output
    assert "pending" in asked.stdout and "cert approve" in asked.stdout
    request = json.loads(gb("cert", "requests", "--json").stdout)
    assert [(r["state"], r["holder_id"], r["requested_by"]) for r in request] == [
        ("pending", company_code(9), "operator:alice")]
    assert json.loads(gb("cert", "list", "--json").stdout) == []  # nothing sealed yet
    own = gb("cert", "approve", str(request[0]["id"]))
    assert own.exit_code == 1 and "four eyes" in " ".join(own.output.split())
    made = gb("cert", "approve", str(request[0]["id"]), "--json", user="bob")
    assert made.exit_code == 0, made.output
    cert = json.loads(made.stdout)
    assert cert["type_name"] == "营业执照" and cert["created_by"] == "operator:alice + operator:bob"
    again = gb("cert", "refuse", str(request[0]["id"]), "--reason", "late", user="carol")
    assert again.exit_code == 1 and "already approved" in " ".join(again.output.split())
    refused = _request(gb, provider, "--json")
    second = json.loads(refused.stdout)["id"]
    assert gb("cert", "refuse", str(second), "--reason", "no application on file",
              user="bob").exit_code == 0
    states = {r["id"]: r["state"] for r in
              json.loads(gb("cert", "requests", "--state", "all", "--json").stdout)}
    assert states == {request[0]["id"]: "approved", second: "refused"}


def test_issue_refuses_free_text_types_and_unregistered_holders(gb, provider, licence_type):
    free = gb("cert", "issue", "--issuer", provider["code"], "--type", "卫生许可证",
              "--holder", company_code(9), "--holder-name", "苏州某餐饮有限公司")
    assert free.exit_code == 1 and "certificate_type" in free.output
    unknown = _request(gb, provider)  # not in the registry of companies
    assert unknown.exit_code == 1 and "no holder in the registry" in " ".join(
        unknown.output.split())


def test_issue_list_export_verify_revoke(gb, issue, provider, tmp_path):
    made = issue()
    listed = json.loads(gb("cert", "list", "--json").stdout)
    assert [c["id"] for c in listed] == [made.id]
    pdf_out, vc_out = tmp_path / "c.pdf", tmp_path / "c.jwt"
    exported = gb("cert", "export", str(made.id), "--pdf", str(pdf_out), "--json", str(vc_out))
    assert exported.exit_code == 0, exported.output
    assert pdf_out.read_bytes().startswith(b"%PDF-")
    ok = gb("cert", "verify", str(pdf_out))
    assert ok.exit_code == 0 and f"{pdf_out}: valid {made.identifier}" in ok.stdout
    assert provider["code"] in ok.stdout
    ca = tmp_path / "ca.pem"
    assert gb("seal", "ca", "--out", str(ca)).exit_code == 0
    offline = gb("cert", "verify", str(vc_out), "--ca", str(ca))
    assert offline.exit_code == 0 and ": valid " in offline.stdout
    flipped = bytearray(pdf_out.read_bytes())
    flipped[flipped.index(b"stream") + 20] ^= 1
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(flipped))
    ko = gb("cert", "verify", str(bad))
    assert ko.exit_code == 1 and f"{bad}: tampered" in ko.stdout
    revoked = gb("cert", "revoke", str(made.id), "--reason", "error", "--json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["status"] == "revoked"
    gone = gb("cert", "verify", str(pdf_out))
    assert gone.exit_code == 1 and ": revoked" in gone.stdout
