"""`govbridge ingest FILE --dataset CODE --json` and `govbridge quarantine ...`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from govbridge.cli.main import app
from ingest_helpers import licence_row

runner = CliRunner()


def _gb(settings):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}
    return lambda *args: runner.invoke(app, list(args), env=env)


def test_ingest_report_quarantine_and_fix(rt, settings, publish, entry, tmp_path):
    code = publish(entry()).resource_code
    gb = _gb(settings)
    rows = [licence_row(1), licence_row(2, legal_rep_id="12345")]
    path = tmp_path / "执照.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")

    result = gb("ingest", str(path), "--dataset", code, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert report["problems"][0]["row"] == 2 and report["problems"][0]["value"] == "12345"

    again = gb("ingest", str(path), "--dataset", code)
    assert again.exit_code == 0 and "nothing added" in again.stdout

    listed = json.loads(gb("quarantine", "list", code, "--json").stdout)
    assert [r["row"] for r in listed] == [2]
    fixed = {**listed[0]["raw"], "legal_rep_id": licence_row(2)["legal_rep_id"]}
    bad = gb("quarantine", "resubmit", code, str(listed[0]["id"]), "--data", "{")
    assert bad.exit_code == 2 and "not JSON" in bad.output
    ok = gb("quarantine", "resubmit", code, str(listed[0]["id"]), "--data",
            json.dumps(fixed, ensure_ascii=False), "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["accepted"] == 1
    assert json.loads(gb("quarantine", "list", code, "--json").stdout) == []


def test_ingest_errors_exit_non_zero_with_the_place(rt, settings, publish, entry, tmp_path):
    code = publish(entry()).resource_code
    gb = _gb(settings)
    missing = gb("ingest", str(tmp_path / "nope.csv"), "--dataset", code)
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("credit_code,colour\n91320500MA00000010,red\n", "utf-8")
    result = gb("ingest", str(bad_header), "--dataset", code)
    assert result.exit_code == 1 and "header[2]" in result.output and "colour" in result.output
    only_bad = tmp_path / "bad.csv"
    only_bad.write_text("credit_code\n913205000000000000\n", "utf-8")
    result = gb("ingest", str(only_bad), "--dataset", code, "--json")
    assert result.exit_code == 1  # nothing accepted
    assert json.loads(result.stdout)["problems"][0]["field"] == "credit_code"
    unknown = gb("ingest", str(only_bad), "--dataset", "999999999/999999")
    assert unknown.exit_code == 1 and "999999999/999999" in unknown.output
