"""An attacker's probes of privacy jobs: each test is a way a party, the hub's disk or the
receiver could learn another party's raw input or a small group the output controls are
meant to hide, written before its fix."""

from __future__ import annotations

import stat
from decimal import Decimal

import pytest

from govbridge.privacy.usecases import transcript_path
from tests.privacy.test_jobs import _aggregate, _psi, _run


def test_the_transcript_on_the_hubs_disk_is_readable_by_the_hub_alone(rt, city, settings):
    """A psi.sum transcript holds every one of the other side's subjects as a token and its
    value masked under the pair key the receiver holds: with the file, the receiver unmasks
    the value of anyone it can name, not only the intersection. Nobody but the hub's own
    account may read it (nor list the folder of transcripts)."""
    run = _run(rt, city, _psi(city, "psi.sum"))
    path = transcript_path(settings.home, run.job.code)
    assert "masked" in path.read_text("utf-8")
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, oct(path.stat().st_mode)
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0, oct(path.parent.stat().st_mode)


def _values(city) -> list[Decimal]:
    rows = city["mca"].rows + city["nrp"].rows + city["hrss"].rows
    return [Decimal(r.get("amount") or r.get("area")) for r in rows]


def test_a_suppressed_histogram_bin_cannot_be_recovered_from_the_released_count(rt, city):
    """Edges chosen so the top bin holds 3 values: the bin is suppressed, but a total count
    released beside the other bins gives it back (count - sum of the others = 3)."""
    values = sorted(_values(city))
    edge = float(values[-3])  # the top bin [edge, top] holds the three largest values
    top = float(values[-1]) + 1
    assert values[-4] < values[-3]
    run = _run(rt, city, _aggregate(city, "aggregate.histogram", edges=[0, edge, top]))
    result = run.job.result
    assert result is not None and result["counts"] == [len(values) - 3, None]
    shown = sum(c for c in result["counts"] if c is not None)
    assert result["count"] == shown, "the suppressed bin is the count less the shown bins"
    # the two largest as values beyond the last edge (which is inclusive), in no bin
    run = _run(rt, city, _aggregate(city, "aggregate.histogram", edges=[0, edge]))
    result = run.job.result
    assert result is not None and result["counts"] == [len(values) - 2]
    assert result["count"] == len(values) - 2, "the count less the bins is the values outside"


def test_a_receiver_that_is_a_party_cannot_subtract_its_own_rows_to_see_a_small_group(
        rt, city, settings):
    """mca (60 rows) receives the sum over mca, edu (20) and hrss (80): 160 values clear a
    floor of 150, but mca knows its own 60 and so learns the sum over the other 100, a group
    below the floor (with a floor of 10 the same holds for a party of 1 beside empty ones).
    Each party holds its own contribution to the floor; a short one suppresses the job."""
    settings.privacy_min_group = 150
    data = _aggregate(city, "aggregate.sum")
    data["parties"][1] = {"org_code": city["edu"].code,
                          "resource_code": city["edu"].resource_code, "value_field": "amount"}
    run = _run(rt, city, data)
    assert run.job.result is None
    assert run.job.state == "suppressed", run.job.outcome_reason
    assert "minimum group" in (run.job.outcome_reason or "")


def test_parties_above_the_floor_still_release_the_exact_sum(rt, city, settings):
    """The per-party floor refuses nothing it should not: each of mca (60), nrp (100) and
    hrss (80) clears a floor of 60."""
    settings.privacy_min_group = 60
    run = _run(rt, city, _aggregate(city, "aggregate.sum"))
    assert run.job.state == "completed", run.job.outcome_reason
    assert run.job.result == {"sum": float(sum(_values(city))), "count": 240}


def test_two_set_sums_whose_intersections_differ_by_one_person_do_not_both_release(
        rt, city):
    """mca runs psi.sum against nrp's areas over its 30 shared persons, adds one person
    (60, an nrp owner) to its own dataset and runs it again: the second sum less the first
    is that person's area. Each job clears the floor and the budget; their difference is a
    group of 1. The second is suppressed."""
    from govbridge.ingest.pipeline import ingest_rows
    from tests.ingest_helpers import person_id

    first = _run(rt, city, _psi(city, "psi.sum"))
    assert first.job.state == "completed" and first.job.result["count"] == 30
    target = person_id(60)
    assert target in {r["id_number"] for r in city["nrp"].rows}
    with rt.context() as ctx:
        row = {**city["mca"].rows[0], "id_number": target}
        assert ingest_rows(ctx, city["mca"].officer, city["mca"].resource_code, [row],
                           source="rest").accepted == 1
    second = _run(rt, city, _psi(city, "psi.sum"))
    assert second.job.result is None, "second sum less the first = one person's area"
    assert second.job.state == "suppressed"
    assert "earlier" in (second.job.outcome_reason or "")
    # and again: still one person from the first
    third = _run(rt, city, _psi(city, "psi.sum"))
    assert third.job.state == "suppressed" and third.job.result is None


