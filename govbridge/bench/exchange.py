"""Bench: sealed, ledgered exchange queries per second, against a bare baseline.

Ours: the real app served by `govbridge serve` (uvicorn, one process by default) answering
`POST /api/v1/exchange/{classification}/{sequence}/query` with an API key: the
caller is authenticated, the agreement and its rate are checked, the row is read,
masked and sealed by the provider, the access is appended to the ledger, and the
receipt carries the inclusion proof and a signed tree head; one transaction.

Baseline in the same run, same database, same stack: a small FastAPI app defined
here (never mounted in the production app), served by uvicorn the same way in its
own process(es), taking the same JSON body at the same path and answering with the
same rows straight from `dataset_records` (the newest version per record key):
no authentication, agreement, masking, seal or ledger.

Load: a client process of its own (a fresh interpreter) keeps `concurrency`
keep-alive HTTP/1.1 connections busy on loopback for a fixed time, one random
subject ID a query, and records every latency. Each level runs ours, then the
baseline. The client speaks plain HTTP on asyncio streams so that it costs as
little CPU as possible on a small machine (it shares the cores with the servers).

In-process figures on the same scratch database afterwards: ledger appends per
second (one a transaction, and `append_many` 1,000 a transaction), inclusion proofs
per second for random old leaves (`log.inclusion`, read from storage) and their
verification (`merkle.verify_inclusion`).

Workers: GOVBRIDGE_BENCH_WORKERS=N runs both servers with N worker processes (uvicorn's
`--workers`, as `govbridge serve --workers N`); server CPU then counts the workers too.

Profiling: with GOVBRIDGE_BENCH_PROFILE=<directory> in the environment, our server
runs under cProfile (every request thread; CPU time with GOVBRIDGE_BENCH_PROFILE_CPU=1)
and writes `server-<pid>.prof` there on
shutdown; the bench only, nothing in the served app changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from govbridge.bench.common import Progress, Quiet, credit_code, element, person_id
from govbridge.bench.machine import describe
from govbridge.bench.scratch import scratch_database
from govbridge.config import Settings
from govbridge.exchange.schemas import QueryIn  # the baseline's body (resolved by name)
from govbridge.runtime import Runtime
from govbridge.storage.migrate import upgrade

AIM_QPS = 500.0  # sealed and ledgered queries a second
AIM_RATIO = 0.40  # of the baseline's throughput
LEVELS = (1, 8, 32)
PURPOSE = {"kind": "legal_basis", "text": "《中华人民共和国税收征收管理法》第十五条"}
PROFILE_ENV = "GOVBRIDGE_BENCH_PROFILE"
PROFILE_CPU_ENV = "GOVBRIDGE_BENCH_PROFILE_CPU"  # "1": profile CPU time, not wall time
WORKERS_ENV = "GOVBRIDGE_BENCH_WORKERS"  # server processes each for ours and the baseline
WARMUP_SECONDS = 1.0
BATCH = 1000  # entries per transaction for the batched append figure


# --- the data ---------------------------------------------------------------------------------


def company_code(n: int) -> str:
    return credit_code(f"91320500MA{n:07d}")


@dataclass(frozen=True)
class Setup:
    resource_code: str
    api_key: str  # a secret: never printed or saved
    subjects: list[str]
    fields: list[str]


def prepare(rt: Runtime, rows: int) -> Setup:
    """Elements, a provider with a published licence dataset of `rows` stored rows, a
    consumer department with an approved agreement (limits at their maxima) and an API key."""
    from govbridge.agreements.schemas import AgreementRequestIn
    from govbridge.agreements.usecases import request_agreement
    from govbridge.catalog import usecases as catalog
    from govbridge.catalog.schemas import DatasetIn
    from govbridge.core.permissions import Role
    from govbridge.identity import organizations
    from govbridge.identity.actor import Actor
    from govbridge.identity.clients import create_client
    from govbridge.identity.schemas import ClientCreate, OrganizationCreate
    from govbridge.ingest.pipeline import ingest_rows
    from govbridge.standards.usecases import seed_builtin_elements

    operator = Actor.operator("bench")
    provider_code = credit_code("11320500MB0000011")
    consumer_code = credit_code("11320500MB0000012")
    fields = [
        {"name": "credit_code", "title": "统一社会信用代码", "required": True,
         "element": element("credit_code", None, "string"), "grade": "general-2"},
        {"name": "legal_rep", "title": "法定代表人姓名",
         "element": element(None, "person", "string"), "grade": "general-3"},
        {"name": "legal_rep_id", "title": "法定代表人公民身份号码",
         "element": element("citizen_id", None, "string"), "grade": "important"},
        {"name": "established", "title": "成立日期", "element": element(None, None, "date"),
         "grade": "general-1"},
    ]
    names = [f["name"] for f in fields]
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
        for code, name in ((provider_code, "基准测试市场监督管理局"),
                           (consumer_code, "基准测试税务局")):
            organizations.create_organization(
                ctx, operator, OrganizationCreate(code=code, name=name, level="city"))
        provider_org = organizations.org_by_code(ctx, provider_code)
        consumer_org = organizations.org_by_code(ctx, consumer_code)
        assert provider_org is not None and consumer_org is not None
        provider_id, consumer_id = provider_org.id, consumer_org.id
    provider_officer = Actor.for_user(user_id=9001, username="bench.provider",
                                      roles=frozenset({Role.DATA_OFFICER}),
                                      organization_id=provider_id, subject_id=None)
    consumer_officer = Actor.for_user(user_id=9002, username="bench.consumer",
                                      roles=frozenset({Role.DATA_OFFICER}),
                                      organization_id=consumer_id, subject_id=None)
    with rt.context() as ctx:
        made = catalog.create_dataset(ctx, provider_officer, DatasetIn(
            name="基准测试企业营业执照信息", abstract="交换基准测试数据。",
            provider_code=provider_code, share_type="unconditional", subject_type="enterprise",
            subject_field="credit_code", keywords=["营业执照"], fields=fields))
        catalog.submit(ctx, provider_officer, made.resource_code)
        catalog.review(ctx, operator, made.resource_code, approve=True)
    code = made.resource_code
    subjects = [company_code(n) for n in range(rows)]
    for start in range(0, rows, 2000):
        with rt.context() as ctx:
            report = ingest_rows(ctx, provider_officer, code, [
                {"credit_code": subjects[n], "legal_rep": f"张{n}",
                 "legal_rep_id": person_id(n), "established": "2020-05-17"}
                for n in range(start, min(rows, start + 2000))], source="rest")
        if report.accepted != min(rows, start + 2000) - start:
            raise RuntimeError(f"only {report.accepted} bench rows were accepted")
    with rt.context() as ctx:
        request_agreement(ctx, consumer_officer, AgreementRequestIn(
            resource_code=code, fields=names, purpose_kind="legal_basis",
            purpose_text=PURPOSE["text"], valid_until=date.today() + timedelta(days=30),
            rate_per_minute=100_000, daily_volume=100_000_000))
        key = create_client(ctx, operator, ClientCreate(organization_code=consumer_code,
                                                        name="exchange bench")).api_key
    return Setup(code, key, subjects, names)


# --- the baseline server (never part of the production app) -----------------------------------


def baseline_app(database_url: str, resource_code: str) -> Any:
    """The same stack and body shape, answering the same rows with no checks at all."""
    from fastapi import FastAPI
    from sqlalchemy import func, select

    from govbridge.catalog.models import Dataset
    from govbridge.ingest.models import DatasetRecord
    from govbridge.storage.engine import make_engine

    engine = make_engine(database_url)
    with engine.connect() as conn:
        dataset_id = conn.scalar(select(Dataset.id).where(Dataset.resource_code == resource_code))
    if dataset_id is None:
        raise RuntimeError(f"no dataset {resource_code}")
    app = FastAPI(title="govbridge exchange bench baseline", openapi_url=None, docs_url=None,
                  redoc_url=None)

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/exchange/{classification}/{sequence}/query")
    def query(classification: str, sequence: str, body: QueryIn) -> dict[str, Any]:
        newest = (select(func.max(DatasetRecord.id))
                  .where(DatasetRecord.dataset_id == dataset_id)
                  .group_by(DatasetRecord.record_key))
        stmt = select(DatasetRecord.data).where(DatasetRecord.id.in_(newest))
        if body.subject_ids:
            stmt = stmt.where(DatasetRecord.subject_id.in_(body.subject_ids))
        stmt = stmt.order_by(DatasetRecord.id).limit(body.limit)
        with engine.connect() as conn:
            rows = [dict(d) for d in conn.scalars(stmt)]
        return {"data": {"resource_code": f"{classification}/{sequence}", "rows": rows}}

    return app


BASELINE_URL_ENV = "GOVBRIDGE_BENCH_BASELINE_URL"
BASELINE_CODE_ENV = "GOVBRIDGE_BENCH_BASELINE_CODE"


def baseline_from_environment() -> Any:
    """The baseline app in each worker process (as `govbridge serve --workers N` does)."""
    return baseline_app(os.environ[BASELINE_URL_ENV], os.environ[BASELINE_CODE_ENV])


def _serve_baseline(argv: Sequence[str]) -> None:
    import uvicorn

    port, database_url, resource_code = int(argv[0]), argv[1], argv[2]
    workers = int(argv[3]) if len(argv) > 3 else 1
    options: dict[str, Any] = {"host": "127.0.0.1", "port": port, "log_level": "info",
                               "proxy_headers": False, "server_header": False}
    if workers > 1:
        os.environ[BASELINE_URL_ENV], os.environ[BASELINE_CODE_ENV] = database_url, resource_code
        from govbridge.api.serving import run_workers

        run_workers("govbridge.bench.exchange:baseline_from_environment", workers, **options)
    else:
        uvicorn.run(baseline_app(database_url, resource_code), **options)


def _serve_ours_profiled(argv: Sequence[str]) -> None:
    """`govbridge serve` under cProfile: one profile per thread, merged on shutdown."""
    import cProfile
    import pstats
    import threading

    out_dir = Path(os.environ[PROFILE_ENV])
    profiles: list[cProfile.Profile] = []

    # CPU time of each thread (GOVBRIDGE_BENCH_PROFILE_CPU=1) shows what the interpreter
    # spends; wall time (the default) also shows what a request waits for.
    timer = time.thread_time if os.environ.get(PROFILE_CPU_ENV) == "1" else time.perf_counter

    def start(_frame: Any, _event: str, _arg: Any) -> None:
        prof = cProfile.Profile(timer)
        profiles.append(prof)
        prof.enable()

    threading.setprofile(start)
    main = cProfile.Profile(timer)
    profiles.append(main)
    main.enable()
    try:
        import runpy

        sys.argv = ["govbridge", "serve", *argv]
        with contextlib.suppress(SystemExit):  # `python -m govbridge serve …`, profiled
            runpy.run_module("govbridge", run_name="__main__", alter_sys=True)
    finally:
        main.disable()
        threading.setprofile(None)  # type: ignore[arg-type]
        stats = pstats.Stats(main)
        for prof in profiles:
            if prof is not main:
                prof.disable()  # a no-op from another thread; its figures so far are kept
                stats.add(prof)
        out_dir.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(out_dir / f"server-{os.getpid()}.prof")


# --- serving ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _wait_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{server.port}/api/v1/health"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"the {server.name} server exited ({server.proc.returncode}): "
                               + _tail(server.log))
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the {server.name} server did not answer in {timeout:.0f} s: "
                       + _tail(server.log))


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _start(name: str, cmd: list[str], port: int, env: dict[str, str], tmp: Path) -> Server:
    log = tmp / f"{name}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh,  # noqa: S603 - our own commands
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(name, port, proc, log)
    try:
        _wait_healthy(server)
    except BaseException:
        server.stop()
        raise
    return server


def start_ours(url: str, home: Path, tmp: Path, workers: int = 1) -> Server:
    env = {**os.environ, "GOVBRIDGE_HOME": str(home), "GOVBRIDGE_DATABASE_URL": url,
           "GOVBRIDGE_CHECKPOINT_SECONDS": "0"}
    port = free_port()
    args = ["--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        args += ["--workers", str(workers)]
    if env.get(PROFILE_ENV):
        cmd = [sys.executable, "-m", "govbridge.bench.exchange", "serve-ours-profiled", *args]
    else:
        cmd = [sys.executable, "-m", "govbridge", "serve", *args]
    return _start("ours", cmd, port, env, tmp)


def start_baseline(url: str, home: Path, resource_code: str, tmp: Path,
                   workers: int = 1) -> Server:
    env = {**os.environ, "GOVBRIDGE_HOME": str(home), "GOVBRIDGE_DATABASE_URL": url}
    env.pop(PROFILE_ENV, None)
    port = free_port()
    cmd = [sys.executable, "-m", "govbridge.bench.exchange", "serve-baseline", str(port), url,
           resource_code, str(workers)]
    return _start("baseline", cmd, port, env, tmp)


# --- the load client (a process of its own) ---------------------------------------------------


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
               ) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
            body += (await reader.readexactly(size + 2))[:-2]
            if size == 0:
                break
        return status, body
    if length is None:
        raise RuntimeError("a response without a length")
    return status, await reader.readexactly(length)


def _rows_of(body: bytes) -> int:
    doc = json.loads(body)
    return len(doc["data"]["rows"])


async def _load(port: int, path: str, key: str | None, subjects: list[str], concurrency: int,
                seconds: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - which subject to ask for, not a secret
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
            + (f"Authorization: Bearer {key}\r\n" if key else ""))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sample = {"checked": 0, "rows": 0, "unexpected": 0}
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        done = 0
        try:
            while time.perf_counter() < deadline:
                body = json.dumps({"subject_ids": [rng.choice(subjects)], "purpose": PURPOSE},
                                  ensure_ascii=False).encode()
                request = (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                started = time.perf_counter()
                try:
                    status, answer = await _one(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError, ValueError, RuntimeError) as exc:
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])
                    statuses[0] = statuses.get(0, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    if len(failures) < 5:
                        failures.append(f"{status}: {answer[:300].decode(errors='replace')}")
                elif done % 25 == 0:  # every 25th answer of each connection is parsed
                    got = _rows_of(answer)
                    sample["checked"] += 1
                    sample["rows"] += got
                    sample["unexpected"] += got != 1
                done += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "seconds": elapsed,
            "sample": sample, "failures": failures[:5]}


def _load_main() -> None:
    """Child: JSON job on stdin, JSON result (with every latency) as the last line."""
    job = json.loads(sys.stdin.read())
    try:
        result = asyncio.run(_load(job["port"], job["path"], job.get("key"), job["subjects"],
                                   job["concurrency"], job["seconds"], job["seed"]))
    except BaseException:  # noqa: BLE001 - handed to the parent, which raises
        result = {"error": traceback.format_exc()}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def run_load(port: int, path: str, key: str | None, subjects: list[str], concurrency: int,
             seconds: float, seed: int = 7) -> dict[str, Any]:
    """Drive one server from a fresh client process; latencies summarised here."""
    job = {"port": port, "path": path, "key": key, "subjects": subjects,
           "concurrency": concurrency, "seconds": seconds, "seed": seed}
    proc = subprocess.run(
        [sys.executable, "-m", "govbridge.bench.exchange", "load"],
        input=json.dumps(job), capture_output=True, text=True,
        timeout=seconds + 120, check=False)
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"the load client died ({proc.returncode}): {proc.stderr[-2000:]}")
    raw = json.loads(lines[-1])
    if "error" in raw:
        raise RuntimeError(f"the load client failed:\n{raw['error']}")
    return summarise(raw, concurrency)


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1))))
    return sorted_values[rank]


def summarise(raw: dict[str, Any], concurrency: int) -> dict[str, Any]:
    lat = sorted(raw["latencies"])
    statuses = {int(k): v for k, v in raw["statuses"].items()}
    ok = statuses.get(200, 0)
    seconds = raw["seconds"]
    return {
        "concurrency": concurrency,
        "requests": sum(statuses.values()),
        "ok": ok,
        "errors": sum(v for k, v in statuses.items() if k != 200),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(seconds, 2),
        "requests_per_second": round(ok / seconds, 1) if seconds else 0.0,
        "p50_ms": round(_percentile(lat, 0.50) * 1000, 2),
        "p99_ms": round(_percentile(lat, 0.99) * 1000, 2),
        "max_ms": round(lat[-1] * 1000, 2) if lat else 0.0,
        "rows_checked": raw["sample"]["checked"],
        "rows_returned": raw["sample"]["rows"],
        "unexpected_row_counts": raw["sample"]["unexpected"],
        "failures": raw["failures"],
    }


# --- in-process ledger figures ----------------------------------------------------------------


def ledger_figures(rt: Runtime, appends: int, proofs: int, single_seconds: float,
                   bar: Progress) -> dict[str, Any]:
    """Appends a second (one a transaction; 1,000 a transaction), proofs and verifications."""
    from govbridge.ledger import log
    from govbridge.ledger.merkle import verify_inclusion

    kind = "bench.append"

    def payload(n: int) -> dict[str, Any]:
        # the subjects go in as raw IDs; the ledger writes their commitments into the entry
        return {"n": n, "caller": "bench", "response_sha256": f"{n:064x}"}

    # One entry per transaction, for a fixed time (at most `appends` of them).
    bar.start("append × 1/tx", None)
    single = 0
    started = time.perf_counter()
    stop = started + single_seconds
    while single < appends and time.perf_counter() < stop:
        with rt.context() as ctx:
            log.append(ctx, kind, payload(single), subjects=[company_code(single % 1000)])
        single += 1
        bar.advance(1)
    single_s = time.perf_counter() - started

    # Batched: 1,000 entries per transaction, `appends` in all.
    bar.start("append × 1000/tx", appends)
    batched = 0
    started = time.perf_counter()
    while batched < appends:
        n = min(BATCH, appends - batched)
        with rt.context() as ctx:
            log.append_many(ctx, [log.NewEntry(kind, payload(batched + i),
                                               (company_code((batched + i) % 1000),))
                                  for i in range(n)])
        batched += n
        bar.advance(n)
    batched_s = time.perf_counter() - started

    with rt.context() as ctx:
        size, _root = log.tree_state(ctx)
    rng = random.Random(11)  # noqa: S311 - which leaves to prove, not a secret
    # "Old" leaves: from the first half of the tree, so their proofs need stored nodes.
    leaves = [rng.randrange(max(1, size // 2)) for _ in range(proofs)]
    bar.start("proofs", proofs)
    receipts = []
    started = time.perf_counter()
    with rt.context() as ctx:
        for leaf in leaves:
            receipts.append(log.inclusion(ctx, leaf, size))
            bar.advance(1)
    proof_s = time.perf_counter() - started
    bar.start("verifications", proofs)
    started = time.perf_counter()
    for r in receipts:
        verify_inclusion(r.leaf_hash, r.leaf_index, r.tree_size, list(r.proof), r.root)
    verify_s = time.perf_counter() - started
    bar.advance(proofs)
    return {
        "tree_size": size,
        "append_single": {"what": "log.append, one entry per transaction (commit each)",
                          "entries": single, "seconds": round(single_s, 3),
                          "per_second": round(single / single_s, 1) if single_s else 0.0},
        "append_batched": {"what": f"log.append_many, {BATCH} entries per transaction",
                           "entries": batched, "seconds": round(batched_s, 3),
                           "per_second": round(batched / batched_s, 1) if batched_s else 0.0},
        "proof": {"what": "log.inclusion for random leaves of the older half, read from "
                          "storage, in one transaction",
                  "proofs": proofs, "seconds": round(proof_s, 3),
                  "per_second": round(proofs / proof_s, 1) if proof_s else 0.0,
                  "proof_length": len(receipts[0].proof) if receipts else 0},
        "verify": {"what": "merkle.verify_inclusion of those proofs",
                   "proofs": proofs, "seconds": round(verify_s, 4),
                   "per_second": round(proofs / verify_s, 1) if verify_s else 0.0},
    }


# --- the run ----------------------------------------------------------------------------------


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live child processes (the workers
    of a multi-process server) so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
    return own + sum(cpu_seconds(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        return []
    return found


def measured(server: Server, key: str | None, path: str, subjects: list[str], level: int,
             seconds: float) -> dict[str, Any]:
    """One leg, with the server process's CPU time per answered query."""
    before = cpu_seconds(server.proc.pid)
    leg = run_load(server.port, path, key, subjects, level, seconds, seed=level)
    used = cpu_seconds(server.proc.pid) - before
    leg["server_cpu_seconds"] = round(used, 2)
    leg["server_cpu_ms_per_request"] = (round(used * 1000 / leg["requests"], 3)
                                        if leg["requests"] else 0.0)
    return leg


