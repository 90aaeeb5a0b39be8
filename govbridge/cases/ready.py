"""The ready tasks of a saved process run, remembered by the run's state.

Why: reading a case (its page after every step, each department's task list) needs only
which tasks are ready, yet restoring a SpiffWorkflow run from its JSON takes ~2-3 ms (the
engine alone does it once a step; the case path did it three times a decision: the task
list, the decision, the case's detail after it). What is ready is a pure function of the
saved state, so it is kept here under the state's BLAKE2b digest: a step that saves a run
records what it left ready (`remember`), a reader asks `of_state` and restores the run
only for a state this process has not seen (another server process wrote it, or the
memo was full). No I/O; bounded (`LIMIT` states, oldest forgotten first); thread-safe.

The run a step saved is kept too (`RUNS` of them), for the next step of that case to take
instead of restoring it from the same JSON (~2-3 ms a step): `take_run` hands it out once
and forgets it, so no two steps share a run; a step that fails after taking it leaves
nothing behind and the next one restores from the stored state. A run is kept only once its
step has saved it and changes nothing after (`remember` is the last thing done to it).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from govbridge.services.engine import ProcessRun, ReadyTask

LIMIT = 4096  # states remembered (a digest and a few tasks each: well under 4 MB)
RUNS = 64  # saved runs kept for their next step (~0.1-0.3 MB each)

_lock = threading.Lock()
_memo: OrderedDict[bytes, tuple[ReadyTask, ...]] = OrderedDict()
_runs: OrderedDict[bytes, ProcessRun] = OrderedDict()


def _key(state: str) -> bytes:
    return hashlib.blake2b(state.encode(), digest_size=16).digest()


def remember(state: str, run: ProcessRun) -> None:
    """Record what `run`, just saved as `state`, has ready, and keep the run for the next
    step (the caller does not change it any more)."""
    key = _key(state)
    _put(key, tuple(run.ready_tasks()))
    with _lock:
        _runs[key] = run
        _runs.move_to_end(key)
        while len(_runs) > RUNS:
            _runs.popitem(last=False)


def take_run(state: str) -> ProcessRun:
    """The run saved as `state`: the one kept for it (handed out once), else restored."""
    with _lock:
        run = _runs.pop(_key(state), None)
    return run if run is not None else ProcessRun.from_json(state)


def of_state(state: str) -> list[ReadyTask]:
    """The ready tasks of the run saved as `state` (restored only when not remembered)."""
    key = _key(state)
    with _lock:
        found = _memo.get(key)
        if found is not None:
            _memo.move_to_end(key)
            return list(found)
    tasks = tuple(ProcessRun.from_json(state).ready_tasks())
    _put(key, tasks)
    return list(tasks)


def _put(key: bytes, tasks: tuple[ReadyTask, ...]) -> None:
    with _lock:
        _memo[key] = tasks
        _memo.move_to_end(key)
        while len(_memo) > LIMIT:
            _memo.popitem(last=False)
