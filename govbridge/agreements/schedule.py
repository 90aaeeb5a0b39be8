"""The agreements' scheduler in the server: every `GOVBRIDGE_CASE_TICK_SECONDS` (the same
interval as the case time limits; 0: never; `govbridge agreement remind` runs one round by
hand) the providers of requests unanswered after their deadline are told, once, urgently."""

from __future__ import annotations

import logging

from govbridge.agreements.usecases import remind_overdue
from govbridge.core.periodic import Periodic
from govbridge.runtime import Runtime

log = logging.getLogger("govbridge.agreements.schedule")


class AgreementScheduler(Periodic):
    """One `remind_overdue` round per interval until stopped."""

    def __init__(self, rt: Runtime, interval: float) -> None:
        self.rt = rt
        super().__init__("agreement scheduler", interval, self.run_once, log)

    def run_once(self) -> None:
        with self.rt.context() as ctx:
            told = remind_overdue(ctx)
        if told:
            log.info("agreements: %d overdue requests reminded", len(told))
