"""`govbridge seal issue|rotate|revoke|list|ca`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from govbridge.cli.main import app
from support import ORG_CODES

runner = CliRunner()


@pytest.fixture
def gb(rt, settings):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}

    def run(*args: str):
        return runner.invoke(app, list(args), env=env)

    assert run("init").exit_code == 0
    assert run("org", "create", ORG_CODES[0], "苏州市公安局").exit_code == 0
    return run


def test_seal_commands(gb, tmp_path):
    issued = gb("seal", "issue", ORG_CODES[0], "--json")
    assert issued.exit_code == 0, issued.output
    first = json.loads(issued.stdout)
    assert first["organization_code"] == ORG_CODES[0] and first["algorithm"] == "Ed25519"
    dup = gb("seal", "issue", ORG_CODES[0])
    assert dup.exit_code == 1 and "rotate" in dup.stderr
    rotated = json.loads(gb("seal", "rotate", ORG_CODES[0], "--algorithm", "P-256",
                            "--json").stdout)
    assert rotated["jws_alg"] == "ES256"
    revoked = gb("seal", "revoke", first["kid"], "--reason", "test", "--json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["status"] == "revoked"
    listed = json.loads(gb("seal", "list", "--org", ORG_CODES[0], "--json").stdout)
    assert [s["status"] for s in listed] == ["revoked", "active"]
    table = gb("seal", "list")
    assert table.exit_code == 0 and "Seals" in table.stdout  # (cells may be cut to the width)
    assert "private" not in (table.stdout + json.dumps(listed)).lower()
    bad = gb("seal", "issue", ORG_CODES[0], "--algorithm", "RSA")
    assert bad.exit_code == 1 and "algorithm" in bad.stderr


def test_seal_ca(gb, tmp_path):
    pem = gb("seal", "ca")
    assert pem.exit_code == 0 and pem.stdout.startswith("-----BEGIN CERTIFICATE-----")
    target = tmp_path / "ca.pem"
    wrote = gb("seal", "ca", "--out", str(target))
    assert wrote.exit_code == 0 and target.read_text() == pem.stdout
    info = json.loads(gb("seal", "ca", "--json").stdout)
    assert info["certificate_pem"] == pem.stdout and len(info["fingerprint_sha256"]) == 64
