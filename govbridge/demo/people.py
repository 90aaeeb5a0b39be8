"""Residents and companies of the demo city, generated deterministically and one at a time.

Record `i` of a seed is computed on its own (`person_at`, `company_at`), so any
slice of the city can be produced without the rest and without memory that
grows with the count. Nothing here reads a clock, a file or a database: the
same seed gives the same city on every machine. Ages are counted on
`REFERENCE_DATE`, not on today, for the same reason.

Uniqueness of citizen IDs and credit codes is structural (a bijection from the
index, explained at `_PERSON_SLOTS` and `_company_org_code`), never a set of
issued numbers.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import Generic, TypeVar

from faker.providers.person.zh_CN import Provider as _FakerNames
from stdnum import numdb
from stdnum.cn import ric, uscc

from govbridge.core.identifiers import organization_code
from govbridge.demo.departments import CITY_DIVISION, CREDIT_ALPHABET

REFERENCE_DATE = date(2026, 1, 1)
"""The day on which ages are counted: everyone is 0..MAX_AGE years old on it."""
MAX_AGE = 95
ADULT_AGE = 18
DEFAULT_PERSON_POOL = 10_000
"""Companies pick legal representatives among persons 0..person_pool-1."""

_ORD_REFERENCE = REFERENCE_DATE.toordinal()
_M64 = (1 << 64) - 1
_BITS40 = (1 << 40) - 1
_BITS48 = (1 << 48) - 1
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One row of `registry.models.Person`."""

    id_number: str
    name: str
    sex: str  # GB/T 2261.1: "1" male, "2" female
    birth_date: date
    division_code: str
    address: str
    mobile: str


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    """One row of `registry.models.Company`."""

    credit_code: str
    name: str
    enterprise_type: str
    legal_representative_id: str
    legal_representative_name: str
    registered_capital_wan: int
    established: date
    division_code: str
    address: str


