"""Scheduled checkpoints and the embedded witnesses."""

from __future__ import annotations

import time

from govbridge.identity.actor import Actor
from govbridge.ledger import checkpoints, log
from govbridge.ledger.schedule import CheckpointScheduler, run_once


def test_a_round_signs_and_every_department_witnesses(rt, make_org):
    for name in ("苏州市公安局", "苏州市民政局", "苏州市税务局"):
        make_org(name=name)
    assert run_once(rt).tree_size == 0  # nothing to witness yet
    with rt.context() as ctx:
        log.append(ctx, "e", {"i": 1})
    first = run_once(rt)
    assert (first.tree_size, first.cosigned, first.refused) == (1, 3, [])
    assert run_once(rt).cosigned == 0  # same head: nothing new to sign
    with rt.context() as ctx:
        assert checkpoints.latest_checkpoint(ctx, Actor.operator("t")).witnesses == 3
    assert len(list((rt.settings.home / "witness").glob("*.json"))) == 3


def test_the_scheduler_thread_runs_and_stops(rt, make_org):
    make_org(name="苏州市公安局")
    with rt.context() as ctx:
        log.append(ctx, "e", {"i": 1})
    schedule = CheckpointScheduler(rt, 0.05).start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with rt.context() as ctx:
                try:
                    if checkpoints.latest_checkpoint(ctx, Actor.operator("t")).witnesses:
                        break
                except Exception:  # noqa: BLE001 - not there yet
                    pass
            time.sleep(0.05)
        else:
            raise AssertionError("no witnessed checkpoint within 10 s")
    finally:
        schedule.stop()
