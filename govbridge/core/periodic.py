"""A background round every N seconds: the one daemon-thread loop the server's schedulers
(ledger checkpoints, case time limits) share."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Self


class Periodic:
    """Calls `round` every `interval` seconds on a daemon thread until stopped (interval 0:
    never; the round can still be run by hand). A failed round is logged and the next one
    tries again."""

    def __init__(self, name: str, interval: float, round_: Callable[[], None],
                 log: logging.Logger) -> None:
        self.name, self.interval, self._round, self._log = name, interval, round_, log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Self:
        if self.interval > 0:
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._round()
            except Exception:  # noqa: BLE001 - logged with its traceback; the next round retries
                self._log.exception("%s round failed", self.name)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