def age_on(birth: date, on: date = REFERENCE_DATE) -> int:
    """Age in whole years on a day (default: the demo city's `REFERENCE_DATE`)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --- small deterministic tools -------------------------------------------------------------------


class _Permutation:
    """A keyed pseudo-random permutation of range(n): a 4-round Feistel network.

    A Feistel network is a bijection of [0, 2**bits) whatever its round function;
    values that land outside [0, n) are fed through again ("cycle walking"), which
    keeps it a bijection of [0, n). 2**bits < 4n, so that takes < 2 passes on average.
    """

    __slots__ = ("_half", "_keys", "_mask", "n")

    def __init__(self, n: int, key: bytes) -> None:
        bits = max(2, (n - 1).bit_length())
        bits += bits & 1
        self.n = n
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        digest = hashlib.blake2b(key, digest_size=32, person=b"govbridge-perm").digest()
        self._keys = tuple(int.from_bytes(digest[i : i + 8], "little") for i in range(0, 32, 8))

    def __call__(self, x: int) -> int:
        half, mask, keys, n = self._half, self._mask, self._keys, self.n
        while True:
            left, right = x >> half, x & mask
            for k in keys:
                v = ((right ^ k) * 0x9E3779B97F4A7C15) & _M64
                v = ((v ^ (v >> 29)) * 0xBF58476D1CE4E5B9) & _M64
                left, right = right, left ^ ((v >> 32) & mask)
            x = (left << half) | right
            if x < n:
                return x


def _cumulative(weights: Sequence[float], bits: int) -> list[int]:
    """Cumulative integer thresholds so that `bisect_right(table, r)` for a uniform
    r in [0, 2**bits) picks item i with probability weights[i] / sum(weights)."""
    total = float(sum(weights))
    scale = (1 << bits) / total
    table = [round(c * scale) for c in accumulate(weights)]
    table[-1] = 1 << bits
    return table[:-1]


class _Weighted(Generic[T]):
    """Items chosen by weight from `bits` random bits."""

    __slots__ = ("bits", "items", "mask", "table")

    def __init__(self, pairs: Sequence[tuple[T, float]], bits: int = 16) -> None:
        self.items = tuple(item for item, _ in pairs)
        self.table = _cumulative([w for _, w in pairs], bits)
        self.bits = bits
        self.mask = (1 << bits) - 1

    def pick(self, r: int) -> T:
        return self.items[bisect_right(self.table, r & self.mask)]


def _digest(tag: bytes, seed: int, index: int, size: int = 32) -> int:
    return int.from_bytes(
        hashlib.blake2b(b"%d:%d" % (seed, index), digest_size=size, person=tag).digest(),
        "little",
    )


# --- the counties of Suzhou, from python-stdnum's GB/T 2260 table --------------------------------

_LOC = numdb.get("cn/loc")


def _spans(code: str) -> tuple[tuple[int | None, int | None, str], ...]:
    """(first year, last year, name) of each name a division code carried; () if unknown."""
    props: dict[str, str] = {}
    for _, found in _LOC.info(code):
        props.update(found)
    text = props.get("county")
    if not text:
        return ()
    spans = []
    for part in text.split(","):
        if part.startswith("["):
            years, name = part[1:].split("]")
            start, end = years.split("-")
            spans.append((int(start) if start else None, int(end) if end else None, name))
        else:
            spans.append((None, None, part))
    return tuple(spans)


def valid_in(code: str, year: int) -> bool:
    """Whether stdnum's table has the division code in use in `year` (what
    `stdnum.cn.ric.validate` asks of the birth year)."""
    return any(
        (start is None or start <= year) and (end is None or year <= end)
        for start, end, _ in _spans(code)
    )


def _current_counties(prefix: str) -> dict[str, tuple[str, int | None]]:
    """County-level codes under a 4-digit prefix still in use: code -> (name, first year)."""
    found = {}
    for n in range(1, 100):
        code = f"{prefix}{n:02d}"
        spans = _spans(code)
        if spans and spans[-1][1] is None and spans[-1][2] != "市辖区":
            found[code] = (spans[-1][2], spans[-1][0])
    return found


@dataclass(frozen=True, slots=True)
class County:
    code: str
    name: str
    first_year: int | None
    population: float  # 2020 census, 10k persons (the industrial park not split out)
    companies: float  # relative number of market entities
    roads: tuple[str, ...]
    towns: tuple[str, ...]
    company_prefixes: tuple[str, ...]  # how firms registered here start their names
    # Codes the area carried before this one, most recent first; a tuple of several
    # means the area was split between them (姑苏区 joined three districts in 2012).
    lineage: tuple[tuple[str, ...], ...]


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Local knowledge that the division table does not have. Roads are real or plausible.
_LOCAL: dict[str, dict] = {
    "320505": {  # 虎丘区 (苏州高新区)
        "population": 83.2,
        "companies": 110,
        "roads": "狮山路 长江路 竹园路 玉山路 塔园路 金山路 运河路 滨河路 珠江路 何山路 马运路 "
        "鹿山路 科锐路 华山路 兴贤路",
        "towns": "通安 东渚 浒墅关",
        "prefixes": "苏州",
        "lineage": (("320511",), ("320500",)),
    },
    "320506": {  # 吴中区
        "population": 139.0,
        "companies": 200,
        "roads": "东吴北路 宝带西路 吴中大道 吴中东路 越湖路 迎春路 友新路 旺山路 东山大道 "
        "木东路 金枫南路 溪江路 苏蠡路 长蠡路 澄湖路",
        "towns": "东山 金庭 临湖 甪直 木渎 光福",
        "prefixes": "苏州",
        "lineage": (("320586",), ("320524",), ("322727",)),
    },
    "320507": {  # 相城区
        "population": 89.2,
        "companies": 100,
        "roads": "相城大道 阳澄湖中路 采莲路 华元路 澄阳路 太阳路 春申湖路 玉盘路 青龙港路 "
        "富元路 嘉元路 蠡塘河路 齐门北大街 南天成路",
        "towns": "阳澄湖 望亭 黄埭 渭塘 北桥",
        "prefixes": "苏州",
        "lineage": (("320586",), ("320524",), ("322727",)),
    },
    "320508": {  # 姑苏区
        "population": 92.4,
        "companies": 90,
        "roads": "人民路 干将东路 干将西路 十全街 凤凰街 道前街 景德路 临顿路 平江路 西中市 "
        "石路 养育巷 三香路 南环东路 金门路 桐泾北路 广济路 东环路 观前街 学士街",
        "towns": "",
        "prefixes": "苏州",
        "lineage": (("320502", "320503", "320504"), ("320500",)),
    },
    "320509": {  # 吴江区
        "population": 154.5,
        "companies": 170,
        "roads": "中山南路 中山北路 鲈乡南路 鲈乡北路 开平路 江兴西路 仲英大道 笠泽路 "
        "松陵大道 流虹路 云梨路 联杨路 长安路 油车路 舜湖西路 市场路",
        "towns": "同里 震泽 七都 平望 桃源 黎里",
        "prefixes": "苏州 吴江",
        "lineage": (("320584",), ("320525",), ("322728",)),
    },
    "320581": {  # 常熟市
        "population": 167.7,
        "companies": 180,
        "roads": "海虞北路 海虞南路 琴川路 枫林路 黄河路 衡山路 青墩塘路 金沙江路 虞山北路 "
        "湖山路 新世纪大道 书院街 通港路 珠江路",
        "towns": "董浜 古里 沙家浜 梅李 辛庄 尚湖",
        "prefixes": "常熟 常熟市",
        "lineage": (("320520",), ("329003",), ("322724",)),
    },
    "320582": {  # 张家港市
        "population": 143.2,
        "companies": 140,
        "roads": "人民中路 暨阳中路 长安中路 东二环路 沙洲西路 港城大道 国泰北路 梁丰路 "
        "华昌路 金港大道 杨舍西街 南二环路 河东路",
        "towns": "凤凰 南丰 锦丰 乐余 塘桥",
        "prefixes": "张家港 张家港市",
        "lineage": (("320521",), ("329004",), ("322723",)),
    },
    "320583": {  # 昆山市
        "population": 209.3,
        "companies": 260,
        "roads": "前进西路 前进中路 人民南路 马鞍山中路 柏庐南路 黄河中路 萧林路 祖冲之南路 "
        "青阳北路 长江北路 朝阳东路 亭林路 绿地大道 珠江中路 同丰路 白马泾路 东城大道",
        "towns": "巴城 周庄 锦溪 淀山湖 千灯 张浦",
        "prefixes": "昆山 昆山市",
        "lineage": (("320523",), ("322726",)),
    },
    "320585": {  # 太仓市
        "population": 83.1,
        "companies": 90,
        "roads": "上海东路 上海西路 郑和中路 郑和西路 太平北路 太平南路 北京东路 北京西路 "
        "县府东街 常胜北路 人民南路 半泾路 娄江路",
        "towns": "浏河 璜泾 沙溪 双凤 城厢",
        "prefixes": "太仓 太仓市",
        "lineage": (("320522",), ("322725",)),
    },
}

# Firms registered by the city itself (credit codes 91320500…), mostly in the industrial park.
_PARK_NAME = "苏州工业园区"
_PARK_ROADS = _split(
    "星湖街 现代大道 苏州大道东 金鸡湖大道 星海街 苏虹中路 旺墩路 钟园路 若水路 仁爱路 "
    "林泉街 翠园路 通园路 星港街 东方大道"
)


def _build_counties() -> tuple[County, ...]:
    current = _current_counties(CITY_DIVISION[:4])
    if set(current) != set(_LOCAL):  # pragma: no cover - only if stdnum's table changes
        raise RuntimeError(
            f"Suzhou's current counties in stdnum ({sorted(current)}) differ from the demo "
            f"city's local data ({sorted(_LOCAL)})"
        )
    counties = []
    for code, (name, first_year) in sorted(current.items()):
        local = _LOCAL[code]
        counties.append(
            County(
                code=code,
                name=name,
                first_year=first_year,
                population=local["population"],
                companies=local["companies"],
                roads=_split(local["roads"]),
                towns=_split(local["towns"]),
                company_prefixes=_split(local["prefixes"]),
                lineage=local["lineage"],
            )
        )
    return tuple(counties)


COUNTIES: tuple[County, ...] = _build_counties()
COUNTY_BY_CODE: dict[str, County] = {c.code: c for c in COUNTIES}


def id_regions(county: County, year: int) -> tuple[str, ...]:
    """Region codes a person of this county born in `year` carries in their ID.

    The county's own code when it already existed, else the code (or codes) the
    area had that year. stdnum's `ric.validate` wants the region code in use in the
    birth year, and none of Suzhou's current counties existed before 1989, so the
    older residents carry the codes of 吴县, 沧浪区, 常熟县 and so on.
    """
    for group in ((county.code,), *county.lineage):
        if all(valid_in(code, year) for code in group):
            return group
    raise RuntimeError(f"no division code for {county.name} in {year}")  # pragma: no cover


# --- the person slot space: (ID region, birth date, order code) ----------------------------------

# Relative number of residents by age (Suzhou's 2020 census shape: a large working-age
# population swelled by migrants, the 1962-1975 and late-1980s birth peaks, few births lately).
_AGE_SHAPE = (
    (0, 0.70), (4, 0.85), (9, 1.05), (14, 1.00), (19, 0.90), (24, 1.20), (29, 1.45),
    (34, 1.60), (39, 1.45), (44, 1.30), (49, 1.35), (54, 1.40), (59, 1.20), (64, 0.95),
    (69, 0.85), (74, 0.60), (79, 0.40), (84, 0.25), (89, 0.12), (95, 0.03),
)  # fmt: skip


def _age_weight(age: float) -> float:
    for (a0, w0), (a1, w1) in pairwise(_AGE_SHAPE):
        if age <= a1:
            return w0 + (w1 - w0) * (max(age, a0) - a0) / (a1 - a0)
    return _AGE_SHAPE[-1][1]


_ORDER_COUNT = 995  # order codes 001-995; 996-999 are kept for centenarians
# The order codes in the sequence they are handed out: a fixed permutation of 1..995
# (613 is coprime to 995), so each cell's codes spread over the whole range.
_ORDER_CODES = tuple((i * 613) % _ORDER_COUNT + 1 for i in range(_ORDER_COUNT))

# The bijection behind unique citizen IDs
# ----------------------------------------
# A citizen ID is (region code, birth date, order code, check character); the check
# character is a function of the rest, so distinct (region, date, order) triples are
# distinct IDs. The triples we hand out form the "slot space", laid out as blocks:
# one block per (birth year, county, region code) with k order codes per day, k
# proportional to how many people of that age live in that county. A block holds
# days_in_year * k slots; slot r of a block is (day r // k, order ORDER_CODES[offset
# + r % k]). Blocks that share a region code in the same year (吴中区 and 相城区 both
# descend from 吴县) get disjoint order-code ranges [offset, offset + k), so no two
# slots anywhere decode to the same triple: slot -> triple is injective.
# Person i of a seed takes slot P(i), where P is a seed-keyed pseudo-random
# permutation of range(PERSON_CAPACITY) (a Feistel network), optionally composed
# with one transposition (0 <-> j) so that person 0 is an adult. A permutation and a
# transposition are bijections, so index -> slot -> ID is injective: IDs are unique
# for every count up to PERSON_CAPACITY without remembering any of them, and any
# first n persons are a uniform sample of the slot space, hence follow its
# age and county shape.


def _build_slots() -> tuple[list[int], list[int], list[int], list[int], list[str], list[int]]:
    first_year = REFERENCE_DATE.year - MAX_AGE
    raw: list[tuple[int, int, str, float]] = []  # (year, county index, region, weight)
    for year in range(first_year, REFERENCE_DATE.year):
        age_w = _age_weight(REFERENCE_DATE.year - year - 0.5)
        for ci, county in enumerate(COUNTIES):
            regions = id_regions(county, year)
            for region in regions:
                raw.append((year, ci, region, age_w * county.population / len(regions)))
    group_weight: dict[tuple[int, str], float] = {}
    for year, _, region, w in raw:
        group_weight[year, region] = group_weight.get((year, region), 0.0) + w
    scale = _ORDER_COUNT / max(group_weight.values())
    starts, ord0s, ks, offsets, regions_out, county_ix = [], [], [], [], [], []
    used: dict[tuple[int, str], int] = {}
    total = 0
    for year, ci, region, w in raw:
        k = int(w * scale)
        if k == 0:
            continue
        offset = used.get((year, region), 0)
        used[year, region] = offset + k
        assert offset + k <= _ORDER_COUNT  # the layout's invariant
        ord0 = date(year, 1, 1).toordinal()
        days = date(year + 1, 1, 1).toordinal() - ord0
        starts.append(total)
        ord0s.append(ord0)
        ks.append(k)
        offsets.append(offset)
        regions_out.append(region)
        county_ix.append(ci)
        total += days * k
    starts.append(total)
    return starts, ord0s, ks, offsets, regions_out, county_ix


(
    _PERSON_SLOTS,
    _SLOT_ORD0,
    _SLOT_K,
    _SLOT_OFFSET,
    _SLOT_REGION,
    _SLOT_COUNTY,
) = _build_slots()
PERSON_CAPACITY: int = _PERSON_SLOTS.pop()
"""How many distinct persons one seed can produce (about 10**8)."""


def _decode_slot(slot: int) -> tuple[int, str, int, int]:
    """slot -> (county index, region code, birth date ordinal, order code)."""
    b = bisect_right(_PERSON_SLOTS, slot) - 1
    k = _SLOT_K[b]
    day, j = divmod(slot - _PERSON_SLOTS[b], k)
    return _SLOT_COUNTY[b], _SLOT_REGION[b], _SLOT_ORD0[b] + day, _ORDER_CODES[_SLOT_OFFSET[b] + j]


def _age_of_ordinal(ordinal: int) -> int:
    return age_on(date.fromordinal(ordinal))


@lru_cache(maxsize=32)
def _person_plan(seed: int) -> tuple[_Permutation, int]:
    """The seed's permutation, and the index j whose slot person 0 takes (and vice versa):
    the first index whose slot is aged 35..60, so person 0 can sign in as the demo
    citizen and can represent any company (see `_pick_representative`)."""
    perm = _Permutation(PERSON_CAPACITY, b"persons:%d" % seed)
    j = 0
    while not 35 <= _age_of_ordinal(_decode_slot(perm(j))[2]) <= 60:
        j += 1
    return perm, j


# --- names, addresses, phones --------------------------------------------------------------------

# Surnames by national frequency (Faker's zh_CN data), raised for names common around Suzhou.
_SUZHOU_SURNAMES = {
    "陆": 3.0, "沈": 3.0, "顾": 4.0, "钱": 2.5, "蒋": 1.5, "朱": 1.5, "徐": 1.4, "吴": 1.3,
    "周": 1.3, "金": 1.5, "姚": 1.3, "陶": 1.3, "范": 1.3, "潘": 1.3, "许": 1.2,
}  # fmt: skip
_SURNAMES = _Weighted(
    [(s, w * _SUZHOU_SURNAMES.get(s, 1.0)) for s, w in _FakerNames.last_names.items()], bits=24
)

_MALE_SINGLE = tuple(n for n in _FakerNames.first_names_male if len(n) == 1)
_FEMALE_SINGLE = tuple(n for n in _FakerNames.first_names_female if len(n) == 1)
# Two-character names: a first character from the first pool, a second from the second.
_MALE_FIRST = tuple("子浩宇俊志建文国明家永晓海天嘉伟立振德春小云晨思一梓")
_MALE_SECOND = tuple(
    dict.fromkeys(list(_MALE_SINGLE) + list("东辰轩然豪博文翔航泽睿铭霖哲昊逸诚彬良忠荣"))
)
_FEMALE_FIRST = tuple("秀玉丽晓静雅佳欣雨思梦婉诗美海春小慧艳金嘉子可若紫语")
_FEMALE_SECOND = tuple(dict.fromkeys(list(_FEMALE_SINGLE) + list("怡涵妍萱瑶琪彤蕾雯琳悦菲岚薇璐")))
# Names that were in fashion before 1990 (Faker's lists, and some of our own).
_MALE_CLASSIC = tuple(
    dict.fromkeys(
        [
            *(n for n in _FakerNames.first_names_male if len(n) == 2 and n != "红霞"),
            *_split(
                "国强 国华 国平 卫东 卫国 红兵 振华 德明 志明 永康 明华 海峰 新民 秋生 春生 "
                "根宝 金林 国良 兴华 建明 忠良 文彬 海军 建新 志刚 雪峰 金龙 伟民 立新 学军"
            ),
        ]
    )
)
_FEMALE_CLASSIC = tuple(
    dict.fromkeys(
        [
            *(n for n in _FakerNames.first_names_female if len(n) == 2),
            *_split("红英 美华 凤珍 月英 雪芬 美芳 菊英 彩英 惠芬 建英 红霞 丽萍 美琴 文娟 小英"),
        ]
    )
)
_MALE_MODERN = _split(
    "子轩 浩然 宇轩 梓豪 俊杰 皓轩 一鸣 博文 天佑 睿泽 思远 子墨 沐阳 铭泽 奕辰 宇航 "
    "晨阳 逸飞 家豪 嘉乐 锦程 承泽 俊熙 亦凡"
)
_FEMALE_MODERN = _split(
    "欣怡 梓涵 诗涵 雨桐 一诺 子涵 可馨 思彤 语嫣 佳怡 若汐 紫萱 梦瑶 雨萱 静怡 欣妍 "
    "芷若 悦溪 思琪 婉清 语桐 沐晴 安然 诗雨"
)


def _given_name(male: bool, birth_year: int, r: int) -> str:
    """A given name from 40 random bits, in the fashion of the birth year."""
    style = r & 0xFF
    r >>= 8
    if birth_year < 1960:
        single, fixed = 90, 170  # of 256: 35% one character, 31% classic, rest composed
    elif birth_year < 1990:
        single, fixed = 70, 110
    else:
        single, fixed = 25, 140  # "fixed" here means a modern favourite
    if style < single:
        pool = _MALE_SINGLE if male else _FEMALE_SINGLE
        return pool[r % len(pool)]
    if style < fixed:
        if birth_year < 1990:
            pool = _MALE_CLASSIC if male else _FEMALE_CLASSIC
        else:
            pool = _MALE_MODERN if male else _FEMALE_MODERN
        return pool[r % len(pool)]
    first, second = (_MALE_FIRST, _MALE_SECOND) if male else (_FEMALE_FIRST, _FEMALE_SECOND)
    return first[(r & 0xFFFF) % len(first)] + second[(r >> 16) % len(second)]


# Mobile network segments with rough shares in Jiangsu (China Mobile leads).
_MOBILE_SEGMENTS = _Weighted(
    [(s, 6.0) for s in _split("134 135 136 137 138 139 150 151 152 157 158 159 182 183 187 188")]
    + [(s, 2.0) for s in _split("147 172 178 184 195 197 198")]
    + [(s, 4.0) for s in _split("130 131 132 155 156 185 186")]
    + [(s, 1.5) for s in _split("145 166 175 176 196")]
    + [(s, 3.5) for s in _split("133 153 177 180 181 189")]
    + [(s, 1.0) for s in _split("149 173 190 191 193 199")]
)


def _mobile(r: int) -> str:
    return f"{_MOBILE_SEGMENTS.pick(r)}{(r >> 16) % 100_000_000:08d}"


def _home_address(county: County, r: int) -> str:
    roads = county.roads
    number = 1 + (r & 0x3FF) % 298
    r >>= 10
    building = 1 + (r & 0xFF) % 36
    r >>= 8
    floor = 1 + (r & 0xFF) % 18
    unit = 1 + ((r >> 8) & 0x3)
    road = roads[(r >> 10) % len(roads)]
    return f"江苏省苏州市{county.name}{road}{number}号{building}幢{floor}{unit:02d}室"


def staff_name(seed: int, key: str) -> str:
    """A deterministic Chinese name for a member of staff (born 1970-1995), e.g. for `key`
    "officer.amr"; not one of the city's persons."""
    r = int.from_bytes(
        hashlib.blake2b(
            b"%d:%s" % (seed, key.encode()), digest_size=16, person=b"gb-staff"
        ).digest(),
        "little",
    )
    birth_year = 1970 + (r & 0xFF) % 26
    male = bool(r & 0x100)
    return _SURNAMES.pick(r >> 9) + _given_name(male, birth_year, (r >> 40) & _BITS40)


