"""`govbridge quality run | show | table | failing | chart`: scores, history, masked listings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from govbridge.cli.main import app
from ingest_helpers import licence_row

runner = CliRunner()


def _gb(settings):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}
    return lambda *args: runner.invoke(app, list(args), env=env)


@pytest.fixture
def fed(rt, settings, publish, entry, tmp_path) -> str:
    """A published licence dataset fed through `govbridge ingest`: 3 rows accepted (one
    without legal_rep), one rejected for its legal_rep_id (graded important)."""
    code = publish(entry()).resource_code
    rows = [licence_row(1), licence_row(2), licence_row(4, legal_rep=""),
            licence_row(3, legal_rep_id="11010519800101999")]
    path = tmp_path / "licences.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    result = _gb(settings)("ingest", str(path), "--dataset", code, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rejected"] == 1
    return code


def test_run_show_table_and_chart(settings, fed, tmp_path) -> None:
    gb = _gb(settings)
    result = gb("quality", "run", fed, "--json")
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert run["records"] == 3
    assert run["validity"] == pytest.approx(3 / 4)
    # per record: credit_code (required) 2 + legal_rep, legal_rep_id, established 1 each
    assert run["completeness"] == pytest.approx(14 / 15)
    assert run["details"]["completeness"]["missing_by_field"] == {"legal_rep": 1}

    text = gb("quality", "run", fed)
    assert text.exit_code == 0 and "Quality of " + fed in text.stdout
    history = json.loads(gb("quality", "show", fed, "--json").stdout)
    assert len(history) == 2 and history[0]["id"] > history[1]["id"]  # newest first
    assert len(json.loads(gb("quality", "show", fed, "--limit", "1", "--json").stdout)) == 1

    table = json.loads(gb("quality", "table", "--json").stdout)
    [row] = [r for r in table if r["resource_code"] == fed]
    assert row["overall"] == pytest.approx(history[0]["overall"])
    assert row["previous_overall"] == pytest.approx(history[1]["overall"])

    svg = tmp_path / "q.svg"
    made = gb("quality", "chart", fed, str(svg), "--lang", "en")
    assert made.exit_code == 0, made.output
    root = ET.fromstring(svg.read_text("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert list(root.iter("{http://www.w3.org/2000/svg}polyline"))


def test_failing_rows_withhold_important_values(settings, fed) -> None:
    gb = _gb(settings)
    result = gb("quality", "failing", fed, "--dimension", "validity", "--json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)["rows"]
    assert row["fields"] == ["legal_rep_id"]
    assert row["value"] == "legal_rep_id=(withheld: important)"
    assert "11010519800101999" not in result.stdout
    missing = json.loads(gb("quality", "failing", fed, "--dimension", "completeness",
                            "--json").stdout)
    assert [r["fields"] for r in missing["rows"]] == [["legal_rep"]]
    table = gb("quality", "failing", fed, "--dimension", "validity")
    assert table.exit_code == 0 and "1 rows of " + fed in table.stdout


def test_errors_exit_non_zero(settings, fed) -> None:
    gb = _gb(settings)
    bad = gb("quality", "failing", fed, "--dimension", "beauty")
    assert bad.exit_code == 2 and "completeness" in bad.output
    unknown = gb("quality", "run", "999999999/999999")
    assert unknown.exit_code == 1 and "999999999/999999" in unknown.output
    assert gb("quality", "show", fed, "--limit", "0").exit_code == 2
