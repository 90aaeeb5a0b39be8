"""The case scheduler in the server: `tick` every `GOVBRIDGE_CASE_TICK_SECONDS` (0: never;
`govbridge case tick` runs one round by hand) — BPMN timers, 80 % reminders, escalations."""

from __future__ import annotations

import logging
import threading

from govbridge.cases.usecases import tick
from govbridge.runtime import Runtime

log = logging.getLogger("govbridge.cases.schedule")


class CaseScheduler:
    """A daemon thread running one `tick` per interval until stopped; a failed round is
    logged and the next one tries again."""

    def __init__(self, rt: Runtime, interval: float) -> None:
        self.rt, self.interval = rt, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cases", daemon=True)

    def start(self) -> CaseScheduler:
        if self.interval > 0:
            self._thread.start()
        return self

    def run_once(self) -> None:
        with self.rt.context() as ctx:
            report = tick(ctx)
        if report.timers_fired or report.reminded or report.escalated or report.completed:
            log.info("cases: %d timers fired, %d reminded, %d escalated, %d completed",
                     report.timers_fired, len(report.reminded), len(report.escalated),
                     len(report.completed))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                log.exception("case scheduler round failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