# --- persons -------------------------------------------------------------------------------------


def _check_index(index: int, capacity: int, what: str) -> None:
    if not 0 <= index < capacity:
        raise ValueError(f"{what} index must be in [0, {capacity}), got {index}")


def person_at(seed: int, index: int) -> PersonRecord:
    """Person `index` of the city grown from `seed`; person 0 is 35..60 years old."""
    _check_index(index, PERSON_CAPACITY, "person")
    perm, j = _person_plan(seed)
    return _person(seed, index, perm, j)


def _person(seed: int, index: int, perm: _Permutation, j: int) -> PersonRecord:
    slot = perm(j if index == 0 else 0 if index == j else index)
    county_ix, region, ordinal, order = _decode_slot(slot)
    county = COUNTIES[county_ix]
    birth = date.fromordinal(ordinal)
    first17 = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{order:03d}"
    id_number = first17 + ric.calc_check_digit(first17 + "0")
    male = bool(order & 1)
    r = _digest(b"gb-person", seed, index)
    name = _SURNAMES.pick(r) + _given_name(male, birth.year, (r >> 24) & _BITS40)
    return PersonRecord(
        id_number=id_number,
        name=name,
        sex="1" if male else "2",
        birth_date=birth,
        division_code=county.code,
        address=_home_address(county, (r >> 64) & _BITS48),
        mobile=_mobile(r >> 112),
    )


