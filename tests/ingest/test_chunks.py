"""A file's batch commits chunk by chunk: SQLite's write lock is free between chunks, so
exchange queries during a big upload are answered (not `500 database is locked`); a
crashed upload resumes where it stopped; a file refused part-way leaves nothing."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.api.app import create_app
from govbridge.core.errors import InvalidInput
from govbridge.core.permissions import Role
from govbridge.identity import clients
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.identity.schemas import ClientCreate
from govbridge.ingest.files import ingest_file
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.ingest.pipeline import CHUNK
from govbridge.runtime import Runtime
from govbridge.storage.engine import make_engine
from ingest_helpers import company_code, licence_row

HEADER = ["credit_code", "legal_rep", "legal_rep_id", "established"]
PURPOSE = {"kind": "legal_basis", "text": "《中华人民共和国税收征收管理法》第十五条"}


def big_csv(rows: int, bad_every: int = 1000) -> bytes:
    lines = [",".join(HEADER)]
    for n in range(1, rows + 1):
        row = licence_row(n)
        if n % bad_every == 0:
            row["established"] = "not a date"  # a few rows go to the quarantine
        lines.append(",".join(str(row[h]) for h in HEADER))
    return ("\r\n".join(lines) + "\r\n").encode()


class Reading(io.BytesIO):
    """A file that calls `at(offset)` once its second reading (after hashing) passes
    `offset` bytes: there the test acts while the ingest is part-way through its rows."""

    def __init__(self, data: bytes, offset: int, at: Any) -> None:
        super().__init__(data)
        self.size, self.offset, self.at, self.passes, self.fired = len(data), offset, at, 0, False

    def seek(self, pos: int, whence: int = 0) -> int:
        if pos == 0 and whence == 0:
            self.passes += 1
        return super().seek(pos, whence)

    def _passing(self) -> None:
        if self.passes >= 2 and not self.fired and self.tell() >= self.offset:
            self.fired = True
            self.at(self.tell())

    def read(self, n: int | None = -1) -> bytes:
        self._passing()
        return super().read(n)

    def read1(self, n: int = -1) -> bytes:
        self._passing()
        return super().read1(n)

    def readinto(self, buffer: Any) -> int:
        self._passing()
        return super().readinto(buffer)


def counts(rt) -> tuple[int, int, int]:
    with rt.context() as ctx:
        return tuple(ctx.db.scalar(select(func.count()).select_from(m))
                     for m in (IngestBatch, DatasetRecord, QuarantinedRow))


def test_exchange_queries_during_a_big_upload_are_answered(rt, settings, licences, provider,
                                                           make_org):
    if rt.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock is what this is about")
    code = licences.resource_code
    consumer = make_org(name="苏州市税务局")
    with rt.context() as ctx:
        officer = Actor.for_user(user_id=501, username="officer.tax", roles=frozenset(
            {Role.DATA_OFFICER}), organization_id=org_by_code(ctx, consumer).id,
            subject_id=None)
        agreements.request_agreement(ctx, officer, AgreementRequestIn(
            resource_code=code, fields=HEADER, purpose_kind="legal_basis",
            purpose_text=PURPOSE["text"], valid_until=rt.clock().date() + timedelta(days=30),
            daily_volume=100_000, rate_per_minute=1000))
        key = clients.create_client(ctx, Actor.operator("t"), ClientCreate(
            organization_code=consumer, name="税务业务系统")).api_key
    # The API's own engine waits 1 s for a lock (not SQLite's default 10 s of this
    # installation), so a query kept out by the upload's write lock fails in a second.
    engine = make_engine(settings.resolved_database_url)
    event.listen(engine, "connect",
                 lambda conn, _record: conn.execute("PRAGMA busy_timeout=1000"))
    api = Runtime(settings, engine=engine)
    url = f"/api/v1/exchange/{code}/query"
    body = {"subject_ids": [company_code(7)], "purpose": PURPOSE}
    auth = {"Authorization": f"Bearer {key}"}
    statuses: list[int] = []
    data = big_csv(12 * CHUNK)
    with TestClient(create_app(api), raise_server_exceptions=False) as http:

        def query_meanwhile(_offset: int) -> None:  # the upload waits for these answers
            for _ in range(5):
                statuses.append(http.post(url, json=body, headers=auth).status_code)

        upload_error: list[BaseException] = []

        def upload() -> None:
            try:
                with rt.context() as ctx:
                    ingest_file(ctx, provider["officer"], code,
                                Reading(data, len(data) // 2, query_meanwhile), "big.csv")
            except BaseException as exc:  # noqa: BLE001 - shown by the assert below
                upload_error.append(exc)

        worker = threading.Thread(target=upload)
        worker.start()
        worker.join(timeout=300)
        assert not worker.is_alive() and not upload_error, upload_error
        after = http.post(url, json=body, headers=auth).status_code
    api.dispose()
    assert statuses == [200] * 5, statuses  # no 500 "database is locked"
    assert after == 200
    batches, stored, quarantined = counts(rt)
    assert (batches, stored, quarantined) == (1, 12 * CHUNK - 24, 24)


def test_a_crashed_upload_resumes_where_it_stopped(rt, licences, provider):
    data = big_csv(5 * CHUNK + 300)
    code = licences.resource_code

    def crash(offset: int) -> None:
        raise OSError(f"connection lost at byte {offset}")

    with pytest.raises(OSError, match="connection lost"), rt.context() as ctx:
        ingest_file(ctx, provider["officer"], code, Reading(data, len(data) * 2 // 3, crash),
                    "licences.csv")
    with rt.context() as ctx:
        batch = ctx.db.scalar(select(IngestBatch))
        assert batch.report["loading"] is True and 0 < batch.received < 5 * CHUNK + 300
        stored = ctx.db.scalar(select(func.count()).select_from(DatasetRecord))
        assert stored == batch.accepted and batch.received % CHUNK == 0
    with rt.context() as ctx:
        report = ingest_file(ctx, provider["officer"], code, io.BytesIO(data), "licences.csv")
    rejected = (5 * CHUNK + 300) // 1000
    assert not report.duplicate_batch
    assert (report.received, report.accepted, report.duplicates, report.rejected) == (
        5 * CHUNK + 300, 5 * CHUNK + 300 - rejected, 0, rejected)
    assert [p.row for p in report.problems] == [n + 1 for n in range(1000, 5 * CHUNK + 301,
                                                                      1000)]
    assert counts(rt) == (1, 5 * CHUNK + 300 - rejected, rejected)
    with rt.context() as ctx:
        again = ingest_file(ctx, provider["officer"], code, io.BytesIO(data), "licences.csv")
        assert "loading" not in ctx.db.scalar(select(IngestBatch)).report
    assert again.duplicate_batch and again.accepted == report.accepted
    assert counts(rt) == (1, 5 * CHUNK + 300 - rejected, rejected)


def test_a_file_refused_part_way_leaves_nothing(rt, licences, provider):
    data = bytearray(big_csv(4 * CHUNK))
    at = data.index(f"张{3 * CHUNK + 10},".encode()) + 3
    data[at:at] = b"\xff"
    with pytest.raises(InvalidInput, match=rf"row {3 * CHUNK + 11}\b"), rt.context() as ctx:
        ingest_file(ctx, provider["officer"], licences.resource_code, io.BytesIO(bytes(data)),
                    "licences.csv", encoding="utf-8")
    assert counts(rt) == (0, 0, 0)
