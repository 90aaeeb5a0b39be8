"""Bench: file ingest, validated rows per second, against a plain bulk insert.

Ours: `govbridge.ingest.files.ingest_file` on a generated CSV of N person rows
(citizen ID with a valid check character, name, birth date, mobile, division
code), in one `Runtime.context()` as an upload is ingested: hashing, CSV parsing,
validation against the builtin data elements, duplicate checks, quarantine and
the batch report, committed.

Baseline in the same run, same database: the same CSV read with `csv.reader` and
inserted with the driver's `executemany` into a plain table with the same five
text columns, 2,000 rows a call (the pipeline's chunk), one transaction; no
validation, no JSON, no keys.

Memory: each leg runs alone in a child process (a fresh interpreter importing
only what the leg needs, nothing inherited), and its peak resident set is that
child's high-water mark (VmHWM; ru_maxrss would include the parent's size) at
the end of the leg; `start_rss_mib` is the same figure taken after the imports,
before the leg's work. Ours is also run on a smaller file into a second dataset,
so the two peaks show whether memory grows with the file.

The run uses a throw-away database (SQLite in a temporary directory; on a
PostgreSQL server a temporary database created and dropped afterwards).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select, text

from govbridge.bench.common import Progress, Quiet, element
from govbridge.bench.machine import describe, peak_rss_mib
from govbridge.bench.scratch import scratch_database
from govbridge.config import Settings
from govbridge.runtime import Runtime
from govbridge.storage.migrate import upgrade

AIM = 0.5  # the aim: at least half the speed of the plain insert
CHUNK = 2000
COLUMNS = ("id_number", "full_name", "birth_date", "mobile", "division")
PLAIN_TABLE = "bench_plain_rows"
MEMORY_METHOD = ("peak RSS (VmHWM) of a fresh child interpreter running only that leg; "
                 "start_rss_mib is the same after imports, before the work")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宇浩凯欣怡"
FIRST_BIRTH = date(1950, 1, 1)
BIRTH_DAYS = 20_000  # births spread over 1950-01-01 .. 2004-10-04


# --- the rows ---------------------------------------------------------------------------------


def generate_csv(path: Path, rows: int, on_rows: Callable[[int], None] = lambda _n: None
                 ) -> int:
    """Write `rows` distinct valid person rows as UTF-8 CSV with a header; returns bytes."""
    from govbridge.core.identifiers import (
        MOBILE_SEGMENTS,
        citizen_id_check_char,
        current_counties,
    )

    counties = current_counties("32")
    segments = sorted(MOBILE_SEGMENTS)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        batch: list[tuple[str, ...]] = []
        for i in range(rows):
            # (birth day, sequence, region) is unique for i < BIRTH_DAYS * 1000 * len(counties)
            born = FIRST_BIRTH + timedelta(days=(i * 7) % BIRTH_DAYS)
            seq = (i // BIRTH_DAYS) % 1000
            region = counties[(i // (BIRTH_DAYS * 1000) + i) % len(counties)]
            body = f"{region}{born:%Y%m%d}{seq:03d}"
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)]
            if i % 3:
                name += GIVEN[(i // 13) % len(GIVEN)]
            mobile = segments[i % len(segments)] + f"{(i * 7919 + 1234567) % 100_000_000:08d}"
            batch.append((body + citizen_id_check_char(body), name, born.isoformat(), mobile,
                          counties[(i * 31) % len(counties)]))
            if len(batch) == CHUNK:
                writer.writerows(batch)
                on_rows(len(batch))
                batch = []
        writer.writerows(batch)
        on_rows(len(batch))
    return path.stat().st_size


def prepare(rt: Runtime, datasets: int = 2) -> list[str]:
    """Seed elements, one provider and `datasets` published person datasets; their codes."""
    from stdnum.cn import uscc

    from govbridge.catalog import usecases
    from govbridge.catalog.schemas import DatasetIn
    from govbridge.identity import organizations
    from govbridge.identity.actor import Actor
    from govbridge.identity.schemas import OrganizationCreate
    from govbridge.standards.usecases import seed_builtin_elements

    operator = Actor.operator("bench")
    body = "11320500MB0000002"
    org = body + uscc.calc_check_digit(body)
    fields = [
        {"name": "id_number", "title": "公民身份号码", "required": True,
         "element": element("citizen_id", "person", "string"), "grade": "important"},
        {"name": "full_name", "title": "姓名", "element": element(None, "person", "string"),
         "grade": "general-3"},
        {"name": "birth_date", "title": "出生日期", "element": element(None, None, "date"),
         "grade": "general-2"},
        {"name": "mobile", "title": "移动电话号码", "element": element("mobile", None, "string"),
         "grade": "general-3"},
        {"name": "division", "title": "户籍地行政区划代码",
         "element": element("division", None, "string"), "grade": "general-1"},
    ]
    codes = []
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
        organizations.create_organization(
            ctx, operator, OrganizationCreate(code=org, name="基准测试局", level="city"))
        for n in range(datasets):
            made = usecases.create_dataset(ctx, operator, DatasetIn(
                name=f"基准测试户籍人口信息（{n + 1}）", abstract="文件接入基准测试数据。",
                provider_code=org, share_type="unconditional", subject_type="person",
                subject_field="id_number", fields=fields))
            usecases.submit(ctx, operator, made.resource_code)
            usecases.review(ctx, operator, made.resource_code, approve=True)
            codes.append(made.resource_code)
    return codes


# --- the legs (each in its own spawned child) -------------------------------------------------


class _Counting:
    """A binary file that adds the bytes read to a shared counter (the progress bar)."""

    def __init__(self, raw: BinaryIO, counter: Any) -> None:
        self.raw, self.counter = raw, counter

    def read(self, n: int = -1) -> bytes:
        block = self.raw.read(n)
        self.counter.value += len(block)
        return block

    def read1(self, n: int = -1) -> bytes:
        return self.read(n)

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer) or 0
        self.counter.value += n
        return n

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def _leg_ours(url: str, home: str, path: str, resource_code: str, counter: Any
              ) -> dict[str, Any]:
    from govbridge.identity.actor import Actor
    from govbridge.ingest.files import ingest_file

    rt = Runtime(Settings(home=Path(home), database_url=url))
    actor = Actor.operator("bench")
    start_rss = own_peak_rss_mib()
    try:
        started = time.perf_counter()
        with open(path, "rb") as raw, rt.context() as ctx:
            report = ingest_file(ctx, actor, resource_code, _Counting(raw, counter),
                                 Path(path).name)
        seconds = time.perf_counter() - started
    finally:
        rt.dispose()
    return {"seconds": seconds, "start_rss_mib": start_rss, "received": report.received,
            "accepted": report.accepted, "duplicates": report.duplicates,
            "rejected": report.rejected}


def _leg_plain(url: str, path: str, counter: Any) -> dict[str, Any]:
    from govbridge.storage.engine import make_engine

    engine = make_engine(url)
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {PLAIN_TABLE} ({', '.join(COLUMNS)}) "  # noqa: S608 - constants
           f"VALUES ({', '.join([mark] * len(COLUMNS))})")
    start_rss = own_peak_rss_mib()
    conn = engine.raw_connection()
    try:
        started = time.perf_counter()
        cur = conn.cursor()
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            while chunk := list(islice(reader, CHUNK)):
                cur.executemany(sql, chunk)
                counter.value += len(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
    finally:
        conn.close()
        engine.dispose()
    return {"seconds": seconds, "start_rss_mib": start_rss}


def _leg_records(url: str, path: str, dataset_id: int, counter: Any) -> dict[str, Any]:
    """The second baseline: the same rows stored as records (JSON, key, version, the
    table's indexes) with the pipeline's own insert, but no parsing into elements, no
    validation, no duplicate check, no quarantine."""
    from govbridge.ingest.models import DatasetRecord
    from govbridge.ingest.pipeline import INSERT_PG, INSERT_SQLITE
    from govbridge.storage.base import utcnow
    from govbridge.storage.engine import make_engine

    engine = make_engine(url)
    sql = INSERT_PG if engine.dialect.name == "postgresql" else INSERT_SQLITE
    stamp = DatasetRecord.__table__.c.created_at.type.bind_processor(engine.dialect)
    now = stamp(utcnow()) if stamp else utcnow()
    start_rss = own_peak_rss_mib()
    conn = engine.raw_connection()
    try:
        started = time.perf_counter()
        cur = conn.cursor()
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            while chunk := list(islice(reader, CHUNK)):
                cur.executemany(sql, [
                    (dataset_id, cells[0], "1", cells[0],
                     json.dumps(dict(zip(header, cells, strict=True)), ensure_ascii=False),
                     None, now) for cells in chunk])
                counter.value += len(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
    finally:
        conn.close()
        engine.dispose()
    return {"seconds": seconds, "start_rss_mib": start_rss}


def own_peak_rss_mib() -> float:
    """Peak resident set of this process image (VmHWM), else ru_maxrss.

    ru_maxrss survives fork and exec, so a child started by a large parent would
    report the parent's size; VmHWM belongs to the process's own memory map.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return peak_rss_mib()


class _Reporter:
    """The child's progress counter: `value` as the parent polls it, sent as lines on stdout."""

    def __init__(self, step: int) -> None:
        self._value, self._sent, self.step = 0, 0, step

    @property
    def value(self) -> int:
        return self._value

    @value.setter
    def value(self, n: int) -> None:
        self._value = n
        if n - self._sent >= self.step:
            self._sent = n
            sys.stdout.write(f"progress {n}\n")
            sys.stdout.flush()


LEGS: dict[str, Callable[..., dict[str, Any]]] = {
    "ours": _leg_ours, "plain": _leg_plain, "records": _leg_records}


def child_main() -> None:
    """Run one leg in this (fresh) process: JSON job on stdin, result as the last line."""
    job = json.loads(sys.stdin.read())
    try:
        result = LEGS[job["leg"]](*job["args"], _Reporter(job["step"]))
        result["peak_rss_mib"] = own_peak_rss_mib()
    except BaseException:  # noqa: BLE001 - handed to the parent, which raises
        result = {"error": traceback.format_exc()}
    sys.stdout.write("result " + json.dumps(result) + "\n")
    sys.stdout.flush()


def _spawn(leg: str, args: tuple[Any, ...], label: str, total: int,
           progress: Progress) -> dict[str, Any]:
    """Run a leg in a new interpreter that imports only what the leg needs."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from govbridge.bench.ingest import child_main; child_main()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"leg": leg, "args": list(args), "step": max(1, total // 200)}))
    proc.stdin.close()
    progress.start(label, total)
    seen, result = 0, None
    try:
        for line in proc.stdout:
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind == "progress":
                now = min(int(rest), total)
                progress.advance(now - seen)
                seen = now
            elif kind == "result":
                result = json.loads(rest)
        progress.advance(total - seen)
    finally:
        proc.stdout.close()
        code = proc.wait()
    if result is None:
        raise RuntimeError(f"the {label} leg died (exit code {code})")
    if "error" in result:
        raise RuntimeError(f"the {label} leg failed:\n{result['error']}")
    return result


def _load() -> float | None:
    """The 1-minute load average: other work on the machine skews the figures."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _rate(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds else 0.0


# --- the run ----------------------------------------------------------------------------------


def run(
    rows: int = 1_000_000,
    database_url: str | None = None,
    *,
    memory_rows: int = 100_000,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Bench ingest of `rows` rows; `database_url` a PostgreSQL server URL, else SQLite.

    `memory_rows` (0 to skip) is the size of the second, smaller file whose peak
    memory is set beside the large one's.
    """
    bar = progress or Quiet()
    load_before = _load()
    with scratch_database(database_url) as scratch:
        settings = Settings(home=scratch.tmp / "home", database_url=scratch.url)
        settings.ensure_home()
        rt = Runtime(settings)
        try:
            upgrade(rt.engine)
            big_code, small_code, records_code = prepare(rt, 3)
            with rt.engine.begin() as conn:
                conn.execute(text(f"CREATE TABLE {PLAIN_TABLE} ("
                                  + ", ".join(f"{c} VARCHAR(64)" for c in COLUMNS) + ")"))
            sizes = [rows] + ([memory_rows] if 0 < memory_rows < rows else [])
            files: dict[int, tuple[Path, int]] = {}
            for n in sizes:
                path = scratch.tmp / f"persons-{n}.csv"
                bar.start(f"generate {n:,}", n)
                files[n] = (path, generate_csv(path, n, bar.advance))
            path, size = files[rows]
            baseline = _spawn("plain", (scratch.url, str(path)), "baseline", rows, bar)
            with rt.context() as ctx:
                from govbridge.catalog.usecases import find_dataset

                records_id = find_dataset(ctx, records_code).id
            as_records = _spawn("records", (scratch.url, str(path), records_id),
                                "records baseline", rows, bar)
            ours = _spawn("ours", (scratch.url, str(settings.home), str(path), big_code),
                          "govbridge", 2 * size, bar)
            memory = []
            if len(sizes) > 1:
                small_path, small_size = files[memory_rows]
                small = _spawn("ours", (scratch.url, str(settings.home), str(small_path),
                                           small_code), f"memory {memory_rows:,}",
                               2 * small_size, bar)
                memory.append({"rows": memory_rows, "csv_mib": round(small_size / 2**20, 1),
                               "peak_rss_mib": round(small["peak_rss_mib"], 1),
                               "start_rss_mib": round(small["start_rss_mib"], 1)})
            memory.append({"rows": rows, "csv_mib": round(size / 2**20, 1),
                           "peak_rss_mib": round(ours["peak_rss_mib"], 1),
                           "start_rss_mib": round(ours["start_rss_mib"], 1)})
            with rt.context() as ctx:
                from govbridge.catalog.usecases import find_dataset
                from govbridge.ingest.models import DatasetRecord

                ds_id = find_dataset(ctx, big_code).id
                stored = ctx.db.scalar(select(func.count()).select_from(DatasetRecord)
                                       .where(DatasetRecord.dataset_id == ds_id)) or 0
                count_plain = f"SELECT count(*) FROM {PLAIN_TABLE}"  # noqa: S608 - a constant
                plain = ctx.db.scalar(text(count_plain)) or 0
                as_records["rows"] = ctx.db.scalar(
                    select(func.count()).select_from(DatasetRecord)
                    .where(DatasetRecord.dataset_id == records_id)) or 0
            backend = rt.engine.dialect.name
            server = rt.engine.dialect.server_version_info
        finally:
            rt.dispose()
    ours_rate = _rate(stored, ours["seconds"])
    base_rate = _rate(plain, baseline["seconds"])
    ratio = round(ours_rate / base_rate, 3) if base_rate else 0.0
    records_rate = _rate(as_records["rows"], as_records["seconds"])
    return {
        "bench": "ingest",
        "rows": rows,
        "backend": backend,
        "server_version": ".".join(str(v) for v in server) if server else None,
        "csv_mib": round(size / 2**20, 1),
        "ours": {
            "what": "govbridge.ingest.files.ingest_file in one Runtime.context()",
            "rows": stored,
            "received": ours["received"],
            "accepted": ours["accepted"],
            "rejected": ours["rejected"],
            "seconds": round(ours["seconds"], 2),
            "rows_per_second": ours_rate,
            "peak_rss_mib": round(ours["peak_rss_mib"], 1),
            "start_rss_mib": round(ours["start_rss_mib"], 1),
        },
        "baseline": {
            "what": f"csv.reader + DBAPI executemany into a plain {len(COLUMNS)}-column table, "
                    f"{CHUNK} rows a call, one transaction",
            "rows": plain,
            "seconds": round(baseline["seconds"], 2),
            "rows_per_second": base_rate,
            "peak_rss_mib": round(baseline["peak_rss_mib"], 1),
            "start_rss_mib": round(baseline["start_rss_mib"], 1),
        },
        "ratio": ratio,
        "records_baseline": {
            "what": "the same rows stored as records (JSON, key, version, indexes) with the "
                    "pipeline's insert; no validation, duplicate check or quarantine",
            "rows": as_records["rows"],
            "seconds": round(as_records["seconds"], 2),
            "rows_per_second": records_rate,
            "peak_rss_mib": round(as_records["peak_rss_mib"], 1),
            "start_rss_mib": round(as_records["start_rss_mib"], 1),
        },
        "ratio_to_records": round(ours_rate / records_rate, 3) if records_rate else 0.0,
        "aim": AIM,
        "meets_aim": ratio >= AIM,
        "memory": memory,
        "memory_method": MEMORY_METHOD,
        "machine": describe(),
        "load_average_1m": {"before": load_before, "after": _load()},
    }