def iter_persons(seed: int, count: int) -> Iterator[PersonRecord]:
    """Persons 0..count-1 of the city grown from `seed`, one at a time."""
    if count:
        _check_index(count - 1, PERSON_CAPACITY, "person")
    perm, j = _person_plan(seed)
    for index in range(count):
        yield _person(seed, index, perm, j)


# --- companies -----------------------------------------------------------------------------------

COMPANY_CAPACITY = 10**8
"""How many distinct companies one seed can produce (see `_company_org_code`)."""

# Market entities by credit-code category (GB 32100 characters 1-2): in Suzhou about 57%
# are individual businesses (个体工商户), 42% enterprises, well under 1% cooperatives.
_KINDS = _Weighted([("91", 42.0), ("92", 57.5), ("93", 0.5)])

# Enterprise types (the registration's wording) with name suffixes and typical capital (万元).
_ENTERPRISE_TYPES = _Weighted(
    [
        (("有限责任公司(自然人投资或控股)", "有限公司", "small"), 62.0),
        (("有限责任公司(自然人独资)", "有限公司", "small"), 18.0),
        (("有限责任公司(非自然人投资或控股的法人独资)", "有限公司", "subsidiary"), 5.0),
        (("有限责任公司(外国法人独资)", "有限公司", "foreign"), 3.0),
        (("有限责任公司(台港澳法人独资)", "有限公司", "foreign"), 2.0),
        (("股份有限公司(非上市、自然人投资或控股)", "股份有限公司", "joint_stock"), 2.5),
        (("股份有限公司(上市、自然人投资或控股)", "股份有限公司", "listed"), 0.2),
        (("个人独资企业", "", "sole"), 4.0),
        (("有限合伙企业", "合伙企业（有限合伙）", "partnership"), 1.3),
    ]
)
_CAPITAL = {
    kind: _Weighted(pairs)
    for kind, pairs in {
        "small": [(10, 8), (30, 8), (50, 18), (100, 22), (200, 12), (300, 8), (500, 10),
                  (1000, 8), (2000, 4), (5000, 2)],
        "subsidiary": [(100, 2), (500, 3), (1000, 4), (3000, 3), (5000, 2), (10000, 2),
                       (20000, 1)],
        "foreign": [(50, 1), (100, 2), (300, 2), (500, 3), (1000, 3), (3000, 2), (10000, 1),
                    (30000, 1)],
        "joint_stock": [(500, 1), (1000, 3), (2000, 3), (5000, 2), (10000, 1)],
        "listed": [(8000, 1), (12000, 2), (20000, 2), (40000, 2), (80000, 1), (150000, 1)],
        "sole": [(1, 2), (5, 3), (10, 3), (20, 2), (50, 1)],
        "partnership": [(100, 1), (1000, 2), (5000, 2), (10000, 2), (30000, 1), (100000, 1)],
        "individual": [(1, 3), (2, 2), (3, 3), (5, 4), (10, 4), (20, 2), (30, 1), (50, 1)],
        "cooperative": [(10, 2), (20, 2), (50, 3), (100, 3), (200, 2), (300, 1), (500, 1)],
    }.items()
}  # fmt: skip

