"""The hub's relay: runs a job's parties, each in its own OS process, and carries every
message between them, recording what it carried.

One process per party (`python -m govbridge.privacy.party`), given its configuration and
its own source of rows on stdin; then lock-step rounds (`protocol.py`): the relay writes
each live party its inbox, reads its outbox (a reader thread per party, so a slow party
cannot block the others; `round_seconds` per round, after which the party counts as
dropped and is stopped), routes party → party and party → hub messages, and feeds the hub's
generator. Everything routed goes into the transcript (`Transcript`), which the use case
writes to `<home>/privacy/<job>.jsonl` and digests into the job's receipt, so anyone may
check that the hub never carried a raw input. A party's final output (what it releases)
goes to the hub's generator and never into the transcript; party logs (stderr) are kept
per party for the same inspection.

Figures (2 vCPUs): a three-party secure sum of 900 rows takes ~0.7 s end to end, nearly
all of it starting the three processes (interpreter, numpy, openmined-psi); a 100,000 x
100,000 PSI relays 13 MiB in ~48 s (`govbridge bench privacy`).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from govbridge.privacy import computations
from govbridge.privacy.protocol import Aborted, Hub, Message, Outcome
from govbridge.privacy.rules import Party

MAX_RELAY_ROUNDS = 1000


@dataclass(frozen=True)
class PartyRun:
    """A party as the relay starts it: its code, its part of the job, its source of rows."""

    code: str
    party: Party
    source: dict[str, Any]


@dataclass
class RunResult:
    outcome: Outcome | None
    aborted: str | None
    transcript: list[Message]
    logs: dict[str, str]
    rounds: int
    seconds: float
    dropped: list[str] = field(default_factory=list)


AfterRound = Callable[[int, dict[str, subprocess.Popen[str]]], None]


def _reader(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def run(job: str, parties: list[PartyRun], receiver: str, computation: str,
        params: dict[str, Any], min_group: int, *, round_seconds: float = 300.0,
        after_round: AfterRound | None = None) -> RunResult:
    """Run one job to its outcome, or to an abort (nothing released)."""
    started = time.monotonic()
    codes = [p.code for p in parties]
    hub = Hub(job=job, parties=codes, receiver=receiver, computation=computation,
              params=params, specs={p.code: p.party for p in parties}, min_group=min_group)
    procs: dict[str, subprocess.Popen[str]] = {}
    lines: dict[str, queue.Queue[str | None]] = {}
    logs_files: dict[str, IO[str]] = {}
    transcript: list[Message] = []
    live = set(codes)
    try:
        for p in parties:
            logs_files[p.code] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            proc = subprocess.Popen(
                [sys.executable, "-m", "govbridge.privacy.party"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=logs_files[p.code], text=True, bufsize=1)
            procs[p.code] = proc
            lines[p.code] = queue.Queue()
            threading.Thread(target=_reader, args=(proc.stdout, lines[p.code]),
                             daemon=True).start()
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({
                "job": job, "code": p.code, "parties": codes, "receiver": receiver,
                "computation": computation, "params": params, "min_group": min_group,
                "party": {**asdict(p.party), "features": list(p.party.features)},
                "source": p.source}) + "\n")
            proc.stdin.flush()
        outcome, aborted, rounds = _rounds(hub, procs, lines, live, transcript,
                                           round_seconds, after_round)
    finally:
        for proc in procs.values():
            _stop(proc)
    logs = {}
    for code, fh in logs_files.items():
        fh.seek(0)
        logs[code] = fh.read()
        fh.close()
    return RunResult(outcome, aborted, transcript, logs, rounds,
                     round(time.monotonic() - started, 3), sorted(hub.dropped))


def _rounds(hub: Hub, procs: dict[str, subprocess.Popen[str]],
            lines: dict[str, queue.Queue[str | None]], live: set[str],
            transcript: list[Message], round_seconds: float,
            after_round: AfterRound | None) -> tuple[Outcome | None, str | None, int]:
    hub_gen = computations.hub_of(hub.computation)(hub)
    inboxes: dict[str, list[Message]] = {c: [] for c in procs}
    try:
        _deliver(next(hub_gen), "hub", 0, inboxes, live, transcript)
    except Aborted as exc:
        return None, exc.reason, 0
    for rnd in range(MAX_RELAY_ROUNDS):
        if not live:
            return None, "every party stopped before the result", rnd
        for code in sorted(live):
            try:
                _write(procs[code], {"inbox": inboxes[code]})
            except OSError:
                _drop(hub, live, code)
            inboxes[code] = []
        to_hub: list[Message] = []
        deadline = time.monotonic() + round_seconds
        for code in sorted(live):
            answer = _read(lines[code], deadline)
            if answer is None or "error" in answer:
                _drop(hub, live, code)
                _stop(procs[code])
                continue
            if answer.get("done"):
                live.discard(code)
                to_hub.append({"from": code, "to": "hub", "kind": "output",
                               "body": answer.get("output")})
                continue
            for msg in answer.get("outbox") or []:
                if msg.get("to") == "hub":
                    routed = {"from": code, **msg}
                    transcript.append({"round": rnd, **routed})
                    to_hub.append(routed)
                else:
                    _deliver([msg], code, rnd, inboxes, live, transcript)
        if after_round is not None:
            after_round(rnd, procs)
        try:
            _deliver(hub_gen.send(to_hub), "hub", rnd, inboxes, live, transcript)
        except StopIteration as stop:
            return stop.value, None, rnd + 1
        except Aborted as exc:
            return None, exc.reason, rnd + 1
    return None, "the computation did not finish", MAX_RELAY_ROUNDS


def _deliver(msgs: list[Message], sender: str, rnd: int, inboxes: dict[str, list[Message]],
             live: set[str], transcript: list[Message]) -> None:
    for msg in msgs:
        routed = {**msg, "from": sender}
        transcript.append({"round": rnd, **routed})
        targets = ([c for c in sorted(live) if c != sender] if msg.get("to") == "*"
                   else [msg.get("to")])
        for target in targets:
            if target in live:
                inboxes[str(target)].append(routed)


def _drop(hub: Hub, live: set[str], code: str) -> None:
    live.discard(code)
    hub.dropped.add(code)


def _write(proc: subprocess.Popen[str], obj: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(obj, separators=(",", ":")) + "\n")
    proc.stdin.flush()


def _read(lines: queue.Queue[str | None], deadline: float) -> dict[str, Any] | None:
    try:
        line = lines.get(timeout=max(deadline - time.monotonic(), 0.001))
    except queue.Empty:
        return None
    if line is None:
        return None
    try:
        answer = json.loads(line)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=5)