def _path(resource_code: str) -> str:
    return f"/api/v1/exchange/{resource_code}/query"


def run(
    database_url: str | None = None,
    *,
    rows: int = 2000,
    levels: Sequence[int] = LEVELS,
    seconds: float = 10.0,
    appends: int = 20_000,
    proofs: int = 2000,
    single_seconds: float = 5.0,
    progress: Progress | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """The whole bench; `database_url` a PostgreSQL server URL, else SQLite.

    `workers` server processes each for ours and the baseline (default: 1, or
    GOVBRIDGE_BENCH_WORKERS).
    """
    bar = progress or Quiet()
    workers = max(1, workers or int(os.environ.get(WORKERS_ENV) or 1))
    load_before = _loadavg()
    with scratch_database(database_url) as scratch:
        home = scratch.tmp / "home"
        settings = Settings(home=home, database_url=scratch.url, checkpoint_seconds=0)
        settings.ensure_home()
        slots = settings.exchange_slots  # as the server reads it from the same environment
        rt = Runtime(settings)
        try:
            bar.start("setup", None)
            upgrade(rt.engine)
            setup = prepare(rt, rows)
            backend = rt.engine.dialect.name
            server = rt.engine.dialect.server_version_info
            path = _path(setup.resource_code)
            ours_srv = start_ours(scratch.url, home, scratch.tmp, workers)
            try:
                base_srv = start_baseline(scratch.url, home, setup.resource_code, scratch.tmp,
                                          workers)
                try:
                    # Warm both (imports, caches, the provider's seal key, the ledger key).
                    bar.start("warm-up", None)
                    warm = {
                        "ours": run_load(ours_srv.port, path, setup.api_key, setup.subjects, 1,
                                         WARMUP_SECONDS, seed=1),
                        "baseline": run_load(base_srv.port, path, None, setup.subjects, 1,
                                             WARMUP_SECONDS, seed=1),
                    }
                    per_level = []
                    for level in levels:
                        bar.start(f"c={level} ours", None)
                        ours = measured(ours_srv, setup.api_key, path, setup.subjects, level,
                                        seconds)
                        bar.start(f"c={level} baseline", None)
                        base = measured(base_srv, None, path, setup.subjects, level, seconds)
                        ratio = (round(ours["requests_per_second"]
                                       / base["requests_per_second"], 3)
                                 if base["requests_per_second"] else 0.0)
                        per_level.append({
                            "concurrency": level, "ours": ours, "baseline": base,
                            "ratio": ratio,
                            "meets_qps_aim": ours["requests_per_second"] >= AIM_QPS,
                            "meets_ratio_aim": ratio >= AIM_RATIO,
                            "load_average_1m": _loadavg(),
                        })
                finally:
                    base_srv.stop()
            finally:
                ours_srv.stop()
            ledger = ledger_figures(rt, appends, proofs, single_seconds, bar)
            bar.start("done", 1)
            bar.advance(1)
        finally:
            rt.dispose()
    errors = sum(p["ours"]["errors"] + p["baseline"]["errors"] for p in per_level)
    best = max(per_level, key=lambda p: p["ours"]["requests_per_second"])
    return {
        "bench": "exchange",
        "backend": backend,
        "server_version": ".".join(str(v) for v in server) if server else None,
        "rows": rows,
        "seconds_per_leg": seconds,
        "levels": list(levels),
        "workers": workers,
        "ours_what": f"govbridge serve (uvicorn, {workers} process(es), {slots} exchange "
                     "slot(s) each): API key, agreement, "
                     "rate and volume counters, read, mask, provider seal (JWS), ledger "
                     "append, inclusion proof, signed tree head; one transaction per query",
        "exchange_slots": slots,
        "baseline_what": f"FastAPI + uvicorn ({workers} process(es)), same body, same rows "
                         "from dataset_records (newest per key); no auth, checks, masking, "
                         "seal or ledger",
        "client_what": "one client process, asyncio HTTP/1.1 keep-alive connections "
                       "(one per concurrent caller), 1 random subject ID per query; "
                       "every 25th answer per connection parsed to count its rows",
        "warmup": {k: {"requests": v["requests"], "errors": v["errors"]}
                   for k, v in warm.items()},
        "results": per_level,
        "errors": errors,
        "aims": {"queries_per_second": AIM_QPS, "ratio": AIM_RATIO},
        "best": {"concurrency": best["concurrency"],
                 "requests_per_second": best["ours"]["requests_per_second"],
                 "ratio": best["ratio"]},
        "meets_aims": any(p["meets_qps_aim"] and p["meets_ratio_aim"] for p in per_level),
        "ledger": ledger,
        "machine": describe(),
        "load_average_1m": {"before": load_before, "after": _loadavg()},
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    what, rest = (args[0], args[1:]) if args else ("", [])
    if what == "load":
        _load_main()
    elif what == "serve-baseline":
        _serve_baseline(rest)
    elif what == "serve-ours-profiled":
        _serve_ours_profiled(rest)
    else:
        raise SystemExit("usage: python -m govbridge.bench.exchange "
                         "load | serve-baseline PORT URL CODE [WORKERS] | "
                         "serve-ours-profiled ARGS")


if __name__ == "__main__":
    main()