# Trade names (字号) are two of these characters.
_TRADE_CHARS = (
    "恒信华瑞鑫达泰宏丰源盛德隆嘉宇博创科捷锦晟汇中天星辰润骏正新和众凯海通佳益康诚永金铭"
    "昊宸亿福安祥茂荣旭远东方联合美家乐"
)
# Industries: (name, manufacturing?, weight).
_INDUSTRIES = _Weighted(
    [
        (("精密机械", True), 5), (("电子科技", False), 8), (("信息技术", False), 6),
        (("新材料科技", False), 4), (("贸易", False), 12), (("建筑工程", False), 5),
        (("物流", False), 4), (("餐饮管理", False), 3), (("纺织", True), 3), (("丝绸", True), 2),
        (("生物医药科技", False), 3), (("智能装备", True), 3), (("环保科技", False), 3),
        (("光电科技", False), 2), (("汽车零部件", True), 3), (("化工", True), 1),
        (("房地产开发", False), 1), (("物业管理", False), 2), (("文化传媒", False), 3),
        (("教育咨询", False), 2), (("医疗器械", True), 2), (("供应链管理", False), 3),
        (("网络科技", False), 5), (("企业管理咨询", False), 4), (("人力资源", False), 2),
        (("装饰工程", False), 3), (("包装材料", True), 2), (("塑胶制品", True), 2),
        (("五金制品", True), 3), (("服饰", False), 2), (("电气", True), 2),
        (("自动化设备", True), 3), (("半导体", True), 1),
    ]
)  # fmt: skip
_SHOPS = _split(
    "面馆 小吃店 便利店 五金店 服装店 水果店 理发店 烟酒商行 副食品店 汽车修理部 快餐店 "
    "茶叶店 手机维修店 日用品店 蔬菜店 早餐店 奶茶店 干洗店 家电维修部 建材经营部 "
    "小龙虾馆 糕团店 生鲜超市 美甲店"
)
_CROPS = _split("蔬菜 水稻 大闸蟹养殖 茶叶 花卉苗木 水产养殖 果品 农机 葡萄 枇杷 杨梅 家庭农场服务")
_VILLAGES = _split(
    "永联 新桥 东湖 南港 杨湾 金星 联民 红旗 民主 胜利 建新 长泾 湖滨 三星 万安 兴隆 花园 "
    "五星 光明 前进"
)

