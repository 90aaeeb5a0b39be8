"""The pure parts: job rules and output controls, Shamir sharing, the pair channel."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govbridge.privacy import channel, rules, sharing
from govbridge.privacy.rules import Party

A = "113205000000000015"
B = "113205000000000023"
C = "113205000000000031"
PUBLISHED = {"R1": ["id_number", "amount"], "R2": ["id_number", "area"], "R3": ["amount"]}


def _problems(computation, parties, receiver=A, params=None):
    return {(p.field, p.code) for p in rules.spec_problems(computation, parties, receiver,
                                                            params or {}, PUBLISHED)}


def test_a_set_intersection_has_two_parties_and_the_receiver_is_one_of_them():
    ok = [Party(A, "R1", key_field="id_number"), Party(B, "R2", key_field="id_number")]
    assert _problems("psi.count", ok) == set()
    assert ("receiver", "not_party") in _problems("psi.count", ok, receiver=C)
    assert ("parties", "count") in _problems("psi.count", ok[:1])
    assert ("parties[1].value_field", "required") in _problems("psi.sum", ok)
    assert ("parties[1].fields", "unknown_field") in _problems(
        "psi.count", [ok[0], Party(B, "R2", key_field="nope")])


def test_an_aggregate_needs_three_parties_and_noise_on_a_sum_needs_bounds():
    three = [Party(A, "R1", value_field="amount"), Party(B, "R2", value_field="area"),
             Party(C, "R3", value_field="amount")]
    assert _problems("aggregate.sum", three, receiver="elsewhere") == set()
    assert ("parties", "count") in _problems("aggregate.sum", three[:2])
    assert ("params.clip", "required") in _problems("aggregate.sum", three,
                                                    params={"epsilon": 1})
    assert ("params.epsilon", "range") in _problems("aggregate.count", three,
                                                    params={"epsilon": 0})
    assert ("params.edges", "edges") in _problems("aggregate.histogram", three,
                                                  params={"edges": [3, 1]})
    assert ("computation", "unknown") in _problems("psi.everything", three)
    bad = {"clip": "x", "lr": "fast", "holdout": 0.9, "seed": True, "colour": 1, "rounds": 0,
           "decimals": 9, "epsilon": "1"}
    found = _problems("federated.logistic", [Party(c, "R1", features=("amount",),
                                                   label="id_number") for c in (A, B, C)],
                      params=bad)
    assert {f for f, _ in found} == {"params.clip", "params.lr", "params.holdout",
                                     "params.seed", "params.colour", "params.rounds",
                                     "params.decimals", "params.epsilon"}


def test_a_federated_model_has_the_same_features_everywhere():
    same = [Party(c, "R1", features=("amount",), label="id_number") for c in (A, B, C)]
    assert _problems("federated.logistic", same) == set()
    other = [*same[:2], Party(C, "R1", features=("id_number",), label="amount")]
    assert ("parties", "features_differ") in _problems("federated.logistic", other)


def test_every_party_approves_and_one_refusal_ends_it():
    parties = [A, B, C]
    assert rules.state_after(parties, {A: "approve"}) == rules.PROPOSED
    assert rules.state_after(parties, {A: "approve", B: "approve", C: "approve"}) == \
        rules.APPROVED
    assert rules.state_after(parties, {A: "approve", B: "refuse"}) == rules.REFUSED
    assert rules.may_decide(rules.PROPOSED, A, parties, {})
    assert not rules.may_decide(rules.PROPOSED, A, parties, {A: "approve"})
    assert not rules.may_decide(rules.APPROVED, C, parties, {A: "approve"})
    assert not rules.may_decide(rules.PROPOSED, "someone", parties, {})
    assert rules.may_run(rules.APPROVED) and not rules.may_run(rules.COMPLETED)


def test_output_controls():
    assert rules.small(9, 10) and not rules.small(10, 10) and rules.small(None, 1)
    assert rules.suppress_bins([12, 3, 10, 0], 10) == [12, None, 10, None]
    assert rules.budget_left(19, 20) == 1 and rules.budget_left(25, 20) == 0
    assert rules.sum_sensitivity([-5, 3]) == 5
    assert rules.clip_value(12, [0, 10]) == 10


def test_laplace_noise_has_the_scale_it_claims():
    rnd = random.Random(5)
    draws = [rules.laplace(2.0, rnd.random()) for _ in range(20000)]
    assert abs(statistics.mean(draws)) < 0.1
    # mean absolute deviation of Laplace(0, b) is b
    assert abs(statistics.mean(abs(d) for d in draws) - 2.0) < 0.1


@given(st.lists(st.integers(min_value=-10**20, max_value=10**20), min_size=1, max_size=5),
       st.integers(min_value=3, max_value=7), st.data())
def test_any_n_minus_one_shares_give_the_vector_back(vector, n, data):
    shares = sharing.split([sharing.encode(v) for v in vector], n, n - 1)
    drop = data.draw(st.integers(min_value=0, max_value=n - 1))
    points = {i + 1: s for i, s in enumerate(shares) if i != drop}
    assert [sharing.decode(v) for v in sharing.reconstruct(points, n - 1)] == vector


def test_fewer_shares_than_the_threshold_do_not_reconstruct():
    shares = sharing.split([42], 4, 3)
    with pytest.raises(ValueError):
        sharing.reconstruct({1: shares[0], 2: shares[1]}, 3)
    # and two shares fit every secret equally: the wrong reading is not 42
    assert sharing.reconstruct({1: shares[0], 2: shares[1]}, 2) != [42]


def test_fixed_point():
    assert sharing.to_fixed("1234.565", 2) == 123456  # banker's rounding of the half
    assert sharing.to_fixed(-0.5, 0) == 0
    assert sharing.from_fixed(sharing.decode(sharing.encode(-1050)), 2) == -10.5


def test_the_pair_channel_is_the_same_secret_on_both_sides_and_opaque_to_others():
    a, b, c = channel.KeyPair(), channel.KeyPair(), channel.KeyPair()
    ab = a.shared(b.public, "J1", "A", "B")
    assert ab == b.shared(a.public, "J1", "B", "A")
    assert ab != a.shared(c.public, "J1", "A", "C")
    assert ab != a.shared(b.public, "J2", "A", "B")
    sealed = channel.seal(ab, [1, 2, 3])
    assert channel.open_sealed(ab, sealed) == [1, 2, 3]
    with pytest.raises(Exception):
        channel.open_sealed(a.shared(c.public, "J1", "A", "C"), sealed)
    assert channel.token(ab, "X") == channel.token(ab, "X") != channel.token(ab, "Y")
    assert 0 <= channel.mask(ab, "X") < sharing.P


def test_an_intersection_a_few_subjects_from_an_earlier_one_is_too_small_a_difference():
    base = [f"p{i}" for i in range(30)]
    assert rules.differences_too_small([*base, "p30"], [base], 10)
    assert rules.differences_too_small(base[1:], [base], 10)
    assert not rules.differences_too_small(base, [base], 10)  # nothing new
    assert not rules.differences_too_small([*base, *(f"q{i}" for i in range(10))], [base], 10)
    assert not rules.differences_too_small(base, [], 10)
