"""`python -m govbridge.privacy.party`: one party of a privacy job, in its own process.

The hub's relay starts one such process per party and speaks to it in JSON lines on
stdin/stdout: first the party's configuration (job, its place, its dataset source), then
one line per round `{"inbox": [...]}`, answered by `{"outbox": [...]}` — or, at the end,
`{"done": true, "output": ...}`, or `{"error": reason}`. The process reads its own
department's rows only, from its source:
- `node`: the department node's own row store (`rows.db` in the node directory,
  `nodes/store.py`): the production shape, the process running beside the node;
- `store`: the newest version of each record of the dataset kept on the hub (the embedded
  demo, where the departments' data is held on the hub's database): read by this process
  with its own connection, for this one dataset and these fields only.
Its log (stderr) names counts and the job, never a subject or a value; an exception is
reported by its type only, since a message could quote a value.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from contextlib import closing
from typing import Any, TextIO

from govbridge.privacy import computations
from govbridge.privacy.protocol import Aborted, Me
from govbridge.privacy.rules import Party

log = logging.getLogger("govbridge.privacy.party")

NEWEST = ("SELECT data FROM dataset_records WHERE id IN (SELECT max(id) FROM dataset_records "
          "WHERE dataset_id = :dataset GROUP BY record_key) ORDER BY id")


def load_rows(source: dict[str, Any], fields: list[str]) -> list[dict[str, Any]]:
    """This party's rows, only the fields the job reads."""
    if source["kind"] == "node":
        with closing(sqlite3.connect(source["rows_db"])) as conn:
            raw = [d for (d,) in conn.execute(
                "SELECT data FROM records WHERE resource_code = ? ORDER BY id",
                (source["resource_code"],))]
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(source["database_url"])
        try:
            with engine.connect() as conn:
                raw = list(conn.execute(text(NEWEST), {"dataset": source["dataset_id"]})
                           .scalars())
        finally:
            engine.dispose()
    rows = []
    for data in raw:
        row = json.loads(data) if isinstance(data, str) else data
        rows.append({f: row.get(f) for f in fields})
    return rows


def serve(stdin: TextIO, stdout: TextIO) -> int:
    config = json.loads(stdin.readline())
    spec = Party(**{**config["party"], "features": tuple(config["party"].get("features", ()))})
    rows = load_rows(config["source"], spec.fields)
    log.info("job %s party %s: %d rows of %s", config["job"], config["code"], len(rows),
             spec.resource_code)
    me = Me(job=config["job"], code=config["code"], parties=config["parties"],
            receiver=config["receiver"], computation=config["computation"],
            params=config["params"], party=spec, rows=rows, min_group=int(config["min_group"]))
    gen = computations.party_of(me.computation)(me)
    first = True

    def say(obj: dict[str, Any]) -> None:
        stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
        stdout.flush()

    for line in stdin:
        inbox = json.loads(line)["inbox"]
        try:
            outbox = next(gen) if first else gen.send(inbox)
        except StopIteration as stop:
            say({"done": True, "output": stop.value})
            return 0
        except Aborted as exc:
            say({"error": exc.reason})
            return 1
        except Exception as exc:  # noqa: BLE001 - reported by type only (see docstring)
            log.warning("job %s party %s failed: %s", config["job"], config["code"],
                        type(exc).__name__)
            say({"error": f"the party's computation failed ({type(exc).__name__})"})
            return 1
        first = False
        say({"outbox": outbox})
    return 0


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s party %(levelname)s %(message)s")
    return serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
