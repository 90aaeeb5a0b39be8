"""An append's companion statement (`log.CompanionStatement`, the exchange's usage count):
run exactly once with the append, whether the remembered state is current or stale, and
rolled back with it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from govbridge.ledger import log

COUNT = text("SELECT count(*) FROM ledger_entries")


def _state_known_by_this_process(rt) -> None:
    with rt.context() as ctx:
        log.append(ctx, "e", {"i": "first"})


@pytest.mark.parametrize("remembered", ["current", "stale", "none"])
def test_companion_runs_once_before_the_append(rt, remembered):
    _state_known_by_this_process(rt)
    with rt.context() as ctx:
        engine = ctx.db.get_bind()
    if remembered == "stale":
        with rt.context() as ctx:
            log.append(ctx, "e", {"i": "other"})
        size, edge = log._LAST_STATE[engine]
        log._LAST_STATE[engine] = (size, bytes(len(edge)))  # as if another process wrote
    elif remembered == "none":
        del log._LAST_STATE[engine]
    with rt.context() as ctx:
        before = ctx.db.scalar(COUNT)
        counted = log.CompanionStatement(COUNT, {})
        receipt = log.append(ctx, "e", {"i": "with"}, companion=counted)
        assert [tuple(r) for r in counted.rows] == [(before,)]  # it ran before the insert
        assert receipt.leaf_index == before


def test_companion_rolls_back_with_the_append(rt):
    _state_known_by_this_process(rt)
    bump = text("UPDATE ledger_state SET updated_at = updated_at WHERE id = 1 RETURNING size")
    with pytest.raises(RuntimeError), rt.context() as ctx:
        counted = log.CompanionStatement(bump, {})
        log.append(ctx, "e", {"i": "refused"}, companion=counted)
        assert len(counted.rows) == 1
        raise RuntimeError("refused after counting")
    with rt.context() as ctx:
        assert ctx.db.scalar(COUNT) == 1
        assert log.append(ctx, "e", {"i": "next"}).leaf_index == 1
