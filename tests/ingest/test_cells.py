"""Cells that are dangerous or undecodable: a NUL byte is a row problem naming row and
field; a formula-like cell (= + - @) is kept but warned about and neutralised on export;
an undecodable byte is reported at its real row, not where the decoder read ahead."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from govbridge.core.errors import InvalidInput
from govbridge.ingest import cells
from govbridge.ingest.files import ingest_file
from govbridge.ingest.models import DatasetRecord
from govbridge.ingest.usecases import push_rows
from ingest_helpers import licence_row

HEADER = ["credit_code", "legal_rep", "legal_rep_id", "established"]


def csv_of(rows) -> bytes:
    lines = [",".join(HEADER)] + [",".join(str(r[h]) for h in HEADER) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def upload(rt, actor, code, data: bytes, name: str = "licences.csv", **kw):
    with rt.context() as ctx:
        return ingest_file(ctx, actor, code, io.BytesIO(data), name, **kw)


@pytest.mark.parametrize(("bad_row", "encoding"), [
    (40, "utf-8"),      # told the encoding
    (3000, None),       # found by sniffing the first 64 KB, the bad byte far after it
    (2, "utf-8"),
])
def test_an_undecodable_byte_is_reported_at_its_real_row(rt, licences, provider, bad_row,
                                                         encoding):
    rows = [licence_row(n) for n in range(1, 3200)]
    data = bytearray(csv_of(rows))
    start = data.index(f"张{bad_row - 1},".encode())  # data row n is spreadsheet row n + 1
    data[start + 3:start + 3] = b"\xff"  # after the three bytes of 张
    with pytest.raises(InvalidInput) as caught:
        upload(rt, provider["officer"], licences.resource_code, bytes(data), encoding=encoding)
    problem = caught.value.problems[0]
    assert problem.code == "encoding"
    assert re.search(rf"\brow {bad_row}\b", problem.reason), problem.reason
    assert "0xff" in problem.reason


def test_a_nul_byte_rejects_its_row_naming_row_and_field(rt, licences, provider):
    rows = [licence_row(1), licence_row(2, legal_rep="张\x00三"), licence_row(3)]
    report = upload(rt, provider["officer"], licences.resource_code, csv_of(rows))
    assert (report.accepted, report.rejected) == (2, 1)
    problem = report.problems[0]
    assert (problem.row, problem.field, problem.rule) == (3, "legal_rep", "nul_byte")
    assert "\x00" not in (problem.value or "") and "\\x00" in (problem.value or "")


def test_a_nul_byte_in_a_pushed_row_is_refused_too(rt, licences, provider):
    with rt.context() as ctx:
        report = push_rows(ctx, provider["officer"], licences.resource_code,
                           [licence_row(1, legal_rep="王\x00五")])
    assert report.rejected == 1 and report.problems[0].rule == "nul_byte"


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"点\")", "+1+cmd|' /C calc'!A0",
                                   "-2+3", "@SUM(A1)", "\t=1"])
def test_formula_like_cells_are_kept_and_warned_about(rt, licences, provider, value):
    rows = [licence_row(1, legal_rep=value.replace(",", ";")), licence_row(2)]
    report = upload(rt, provider["officer"], licences.resource_code, csv_of(rows))
    assert (report.accepted, report.rejected) == (2, 0)
    assert [(w.row, w.field, w.rule) for w in report.warnings] == [
        (2, "legal_rep", "formula_like")]
    with rt.context() as ctx:
        kept = {d["legal_rep"] for d in ctx.db.scalars(select(DatasetRecord.data))}
    assert value.replace(",", ";").strip() in kept or value.replace(",", ";") in kept


def test_plain_numbers_and_text_are_not_formulas():
    for value in ("-12.5", "+86", "张三", "a=b", "", "2020-05-17", "-"):
        assert not cells.formula_like(value), value
    for value in ("=1+1", "+1+1", "-1+1", "@A1", "\t=1", "\r=1", "-cmd"):
        assert cells.formula_like(value), value
        assert cells.neutralised(value) == "'" + value
    assert cells.neutralised(12) == 12 and cells.neutralised("张三") == "张三"


def test_csv_export_neutralises_every_formula_cell():
    buffer = io.StringIO()
    cells.write_csv(buffer, ["a", "=b"], [["=1+1", "ok"], ["@x", None], [-3, "-3"]])
    got = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert got == [["a", "'=b"], ["'=1+1", "ok"], ["'@x", ""], ["-3", "-3"]]
