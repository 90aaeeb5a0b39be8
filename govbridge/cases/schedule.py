"""The case scheduler in the server: `tick` every `GOVBRIDGE_CASE_TICK_SECONDS` (0: never;
`govbridge case tick` runs one round by hand) — BPMN timers, 80 % reminders, escalations."""

from __future__ import annotations

import logging

from govbridge.cases.usecases import tick
from govbridge.core.periodic import Periodic
from govbridge.runtime import Runtime

log = logging.getLogger("govbridge.cases.schedule")


class CaseScheduler(Periodic):
    """One `tick` per interval until stopped."""

    def __init__(self, rt: Runtime, interval: float) -> None:
        self.rt = rt
        super().__init__("case scheduler", interval, self.run_once, log)

    def run_once(self) -> None:
        with self.rt.context() as ctx:
            report = tick(ctx)
        if report.timers_fired or report.reminded or report.escalated or report.completed:
            log.info("cases: %d timers fired, %d reminded, %d escalated, %d completed",
                     report.timers_fired, len(report.reminded), len(report.escalated),
                     len(report.completed))
