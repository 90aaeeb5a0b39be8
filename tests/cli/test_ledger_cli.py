"""`govbridge ledger verify-proof` over every RFC 6962 vector in ../shared."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from govbridge.cli.main import app
from support import SHARED, need

VECTORS = SHARED / "testdata" / "rfc6962-merkle"


def _vector_files():
    need(VECTORS.is_dir(), f"test vectors not found at {VECTORS}")
    files = sorted((VECTORS / "inclusion").rglob("*.json")) + sorted(
        (VECTORS / "consistency").rglob("*.json"))
    assert len(files) > 150
    return files


def test_every_vector_gets_its_verdict_in_one_run():
    files = _vector_files()
    result = CliRunner().invoke(app, ["ledger", "verify-proof", *map(str, files)])
    assert result.exit_code == 1  # some vectors are meant to fail
    lines = result.stdout.splitlines()
    assert len(lines) == len(files)
    for path, line in zip(files, lines, strict=True):
        want_error = json.loads(path.read_text())["wantErr"]
        assert line.startswith(f"{path}: "), line
        verdict = line[len(str(path)) + 2 :]
        if want_error:
            assert verdict.startswith("invalid: ") and len(verdict) > len("invalid: "), line
        else:
            assert verdict == "ok", line


def test_exit_zero_when_all_verify():
    happy = [f for f in _vector_files() if not json.loads(f.read_text())["wantErr"]]
    result = subprocess.run([sys.executable, "-m", "govbridge", "ledger", "verify-proof",
                             *map(str, happy)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok") == len(happy)


def test_malformed_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"leafIdx": 1,')
    result = CliRunner().invoke(app, ["ledger", "verify-proof", str(bad)])
    assert result.exit_code == 1 and result.stdout.startswith(f"{bad}: invalid: ")
