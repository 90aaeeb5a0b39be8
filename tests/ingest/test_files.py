"""File uploads: CSV in UTF-8 (with or without BOM) and GB18030, Excel, JSON Lines; bad files."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from govbridge.core.errors import InvalidInput
from govbridge.ingest.files import detect_encoding, ingest_file
from govbridge.ingest.models import DatasetRecord, IngestBatch
from ingest_helpers import licence_row

HEADER = ["credit_code", "legal_rep", "legal_rep_id", "established"]


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(str(r.get(h, "")) for h in header) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append([r.get(h) for h in header])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def upload(rt, actor, code, data: bytes, name: str, **kw):
    with rt.context() as ctx:
        return ingest_file(ctx, actor, code, io.BytesIO(data), name, **kw)


def records(rt) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(DatasetRecord))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_keeps_chinese_text(rt, licences, provider, encoding):
    rows = [licence_row(1, legal_rep="欧阳娜娜"), licence_row(2, legal_rep="司马懿")]
    report = upload(rt, provider["officer"], licences.resource_code,
                    csv_bytes(rows, encoding=encoding), "licences.csv")
    assert (report.accepted, report.rejected) == (2, 0)
    with rt.context() as ctx:
        stored = ctx.db.scalars(select(DatasetRecord.data)).all()
    assert {d["legal_rep"] for d in stored} == {"欧阳娜娜", "司马懿"}


def test_gb18030_is_detected_and_can_be_forced():
    assert detect_encoding(io.BytesIO("名称,代码\n张三,1\n".encode("gb18030"))) == "gb18030"
    assert detect_encoding(io.BytesIO("名称\n".encode())) == "utf-8"
    assert detect_encoding(io.BytesIO("名称\n".encode("utf-8-sig"))) == "utf-8-sig"


def test_wrong_encoding_refuses_the_file_and_names_the_row(rt, licences, provider):
    data = csv_bytes([licence_row(1, legal_rep="张三")], encoding="gb18030")
    with pytest.raises(InvalidInput) as caught:
        upload(rt, provider["officer"], licences.resource_code, data, "x.csv", encoding="utf-8")
    problem = caught.value.problems[0]
    assert problem.code == "encoding" and "row 2" in problem.reason
    assert records(rt) == 0


def test_ragged_rows_are_rejected_alone_with_their_row_number(rt, licences, provider):
    good = csv_bytes([licence_row(1), licence_row(2)])
    ragged = good + f"{licence_row(3)['credit_code']},王,extra,cells,here\r\n".encode()
    ragged += csv_bytes([licence_row(4)]).split(b"\r\n", 1)[1]
    report = upload(rt, provider["officer"], licences.resource_code, ragged, "r.csv")
    assert (report.accepted, report.rejected) == (3, 1)
    assert report.problems[0].row == 4 and report.problems[0].rule == "ragged"


def test_header_problems_refuse_the_whole_file(rt, licences, provider):
    data = csv_bytes([licence_row(1)], header=["credit_code", "legal_rep", "colour"])
    with pytest.raises(InvalidInput) as caught:
        upload(rt, provider["officer"], licences.resource_code, data, "h.csv")
    assert any(p.value == "colour" and p.code == "unknown_field" for p in caught.value.problems)
    data = csv_bytes([licence_row(1)], header=["legal_rep"])
    with pytest.raises(InvalidInput) as caught:
        upload(rt, provider["officer"], licences.resource_code, data, "h.csv")
    assert caught.value.problems[0].code == "missing_column"
    assert caught.value.problems[0].value == "credit_code"
    with pytest.raises(InvalidInput, match="empty"):
        upload(rt, provider["officer"], licences.resource_code, b"", "e.csv")


def test_same_file_twice_is_one_batch(rt, licences, provider):
    data = csv_bytes([licence_row(1), licence_row(2)])
    first = upload(rt, provider["officer"], licences.resource_code, data, "a.csv")
    second = upload(rt, provider["officer"], licences.resource_code, data, "a-again.csv")
    assert second.duplicate_batch and second.batch_id == first.batch_id
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(IngestBatch)) == 1
    assert records(rt) == 2


def test_oversized_file_is_refused_before_reading(rt, licences, provider):
    rt.settings.max_upload_bytes = 100
    data = csv_bytes([licence_row(n) for n in range(10)])
    with pytest.raises(InvalidInput) as caught:
        upload(rt, provider["officer"], licences.resource_code, data, "big.csv")
    assert caught.value.problems[0].code == "too_large"
    assert records(rt) == 0


def test_xlsx_rows_with_native_dates_and_numbers(rt, licences, provider):
    from datetime import datetime

    rows = [licence_row(1, established=datetime(2019, 3, 4)), licence_row(2, established="bad")]
    report = upload(rt, provider["officer"], licences.resource_code, xlsx_bytes(rows), "l.xlsx")
    assert (report.accepted, report.rejected) == (1, 1)
    assert report.problems[0].row == 3 and report.problems[0].field == "established"
    with rt.context() as ctx:
        stored = ctx.db.scalars(select(DatasetRecord.data)).one()
    assert stored["established"] == "2019-03-04"


def test_not_a_workbook_is_refused(rt, licences, provider):
    with pytest.raises(InvalidInput, match="not an Excel"):
        upload(rt, provider["officer"], licences.resource_code, b"PK\x03\x04broken", "x.xlsx")


def test_jsonl_bad_lines_are_rejected_alone(rt, licences, provider):
    lines = [json.dumps(licence_row(1), ensure_ascii=False), "{not json", "[1, 2]", "",
             json.dumps(licence_row(2))]
    report = upload(rt, provider["officer"], licences.resource_code,
                    "\n".join(lines).encode(), "rows.jsonl")
    assert (report.accepted, report.rejected) == (2, 2)
    assert [(p.row, p.rule) for p in report.problems] == [(2, "json"), (3, "json")]


def test_unknown_format_is_refused(rt, licences, provider):
    with pytest.raises(InvalidInput, match="format"):
        upload(rt, provider["officer"], licences.resource_code, b"a", "rows.pdf")
    with pytest.raises(InvalidInput, match="format"):
        upload(rt, provider["officer"], licences.resource_code, b"a", "rows.csv", fmt="parquet")
