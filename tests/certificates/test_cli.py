"""`govbridge cert list|export|verify|revoke|issue`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from govbridge.cli.main import app
from ingest_helpers import company_code

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


@pytest.fixture
def gb(rt, settings):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}

    def run(*args: str):
        return runner.invoke(app, list(args), env=env)

    return run


def test_issue_list_export_verify_revoke(gb, issue, provider, tmp_path):
    made = issue()
    cli_made = gb("cert", "issue", "--issuer", provider["code"], "--type", "卫生许可证",
                  "--holder", company_code(9), "--holder-name", "苏州某餐饮有限公司",
                  "--data", '{"scope": "餐饮"}', "--json")
    assert cli_made.exit_code == 0, cli_made.output
    listed = json.loads(gb("cert", "list", "--json").stdout)
    assert {c["id"] for c in listed} == {made.id, json.loads(cli_made.stdout)["id"]}
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
