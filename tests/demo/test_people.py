"""Demo persons and companies: deterministic, valid, unique by construction, realistic."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from itertools import islice, pairwise

import pytest
from stdnum.cn import ric, uscc

from govbridge.core.identifiers import (
    current_counties,
    validate_citizen_id,
    validate_credit_code,
    validate_mobile,
)
from govbridge.demo import people
from govbridge.demo.people import (
    COUNTY_BY_CODE,
    MAX_AGE,
    PERSON_CAPACITY,
    REFERENCE_DATE,
    age_on,
    company_at,
    iter_companies,
    iter_persons,
    person_at,
)

SEED = 20261123
SAMPLE = 20_000
ADDRESS = re.compile(r"江苏省苏州市(?P<place>\S+?[区市])(?P<road>\S+?)\d+号\d+幢\d+室")
HAN = re.compile(r"[\u4e00-\u9fff]{2,4}")


@pytest.fixture(scope="module")
def persons() -> list[people.PersonRecord]:
    return list(iter_persons(SEED, SAMPLE))


@pytest.fixture(scope="module")
def companies() -> list[people.CompanyRecord]:
    return list(iter_companies(SEED, 5_000, person_pool=POOL))


POOL = 3_000


# --- persons -------------------------------------------------------------------------------------


def test_same_seed_same_persons_other_seed_other_persons(persons):
    assert [person_at(SEED, i) for i in range(0, SAMPLE, 997)] == persons[::997]
    again = list(iter_persons(SEED, 200))
    assert again == persons[:200]
    other = list(iter_persons(SEED + 1, 200))
    assert sum(a.id_number == b.id_number for a, b in zip(again, other)) <= 2
    assert sum(a.name == b.name for a, b in zip(again, other)) < 50


def test_iter_persons_streams():
    stream = iter_persons(SEED, PERSON_CAPACITY)  # lazily: nothing is built up front
    assert isinstance(stream, Iterator)
    assert next(stream) == person_at(SEED, 0)
    assert list(iter_persons(SEED, 0)) == []


def test_index_bounds():
    with pytest.raises(ValueError):
        person_at(SEED, -1)
    with pytest.raises(ValueError):
        person_at(SEED, PERSON_CAPACITY)
    assert person_at(SEED, PERSON_CAPACITY - 1).id_number
    with pytest.raises(ValueError):
        list(iter_persons(SEED, PERSON_CAPACITY + 1))


def test_every_id_is_valid_and_agrees_with_the_record(persons):
    counties = set(current_counties("3205"))
    for p in persons:
        assert ric.validate(p.id_number) == p.id_number
        assert ric.get_birth_date(p.id_number) == p.birth_date
        assert p.sex == ("1" if int(p.id_number[16]) % 2 else "2")
        assert 0 <= age_on(p.birth_date) <= MAX_AGE
        assert p.birth_date < REFERENCE_DATE
        assert p.division_code in counties
        county = COUNTY_BY_CODE[p.division_code]
        # The ID carries the county's code if it existed at birth, else an older one.
        if county.first_year is None or county.first_year <= p.birth_date.year:
            assert p.id_number[:6] == p.division_code
        else:
            assert p.id_number[:6] in {c for g in county.lineage for c in g}
    for p in persons[:2000]:  # the project's own validators agree
        validate_citizen_id(p.id_number, today=REFERENCE_DATE)
        validate_mobile(p.mobile)


def test_fields_are_realistic_and_fit_their_columns(persons):
    for p in persons:
        assert HAN.fullmatch(p.name), p.name
        assert len(p.name) <= 40 and len(p.address) <= 200
        assert len(p.id_number) == 18 and len(p.division_code) == 6
        match = ADDRESS.fullmatch(p.address)
        assert match, p.address
        county = COUNTY_BY_CODE[p.division_code]
        assert match["place"] == county.name
        assert match["road"] in county.roads
        assert re.fullmatch(r"1[3-9]\d{9}", p.mobile)


def test_distributions_look_like_a_city(persons):
    n = len(persons)
    ages = [age_on(p.birth_date) for p in persons]
    children = sum(a < 18 for a in ages) / n
    working = sum(18 <= a < 65 for a in ages) / n
    elderly = sum(a >= 65 for a in ages) / n
    assert 0.12 < children < 0.25
    assert 0.60 < working < 0.75
    assert 0.08 < elderly < 0.20
    assert max(ages) >= 90 and min(ages) == 0
    males = sum(p.sex == "1" for p in persons) / n
    assert 0.47 < males < 0.53
    by_county = Counter(p.division_code for p in persons)
    assert set(by_county) == set(current_counties("3205"))
    assert by_county.most_common(1)[0][0] == "320583"  # 昆山市 is the largest
    surnames = [s for s, _ in Counter(p.name[0] for p in persons).most_common(5)]
    assert {"王", "李", "张"} <= set(surnames)
    assert len({p.name for p in persons}) > 0.8 * n
    assert len({p.mobile for p in persons}) > 0.99 * n


def test_person_zero_is_an_adult_for_any_seed():
    for seed in (0, 1, 2, 42, SEED, -7):
        assert 35 <= age_on(person_at(seed, 0).birth_date) <= 60


def test_ids_are_unique_over_200k_persons():
    # Not a property of this sample: the index -> slot -> ID bijection (see people.py).
    n = 200_000
    ids = {p.id_number for p in iter_persons(SEED + 3, n)}
    assert len(ids) == n


def test_slot_layout_never_hands_out_an_order_code_twice():
    # The structural half of the uniqueness argument: within a (birth year, region)
    # the order-code ranges of the blocks are disjoint and inside 001..995, and the
    # blocks tile [0, PERSON_CAPACITY) without gaps.
    seen: dict[tuple[int, str], list[tuple[int, int]]] = {}
    starts = [*people._PERSON_SLOTS, PERSON_CAPACITY]
    for b in range(len(people._PERSON_SLOTS)):
        year = date.fromordinal(people._SLOT_ORD0[b]).year
        days = date(year + 1, 1, 1).toordinal() - people._SLOT_ORD0[b]
        k, offset = people._SLOT_K[b], people._SLOT_OFFSET[b]
        assert starts[b + 1] - starts[b] == days * k
        assert offset >= 0 and offset + k <= 995
        seen.setdefault((year, people._SLOT_REGION[b]), []).append((offset, offset + k))
    for ranges in seen.values():
        ranges.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(ranges))
    assert sorted(people._ORDER_CODES) == list(range(1, 996))


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000, 4097, 65_536])
def test_the_permutation_is_a_bijection(n):
    perm = people._Permutation(n, b"test")
    assert sorted(perm(i) for i in range(n)) == list(range(n))


def test_first_and_last_slots_decode_to_valid_ids():
    for slot in (0, 1, PERSON_CAPACITY // 2, PERSON_CAPACITY - 1):
        _, region, ordinal, order = people._decode_slot(slot)
        born = date.fromordinal(ordinal)
        first17 = f"{region}{born:%Y%m%d}{order:03d}"
        assert ric.is_valid(first17 + ric.calc_check_digit(first17 + "0"))


# --- companies -----------------------------------------------------------------------------------


def test_same_seed_same_companies_other_seed_other_companies(companies):
    assert [company_at(SEED, i, person_pool=POOL) for i in range(0, 5000, 499)] == companies[::499]
    other = list(iter_companies(SEED + 1, 100, person_pool=POOL))
    assert sum(a.credit_code == b.credit_code for a, b in zip(companies, other)) == 0


def test_credit_codes_are_valid_unique_and_consistent(companies):
    codes = [c.credit_code for c in companies]
    assert len(set(codes)) == len(codes)
    allowed = set(current_counties("3205")) | {"320500"}
    for c in companies:
        assert uscc.validate(c.credit_code) == c.credit_code
        assert validate_credit_code(c.credit_code) == c.credit_code
        assert c.credit_code[2:8] == c.division_code in allowed
        kind = c.credit_code[:2]
        assert kind in {"91", "92", "93"}
        if kind == "92":
            assert c.enterprise_type == "个体工商户"
        elif kind == "93":
            assert c.enterprise_type == "农民专业合作社"
            assert c.name.endswith("专业合作社")
        else:
            assert c.enterprise_type not in {"个体工商户", "农民专业合作社"}
        # Codes issued since October 2015 are "MA…"; all individual businesses have one.
        assert (c.credit_code[8:10] == "MA") == (c.established >= date(2015, 10, 1) or kind == "92")
        assert date(1994, 7, 1) <= c.established < REFERENCE_DATE
        assert c.registered_capital_wan > 0
        assert len(c.name) <= 120 and len(c.enterprise_type) <= 40 and len(c.address) <= 200
        assert c.address.startswith("江苏省苏州市")
    kinds = Counter(c.credit_code[:2] for c in companies)
    assert kinds["92"] > kinds["91"] > kinds["93"] > 0


def test_legal_representatives_are_adults_among_the_pool(companies):
    pool = {p.id_number: p for p in iter_persons(SEED, POOL)}
    for c in companies:
        rep = pool[c.legal_representative_id]
        assert rep.name == c.legal_representative_name
        assert age_on(rep.birth_date) >= 18
        assert age_on(rep.birth_date, c.established) >= 18  # already adult when founded
    assert len({c.legal_representative_id for c in companies}) > 1000


def test_tiny_pool_falls_back_to_person_zero():
    for i in range(50):
        c = company_at(SEED, i, person_pool=1)
        assert c.legal_representative_id == person_at(SEED, 0).id_number


def test_credit_code_does_not_depend_on_the_pool():
    for i in range(200):
        codes = {company_at(SEED, i, person_pool=p).credit_code for p in (1, 50, POOL, 10**6)}
        assert len(codes) == 1


def test_organisation_codes_are_unique_over_100k_indices_of_each_style():
    for new_style in (False, True):
        codes = {people._company_org_code(SEED, i, new_style) for i in range(100_000)}
        assert len(codes) == 100_000


def test_company_bounds():
    with pytest.raises(ValueError):
        company_at(SEED, -1)
    with pytest.raises(ValueError):
        company_at(SEED, 0, person_pool=0)
    assert list(islice(iter_companies(SEED, 10**6), 1)) == [company_at(SEED, 0)]