_COMPANY_DIVISIONS = {
    "91": _Weighted(
        [(c.code, c.companies) for c in COUNTIES] + [(CITY_DIVISION, 120.0)]  # industrial park
    ),
    "92": _Weighted([(c.code, c.population) for c in COUNTIES]),
    "93": _Weighted([(c.code, c.population) for c in COUNTIES if c.towns]),
}
# Earliest establishment: the Company Law (1994), individual businesses, the Law on
# Farmers' Specialized Cooperatives (2007). Registrations grew every year (by about 8%,
# 10% and 5%), so dates are drawn with a density growing exponentially at that rate.
_FIRST_ESTABLISHED = {"91": date(1994, 7, 1), "92": date(1995, 1, 1), "93": date(2007, 7, 1)}
_GROWTH_PER_DAY = {"91": 0.08 / 365.25, "92": 0.10 / 365.25, "93": 0.05 / 365.25}
# From October 2015 new registrations get organisation codes "MA…" from the code centre;
# individual businesses all have them. Shares (of 65536) of firms registered since then.
_MA_CODES_FROM = date(2015, 10, 1)
_NEW_STYLE_SHARE = {"91": 45_000, "92": 65_536, "93": 42_000}
# Whoever represents a firm registered before October 2015 was 20 by then.
_OLD_STYLE_BORN_BEFORE = date(1995, 10, 1)
_BITS192 = (1 << 192) - 1

