"""The shared background round: a failing round is logged and the next one still runs."""

from __future__ import annotations

import logging
import threading

from govbridge.core.periodic import Periodic


def test_a_failed_round_is_logged_and_the_next_runs(caplog):
    calls: list[int] = []
    twice = threading.Event()

    def round_() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        twice.set()

    log = logging.getLogger("govbridge.test.periodic")
    with caplog.at_level(logging.ERROR, logger=log.name):
        job = Periodic("test", 0.01, round_, log).start()
        try:
            assert twice.wait(10)
        finally:
            job.stop()
    assert "test round failed" in caplog.text and "database away" in caplog.text
    assert not job._thread.is_alive()


def test_interval_zero_starts_no_thread():
    job = Periodic("idle", 0, lambda: None, logging.getLogger("x")).start()
    assert not job._thread.is_alive()
    job.stop()
