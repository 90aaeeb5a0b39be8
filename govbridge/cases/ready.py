"""The ready tasks of a saved process run, remembered by the run's state.

Why: reading a case (its page after every step, each department's task list) needs only
which tasks are ready, yet restoring a SpiffWorkflow run from its JSON takes ~2-3 ms (the
engine alone does it once a step; the case path did it three times a decision: the task
list, the decision, the case's detail after it). What is ready is a pure function of the
saved state, so it is kept here under the state's BLAKE2b digest: a step that saves a run
records what it left ready (`remember`), a reader asks `of_state` and restores the run
only for a state this process has not seen (another server process wrote it, or the
memo was full). No I/O; bounded (`LIMIT` states, oldest forgotten first); thread-safe.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from govbridge.services.engine import ProcessRun, ReadyTask

LIMIT = 4096  # states remembered (a digest and a few tasks each: well under 4 MB)

_lock = threading.Lock()
_memo: OrderedDict[bytes, tuple[ReadyTask, ...]] = OrderedDict()


def _key(state: str) -> bytes:
    return hashlib.blake2b(state.encode(), digest_size=16).digest()


def remember(state: str, run: ProcessRun) -> None:
    """Record what `run`, just saved as `state`, has ready."""
    _put(_key(state), tuple(run.ready_tasks()))


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