_OLD_CODES = 10**8
_MA_CODES = len(CREDIT_ALPHABET) ** 6


@lru_cache(maxsize=32)
def _company_plan(seed: int) -> tuple[_Permutation, _Permutation]:
    return (
        _Permutation(_OLD_CODES, b"companies-old:%d" % seed),
        _Permutation(_MA_CODES, b"companies-ma:%d" % seed),
    )


def _company_org_code(seed: int, index: int, new_style: bool) -> str:
    """The 9-character organisation code of company `index`, unique by construction.

    Old style: 8 digits = P_old(index), P_old a seed-keyed permutation of range(10**8).
    New style: "MA" + 6 alphabet characters = base-31 digits of P_ma(index), P_ma a
    permutation of range(31**6). Each is injective in the index; the two never meet
    (digits vs "M" first), and each index takes one of them, so two indices never share a
    code. The GB 11714 check character is a function of the body, and the credit code's
    remaining characters only add to it: credit codes are unique too.
    """
    old, ma = _company_plan(seed)
    if not new_style:
        return organization_code(f"{old(index):08d}")
    value = ma(index)
    chars = []
    for _ in range(6):
        value, digit = divmod(value, 31)
        chars.append(CREDIT_ALPHABET[digit])
    return organization_code("MA" + "".join(reversed(chars)))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _pick_representative(
    seed: int, person_pool: int, born_before: date | None, r: int
) -> PersonRecord:
    """An adult (22..80) among persons 0..person_pool-1, born before `born_before` if
    given; person 0 (35..60, born before 1991) when eight tries find none."""
    perm, j = _person_plan(seed)
    for _ in range(8):
        person = _person(seed, r % person_pool, perm, j)
        if 22 <= age_on(person.birth_date) <= 80 and (
            born_before is None or person.birth_date < born_before
        ):
            return person
        r >>= 24
    return _person(seed, 0, perm, j)


