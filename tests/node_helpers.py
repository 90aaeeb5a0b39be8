"""Helpers for node tests (importable as `node_helpers`): ports, a node in a thread, waiting."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from govbridge.nodes.server import server_config
from ingest_helpers import licence_row

PURPOSE_TEXT = "《中华人民共和国税收征收管理法》第十五条"
PURPOSE = {"kind": "legal_basis", "text": PURPOSE_TEXT}
FIELDS = ["credit_code", "legal_rep", "legal_rep_id", "established"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rows_file(tmp_path: Path, name: str, count: int) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps([licence_row(n) for n in range(count)], ensure_ascii=False),
                    "utf-8")
    return path


@contextmanager
def node_thread(directory: Path, port: int, *, witness_interval: float = 0) -> Iterator[str]:
    """Serve a node in a thread on 127.0.0.1:port until the block ends."""
    server = uvicorn.Server(server_config(directory, "127.0.0.1", port,
                                          witness_interval=witness_interval))
    thread = threading.Thread(target=server.run, name=f"node-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("node did not start")
        time.sleep(0.02)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_for(check: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# A department's own database for live sources: its column names are not the fields'.
LIVE_TABLE = "yyzz_xx"
LIVE_MAP = {"credit_code": "tyshxydm", "legal_rep": "fddbr", "legal_rep_id": "fddbr_sfzh",
            "established": "clrq"}
LIVE_MAP_ARGS = [f"{f}={c}" for f, c in LIVE_MAP.items()]


def department_sqlite(path: Path, count: int) -> str:
    """A department's SQLite database with `count` licence rows; its SQLAlchemy URL."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"CREATE TABLE {LIVE_TABLE} (tyshxydm TEXT PRIMARY KEY, fddbr TEXT, "
                     "fddbr_sfzh TEXT, clrq TEXT, bz TEXT)")
        conn.executemany(f"INSERT INTO {LIVE_TABLE} VALUES (?, ?, ?, ?, 'x')", [
            tuple(licence_row(n)[f] for f in LIVE_MAP) for n in range(count)])
    return f"sqlite:///{path}"