def test_a_set_intersection_joins_on_the_subject_key_not_on_a_value_column(rt, city):
    """psi.intersection with mca's key set to its amounts and nrp's to its areas: mca would
    learn which of its amounts are one of nrp's areas, i.e. nrp's raw values (a dataset of
    every amount a cent apart gives them all). The key is the dataset's subject field."""
    from govbridge.core.errors import InvalidInput
    from govbridge.privacy import usecases

    data = _psi(city, "psi.intersection")
    data["parties"][0]["key_field"] = "amount"
    data["parties"][1]["key_field"] = "area"
    with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
        usecases.create_job(ctx, city["mca"].officer, data)
    fields = {p.field for p in exc.value.problems}
    assert fields == {"parties[0].key_field", "parties[1].key_field"}, exc.value.problems
    assert "id_number" in str(exc.value.problems)


@pytest.mark.parametrize("computation", ["aggregate.sum", "aggregate.mean", "psi.sum"])
def test_clip_bounds_without_noise_cannot_count_a_small_cell(rt, city, computation):
    """A sum clipped to [t, t + 0.01] is n·t plus 0.01 for each value above t + 0.01: a
    count of the values above t, with no floor on it (one person above an income of t).
    Clip bounds only bound the noise's sensitivity: without epsilon they are refused."""
    from govbridge.core.errors import InvalidInput
    from govbridge.privacy import usecases

    values = sorted(_values(city))
    t = float(values[-2])
    data = (_psi(city, computation) if computation == "psi.sum"
            else _aggregate(city, computation))
    data["params"] = {"clip": [t, t + 0.01]}
    with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
        usecases.create_job(ctx, city["mca"].officer, data)
    assert {p.field for p in exc.value.problems} == {"params.clip"}
    data["params"] = {"clip": [t, t + 0.01], "epsilon": 1}
    with rt.context() as ctx:
        assert usecases.create_job(ctx, city["mca"].officer, data).state == "proposed"


def test_two_runs_at_the_same_moment_start_one_computation(rt, city):
    """Two run requests in overlapping transactions: both read the job approved and both
    started the parties (the job computed twice; on SQLite the second died on a stale
    snapshot). The second waits for the first's lock and finds the job running."""
    import threading
    import time

    from govbridge.core.errors import Conflict
    from govbridge.privacy import usecases
    from tests.privacy.test_jobs import _approved

    code = _approved(rt, city, _psi(city, "psi.count"))
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with rt.context() as ctx:
                usecases.start_run(ctx, city["mca"].officer, code)
        except BaseException as exc:  # noqa: BLE001 - checked below
            errors.append(exc)

    with rt.context() as ctx:
        usecases.start_run(ctx, city["mca"].officer, code)
        worker = threading.Thread(target=second)
        worker.start()
        time.sleep(0.3)  # the second run is now waiting
    worker.join(timeout=20)
    assert [type(e) for e in errors] == [Conflict], errors



def test_a_receiver_that_is_a_party_cannot_read_a_small_count_of_the_others_in_a_bin(
        rt, city):
    """A bin of at least 10 values is released, but mca, a party and the receiver, knows
    its own count in it: the rest is the others' count there, 1 to 9 persons. A bin where
    any party holds 1 to min_group - 1 values of its own is suppressed."""
    owned = sorted([(Decimal(r["amount"]), "mca") for r in city["mca"].rows]
                   + [(Decimal(r["area"]), "nrp") for r in city["nrp"].rows]
                   + [(Decimal(r["amount"]), "hrss") for r in city["hrss"].rows])
    window = next((i, size) for size in range(10, 40) for i in range(1, len(owned) - size - 1)
                  if 1 <= sum(1 for _, o in owned[i:i + size] if o != "mca") <= 9
                  and owned[i - 1][0] < owned[i][0] and owned[i + size - 1][0] < owned[i + size][0])
    i, size = window
    lo, hi = float(owned[i][0]), float(owned[i + size][0])
    edges = [0, lo, hi, float(owned[-1][0]) + 1]
    run = _run(rt, city, _aggregate(city, "aggregate.histogram", edges=edges))
    result = run.job.result
    assert result is not None, run.job.outcome_reason
    assert result["counts"][1] is None, f"{size} values, mca holds {result['counts'][1]}"