def company_at(seed: int, index: int, *, person_pool: int = DEFAULT_PERSON_POOL) -> CompanyRecord:
    """Company `index` of the city grown from `seed`; its legal representative is an adult
    among persons 0..person_pool-1. The credit code, kind and division do not depend on
    `person_pool`; the representative, and what follows from them, do."""
    _check_index(index, COMPANY_CAPACITY, "company")
    if not 1 <= person_pool <= PERSON_CAPACITY:
        raise ValueError(f"person_pool must be in [1, {PERSON_CAPACITY}], got {person_pool}")
    r = _digest(b"gb-company", seed, index, size=64)
    kind = _KINDS.pick(r)
    r >>= 16
    division = _COMPANY_DIVISIONS[kind].pick(r)
    r >>= 16
    # Registered before or after the "MA" codes came; decided before the representative
    # is chosen, so the credit code does not depend on `person_pool`.
    new_style = kind == "92" or (r & 0xFFFF) < _NEW_STYLE_SHARE[kind]
    r >>= 16
    rep = _pick_representative(
        seed, person_pool, None if new_style else _OLD_STYLE_BORN_BEFORE, r & _BITS192
    )
    r >>= 192

    # Established after the representative's 20th birthday and the law allowing it, in the
    # era of its code (before or after October 2015), more likely late than early.
    first = max(
        _MA_CODES_FROM if new_style else _FIRST_ESTABLISHED[kind],
        _years_later(rep.birth_date, 20),
    ).toordinal()
    last = _ORD_REFERENCE - 1 if new_style else _MA_CODES_FROM.toordinal() - 1
    u = (r & 0xFFFFFF) / float(1 << 24)
    r >>= 24
    g = _GROWTH_PER_DAY[kind]  # inverse of the CDF of density e^(g t) on [0, last - first]
    offset = math.log1p(u * math.expm1(g * (last - first))) / g
    established = date.fromordinal(first + min(int(offset), last - first))

    county = COUNTY_BY_CODE.get(division)
    place = county.name if county else _PARK_NAME
    roads = county.roads if county else _PARK_ROADS
    road = roads[(r & 0xFFFF) % len(roads)]
    r >>= 16
    number = 1 + (r & 0x3FF) % 388
    r >>= 10
    trade = (
        _TRADE_CHARS[(r & 0xFF) % len(_TRADE_CHARS)]
        + _TRADE_CHARS[((r >> 8) & 0xFF) % len(_TRADE_CHARS)]
    )
    r >>= 16

    if kind == "91":
        type_name, suffix, capital_kind = _ENTERPRISE_TYPES.pick(r)
        r >>= 16
        industry, manufacturing = _INDUSTRIES.pick(r)
        r >>= 16
        prefixes = county.company_prefixes if county else ("苏州", _PARK_NAME)
        prefix = prefixes[(r & 0xFF) % len(prefixes)]
        r >>= 8
        if capital_kind == "partnership":
            name = f"{prefix}{trade}创业投资{suffix}"
        elif capital_kind == "sole":
            name = f"{prefix}{trade}{industry}{'厂' if manufacturing else '商行'}"
        else:
            name = f"{prefix}{trade}{industry}{suffix}"
        building = 1 + (r & 0xFF) % 12
        floor = 1 + ((r >> 8) & 0xFF) % 20
        address = f"江苏省苏州市{place}{road}{number}号{building}幢{floor}层"
    elif kind == "92":
        type_name, capital_kind = "个体工商户", "individual"
        shop = _SHOPS[(r & 0xFFFF) % len(_SHOPS)]
        r >>= 16
        surname = rep.name[:2] if rep.name[:2] == "欧阳" else rep.name[0]
        keeper = f"{surname}记" if r & 1 else trade
        name = f"{place}{keeper}{shop}"
        r >>= 1
        address = f"江苏省苏州市{place}{road}{number}号"
    else:
        type_name, capital_kind = "农民专业合作社", "cooperative"
        assert county is not None  # cooperatives are registered in counties
        town = county.towns[(r & 0xFF) % len(county.towns)]
        crop = _CROPS[((r >> 8) & 0xFF) % len(_CROPS)]
        village = _VILLAGES[((r >> 16) & 0xFF) % len(_VILLAGES)]
        r >>= 24
        name = f"{place}{town}{crop}专业合作社"
        address = f"江苏省苏州市{place}{town}镇{village}村{1 + (r & 0xF)}组{number % 60 + 1}号"
        r >>= 4
    capital = _CAPITAL[capital_kind].pick(r)

    first17 = f"{kind}{division}{_company_org_code(seed, index, new_style)}"
    return CompanyRecord(
        credit_code=first17 + uscc.calc_check_digit(first17),
        name=name,
        enterprise_type=type_name,
        legal_representative_id=rep.id_number,
        legal_representative_name=rep.name,
        registered_capital_wan=capital,
        established=established,
        division_code=division,
        address=address,
    )


def iter_companies(
    seed: int, count: int, *, person_pool: int = DEFAULT_PERSON_POOL
) -> Iterator[CompanyRecord]:
    """Companies 0..count-1 of the city grown from `seed`, one at a time."""
    if count:
        _check_index(count - 1, COMPANY_CAPACITY, "company")
    for index in range(count):
        yield company_at(seed, index, person_pool=person_pool)
