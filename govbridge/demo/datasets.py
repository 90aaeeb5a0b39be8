"""The datasets the demo city's departments publish, and the rows they hold.

`DATASETS` is pure data, read from the table `data/datasets.toml` (a file a human edits,
not Python code): each entry is a catalog entry (names, abstract, sharing
type, frequency, subject, fields bound to builtin data elements with a grade)
plus a short recipe for its rows: which persons or companies have one (`who`,
`share`), how the certificate number looks (`number`), who issued it (`issuer`),
since when and for how long (`since`, `valid_years`).

`generate_rows` turns a recipe into rows for the demo city of a seed: the persons
and companies are the ones `govbridge.demo.people` generates for the registry, so
every subject ID in a row is a registered person or company. Values are chosen by
hashing (seed, dataset, subject): the same seed gives the same rows on every run,
and every value passes its data element's checks (`govbridge.standards.validation`).
"""

from __future__ import annotations

import hashlib
import tomllib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from govbridge.demo.departments import DEPARTMENTS_BY_KEY
from govbridge.demo.people import (
    COUNTY_BY_CODE,
    REFERENCE_DATE,
    CompanyRecord,
    PersonRecord,
    age_on,
)
from govbridge.standards.builtin import BUILTIN_ELEMENTS

SubjectKind = Literal["person", "enterprise"]

_SUGGESTED = {e.code: e.suggested_grade for e in BUILTIN_ELEMENTS}
LAST_DAY = REFERENCE_DATE - timedelta(days=1)
"""Certificates and records are dated up to the day before the city's reference date
(a renewed certificate's new period may start on the reference date itself)."""


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A column: bound to a builtin data element by code; `source` says where its value
    comes from (a key of `SOURCES`, optionally ":argument")."""

    name: str
    title: str
    element: str
    source: str
    grade: str | None = None  # None: the element's suggested grade
    required: bool = False

    @property
    def resolved_grade(self) -> str:
        grade = self.grade or _SUGGESTED.get(self.element)
        if grade is None:  # pragma: no cover - a typo in the table
            raise LookupError(f"no grade for field {self.name} ({self.element})")
        return grade


@dataclass(frozen=True, slots=True)
class DatasetDef:
    key: str
    department: str
    name: str
    name_en: str
    abstract: str
    subject: SubjectKind
    fields: tuple[FieldDef, ...]
    keywords: tuple[str, ...] = ()
    share_type: str = "conditional"  # unconditional | conditional | none
    share_condition: str | None = None  # default for conditional: see `share_condition_of`
    legal_basis: str | None = None
    share_method: str = "api"
    update_frequency: str = "daily"
    certificate: bool = False
    open_to_public: bool = False
    open_condition: str | None = None
    base: bool = False  # a base library (基础库) of the data bureau: class 1 of the catalog
    # --- the rows ---
    who: str = "all"  # a key of PERSON_GROUPS / COMPANY_GROUPS
    share: float = 1.0  # fraction of that group that has a row
    issuer: str | None = None  # template; default the department's name
    number: str | None = None  # template of the certificate / document number
    since: int = 2000  # earliest year of issue or record
    min_age: int = 0  # persons: earliest issue at this age
    valid_years: int | None = None
    renewed: bool = True  # with valid_years: most holders renew on expiry (a new period)

    @property
    def subject_field(self) -> str:
        return self.fields[0].name


# --- the table -----------------------------------------------------------------------------------

DATA_FILE = Path(__file__).parent / "data" / "datasets.toml"
"""The table of datasets, kept as data a human edits (see the file's header for its keys)."""

_FIELD_KEYS = frozenset(f.name for f in dataclass_fields(FieldDef))
_DATASET_KEYS = frozenset(f.name for f in dataclass_fields(DatasetDef))


def _field_of(spec: str | dict[str, Any], shared: dict[str, FieldDef], where: str) -> FieldDef:
    """A field of the table: a shared field's name, a full inline table, or `like` a shared
    field with some keys changed."""
    if isinstance(spec, str):
        if spec not in shared:
            raise ValueError(f"{where}: no shared field {spec!r}")
        return shared[spec]
    spec = dict(spec)
    like = spec.pop("like", None)
    unknown = set(spec) - _FIELD_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown field keys {sorted(unknown)}")
    if like is None:
        return FieldDef(**spec)
    if like not in shared:
        raise ValueError(f"{where}: no shared field {like!r} to be like")
    return replace(shared[like], **spec)


def _dataset_of(spec: dict[str, Any], shared: dict[str, FieldDef]) -> DatasetDef:
    where = f"dataset {spec.get('key', '?')!r}"
    unknown = set(spec) - _DATASET_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    values = dict(spec)
    values["fields"] = tuple(_field_of(f, shared, where) for f in spec["fields"])
    values["keywords"] = tuple(spec.get("keywords", ()))
    return DatasetDef(**values)


def load_table(path: Path = DATA_FILE) -> tuple[str, tuple[DatasetDef, ...]]:
    """The default share condition and the datasets of the table, in the file's order."""
    with path.open("rb") as fh:
        table = tomllib.load(fh)
    shared = {
        name: _field_of(spec, {}, f"shared field {name!r}")
        for name, spec in table["fields"].items()
    }
    return table["defaults"]["share_condition"], tuple(
        _dataset_of(d, shared) for d in table["datasets"]
    )


_SERVICE, DATASETS = load_table()

DATASETS_BY_KEY: dict[str, DatasetDef] = {d.key: d for d in DATASETS}


def share_condition_of(d: DatasetDef) -> str | None:
    if d.share_type != "conditional":
        return d.share_condition
    return d.share_condition or _SERVICE


def classification_of(d: DatasetDef) -> str:
    """前段码: class 1 (base libraries) or 3 (department resources), the department's
    place (2 digits), 001 persons / 002 enterprises, 001 certificates / 002 other data."""
    klass = "1" if d.base else "3"
    place = list(DEPARTMENTS_BY_KEY).index(d.department) + 1
    kind = "001" if d.subject == "person" else "002"
    sub = "001" if d.certificate else "002"
    return f"{klass}{place:02d}{kind}{sub}"


def catalog_entry(d: DatasetDef) -> dict[str, Any]:
    """The `DatasetIn` payload of a definition (provider by department code)."""
    return {
        "name": d.name,
        "name_en": d.name_en,
        "abstract": d.abstract,
        "provider_code": DEPARTMENTS_BY_KEY[d.department].code,
        "classification": classification_of(d),
        "format": "database",
        "share_type": d.share_type,
        "share_condition": share_condition_of(d),
        "legal_basis": d.legal_basis,
        "share_method": d.share_method,
        "open_to_public": d.open_to_public,
        "open_condition": d.open_condition if d.open_to_public else None,
        "update_frequency": d.update_frequency,
        "subject_type": d.subject,
        "subject_field": d.subject_field,
        "keywords": list(d.keywords),
        "certificate_type": d.certificate,
        "fields": [
            {
                "name": f.name,
                "title": f.title,
                "element": f.element,
                "required": f.required,
                "grade": f.resolved_grade,
            }
            for f in d.fields
        ],
    }


# --- the rows ------------------------------------------------------------------------------------

# Company kinds from the name: industry section (GB/T 4754) by keyword, first match wins.
_INDUSTRY_WORDS: tuple[tuple[str, str], ...] = (
    ("专业合作社", "A"), ("创业投资", "J"), ("房地产开发", "K"), ("物业管理", "K"),
    ("建筑工程", "E"), ("装饰工程", "E"), ("物流", "G"), ("供应链管理", "L"),
    ("餐饮管理", "H"), ("信息技术", "I"), ("网络科技", "I"), ("新材料科技", "M"),
    ("生物医药科技", "M"), ("环保科技", "N"), ("文化传媒", "R"), ("教育咨询", "P"),
    ("企业管理咨询", "L"), ("人力资源", "L"), ("贸易", "F"), ("服饰", "F"), ("商行", "F"),
    ("面馆", "H"), ("小吃店", "H"), ("快餐店", "H"), ("早餐店", "H"), ("奶茶店", "H"),
    ("小龙虾馆", "H"), ("糕团店", "H"), ("理发店", "O"), ("美甲店", "O"), ("干洗店", "O"),
    ("汽车修理部", "O"), ("手机维修店", "O"), ("家电维修部", "O"), ("店", "F"), ("超市", "F"),
    ("经营部", "F"), ("厂", "C"),
    ("精密机械", "C"), ("电子科技", "C"), ("纺织", "C"), ("丝绸", "C"), ("智能装备", "C"),
    ("光电科技", "C"), ("汽车零部件", "C"), ("化工", "C"), ("医疗器械", "C"),
    ("包装材料", "C"), ("塑胶制品", "C"), ("五金制品", "C"), ("电气", "C"),
    ("自动化设备", "C"), ("半导体", "C"),
)  # fmt: skip
_FOOD_WORDS = (
    "餐饮", "面馆", "小吃店", "快餐店", "早餐店", "奶茶店", "小龙虾馆", "糕团店", "便利店",
    "水果店", "烟酒商行", "副食品店", "茶叶店", "蔬菜店", "生鲜超市",
)  # fmt: skip
_VENUE_WORDS = (
    "餐饮", "面馆", "快餐店", "小龙虾馆", "生鲜超市", "便利店", "服装店", "奶茶店", "文化传媒",
)  # fmt: skip
_SERVICE_WORDS = ("理发店", "美甲店")

_SCOPES = {
    "A": "蔬菜、水果种植；水产养殖；农产品初加工；农业技术推广服务。",
    "C": "一般项目：机械设备、电子元器件、五金产品的研发、制造和销售；货物进出口。",
    "E": "许可项目：建设工程施工；住宅室内装饰装修。一般项目：建筑材料销售。",
    "F": "一般项目：日用百货、服装鞋帽、食品（仅销售预包装食品）销售；互联网销售。",
    "G": "许可项目：道路货物运输（不含危险货物）。一般项目：国内货物运输代理；仓储服务。",
    "H": "许可项目：餐饮服务；食品销售。一般项目：餐饮管理。",
    "I": "一般项目：软件开发；信息系统集成服务；网络技术服务；数据处理服务。",
    "J": "以私募基金从事股权投资、投资管理、资产管理等活动。",
    "K": "许可项目：房地产开发经营。一般项目：物业管理；非居住房地产租赁。",
    "L": "一般项目：企业管理咨询；供应链管理服务；人力资源服务（不含职业中介活动）。",
    "M": "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广。",
    "N": "一般项目：环境保护专用设备销售；污水处理及其再生利用；环保咨询服务。",
    "O": "一般项目：理发服务；洗染服务；日用电器修理；汽车修理与维护。",
    "P": "一般项目：教育咨询服务（不含涉许可审批的教育培训活动）。",
    "R": "一般项目：组织文化艺术交流活动；广告设计、代理；会议及展览服务。",
}

_HOSPITALS = {
    "320505": "苏州科技城医院",
    "320506": "苏州市吴中人民医院",
    "320507": "苏州市相城人民医院",
    "320508": "苏州市立医院",
    "320509": "苏州市吴江区第一人民医院",
    "320581": "常熟市第一人民医院",
    "320582": "张家港市第一人民医院",
    "320583": "昆山市第一人民医院",
    "320585": "太仓市第一人民医院",
}

_ARGS: dict[str, tuple[str, ...]] = {
    "product": ("电线电缆", "危险化学品", "建筑防水卷材", "人造板", "化肥", "水泥", "电热毯"),
    "vehicle_class": ("C1", "C1", "C1", "C2", "C1E", "B2", "A2", "C1D"),
    "occupation": (
        "电工（四级/中级工）", "焊工（三级/高级工）", "育婴员（四级/中级工）",
        "保育师（四级/中级工）", "中式烹调师（四级/中级工）", "美容师（五级/初级工）",
        "养老护理员（四级/中级工）", "企业人力资源管理师（三级/高级工）",
    ),
    "qualification": (
        "建筑工程施工总承包二级", "建筑工程施工总承包三级", "市政公用工程施工总承包三级",
        "建筑装修装饰工程专业承包二级", "施工劳务不分等级", "机电工程施工总承包三级",
    ),
    "safety_scope": ("危险化学品生产", "危险化学品生产（涉及重点监管危险化工工艺）"),
    "physician": ("临床类别 内科专业", "临床类别 外科专业", "临床类别 妇产科专业",
                  "临床类别 儿科专业", "中医类别 中医专业", "口腔类别 口腔专业",
                  "公共卫生类别 公共卫生专业"),
    "teacher": ("小学教师资格 语文", "小学教师资格 数学", "初级中学教师资格 英语",
                "初级中学教师资格 数学", "高级中学教师资格 物理", "幼儿园教师资格",
                "高级中学教师资格 语文"),
    "transport": ("道路普通货物运输", "道路普通货物运输；货物专用运输（集装箱）",
                  "道路危险货物运输", "县内班车客运"),
    "driver_kind": ("经营性道路货物运输驾驶员", "经营性道路旅客运输驾驶员",
                    "巡游出租汽车驾驶员", "网络预约出租汽车驾驶员"),
    "venue_kind": ("理发店、美容店", "美容店"),
}  # fmt: skip

_MINORITIES = ("03", "06", "15", "11", "08", "07", "02", "05")  # 回 苗 土家 满 壮 彝 蒙古 维吾尔
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _hash(*parts: object) -> int:
    text = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(
        hashlib.blake2b(text, digest_size=16, person=b"gb-demo-rows").digest(), "little"
    )


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _local(division: str) -> str:
    """苏州市姑苏区 / 昆山市: how a county-level authority is named."""
    county = COUNTY_BY_CODE.get(division)
    if county is None:
        return "苏州市"
    return county.name if county.name.endswith("市") else f"苏州市{county.name}"


def _psb_branch(division: str) -> str:
    county = COUNTY_BY_CODE.get(division)
    if county is None:
        return "苏州市公安局"
    if county.name.endswith("市"):
        return f"{county.name}公安局"
    return f"苏州市公安局{county.name.removesuffix('区')}分局"


def company_industry(company: CompanyRecord) -> str:
    """GB/T 4754 section of a demo company, read from its name."""
    for word, section in _INDUSTRY_WORDS:
        if word in company.name:
            return section
    return "F"


def enterprise_type_code(company: CompanyRecord) -> str:
    """The `enterprise_type` code-table entry for the registration's wording."""
    t = company.enterprise_type
    if t == "个体工商户":
        return "9100"
    if t == "农民专业合作社":
        return "9200"
    if t == "个人独资企业":
        return "4000"
    if "合伙" in t:
        return "5000"
    if t.startswith("股份有限公司(上市"):
        return "1210"
    if t.startswith("股份有限公司"):
        return "1200"
    if "外国" in t or "台港澳" in t:
        return "1150"
    if "自然人" in t:
        return "1130"
    return "1100"


@dataclass
class PersonFacts:
    """What the demo knows of a person beyond the registry, the same in every dataset."""

    age: int
    marital: str
    education: str
    ethnicity: str
    relation: str
    mother: PersonRecord | None = None
    spouse: PersonRecord | None = None
    married_on: date | None = None
    marriage_no: str = ""  # the couple's 结婚证字号
    marriage_division: str = ""  # where they registered (the husband's county)


class DemoWorld:
    """The demo city's persons and companies, with the facts the datasets share."""

    def __init__(
        self, seed: int, persons: Sequence[PersonRecord], companies: Sequence[CompanyRecord]
    ) -> None:
        self.seed = seed
        self.persons = list(persons)
        self.companies = list(companies)
        self.facts = [self._facts(i, p) for i, p in enumerate(self.persons)]
        self._marry()
        self._mothers()
        self.industry = [company_industry(c) for c in self.companies]

    def _facts(self, i: int, p: PersonRecord) -> PersonFacts:
        r = _hash(self.seed, "person", p.id_number)
        age = age_on(p.birth_date)
        u = (r & 0xFFFF) / 65536
        if age < 20:
            marital = "10"
        elif age < 25:
            marital = "20" if u < 0.25 else "10"
        elif age < 30:
            marital = "20" if u < 0.6 else "10"
        elif age < 60:
            marital = "20" if u < 0.86 else "40" if u < 0.93 else "10"
        else:
            marital = "20" if u < 0.75 else "30" if u < 0.94 else "40"
        v = ((r >> 16) & 0xFFFF) / 65536
        if age < 6:
            education = "90"
        elif age < 12:
            education = "80"
        elif age < 15:
            education = "70"
        elif age < 18:
            education = "60"
        elif age >= 60:
            education = "80" if v < 0.3 else "70" if v < 0.65 else "60" if v < 0.85 else "21"
        else:
            education = (
                "70"
                if v < 0.2
                else "60"
                if v < 0.4
                else "31"
                if v < 0.62
                else "21"
                if v < 0.92
                else "14"
                if v < 0.985
                else "11"
            )
        ethnicity = "01" if ((r >> 32) & 0xFFF) >= 60 else _MINORITIES[(r >> 44) % 8]
        relation = ("子" if p.sex == "1" else "女") if age < 18 else "户主"
        return PersonFacts(age, marital, education, ethnicity, relation)

    def _marry(self) -> None:
        """Pair married men and women of close ages, so both hold the same 结婚证."""
        men = [
            i
            for i, f in enumerate(self.facts)
            if f.marital == "20" and f.age >= 22 and self.persons[i].sex == "1"
        ]
        women = [
            i
            for i, f in enumerate(self.facts)
            if f.marital == "20" and f.age >= 20 and self.persons[i].sex == "2"
        ]
        men.sort(key=lambda i: (self.persons[i].birth_date, i))
        women.sort(key=lambda i: (self.persons[i].birth_date, i))
        for n, (m, w) in enumerate(zip(men, women, strict=False), start=1):
            pm, pw = self.persons[m], self.persons[w]
            earliest = max(
                _years_after(pm.birth_date, 22), _years_after(pw.birth_date, 20), date(1950, 1, 1)
            )
            span = max(1, min(3650, LAST_DAY.toordinal() - earliest.toordinal() + 1))
            married_on = min(
                LAST_DAY,
                date.fromordinal(
                    earliest.toordinal() + _hash(self.seed, "married", pm.id_number) % span
                ),
            )
            number = f"J{pm.division_code}-{married_on.year}-{n:06d}"
            for me, other in ((m, pw), (w, pm)):
                f = self.facts[me]
                f.spouse, f.married_on = other, married_on
                f.marriage_no, f.marriage_division = number, pm.division_code
            self.facts[w].relation = "妻"

    def _mothers(self) -> None:
        """Children get a registered woman 22..38 years older as mother (guardian)."""
        women = sorted(
            (p.birth_date.toordinal(), i) for i, p in enumerate(self.persons) if p.sex == "2"
        )
        keys = [k for k, _ in women]
        for i, f in enumerate(self.facts):
            if f.age >= 18 or not women:
                continue
            child = self.persons[i]
            lo = bisect_left(keys, _years_after(child.birth_date, -38).toordinal())
            hi = bisect_left(keys, _years_after(child.birth_date, -22).toordinal())
            if hi > lo:
                f.mother = self.persons[women[lo + _hash(self.seed, "mother", i) % (hi - lo)][1]]


PersonGroup = Callable[[PersonRecord, PersonFacts], bool]
CompanyGroup = Callable[[CompanyRecord, str], bool]

PERSON_GROUPS: dict[str, PersonGroup] = {
    "all": lambda p, f: True,
    "adult": lambda p, f: f.age >= 18,
    "age16": lambda p, f: f.age >= 16,
    "child": lambda p, f: f.age < 18,
    "infant": lambda p, f: f.age < 7,
    "school": lambda p, f: 6 <= f.age < 18,
    "working": lambda p, f: 18 <= f.age < 60,
    "older": lambda p, f: f.age >= 45,
    "elderly80": lambda p, f: f.age >= 80,
    "driver": lambda p, f: 20 <= f.age < 75,
    "homebuyer": lambda p, f: f.age >= 25,
    "professional": lambda p, f: 24 <= f.age < 60,
    "nurse": lambda p, f: 22 <= f.age < 55 and p.sex == "2",
    "married": lambda p, f: f.spouse is not None,
    "wujiang": lambda p, f: p.division_code == "320509",
}


def _named(words: tuple[str, ...]) -> CompanyGroup:
    return lambda c, industry: any(w in c.name for w in words)


PERSON_SUBJECT = "person"
COMPANY_GROUPS: dict[str, CompanyGroup] = {
    "all": lambda c, industry: True,
    "firm": lambda c, industry: c.credit_code[:2] == "91",
    "manufacturing": lambda c, industry: industry == "C",
    "food": _named(_FOOD_WORDS),
    "venue": _named(_VENUE_WORDS),
    "pharmacy": _named(("生物医药", "医疗器械", "贸易有限公司")),
    "construction": lambda c, industry: industry == "E",
    "builder": lambda c, industry: (
        industry in "EK" or (industry == "C" and c.credit_code[:2] == "91")
    ),
    "realestate": _named(("房地产开发",)),
    "logistics": lambda c, industry: industry == "G" or "供应链" in c.name,
    "hazardous": _named(("化工", "新材料", "半导体")),
    "kunshan_individual": lambda c, industry: (
        c.division_code == "320583" and c.credit_code[:2] == "92"
    ),
    "gusu": lambda c, industry: c.division_code == "320508",
    "gusu_service": lambda c, industry: (
        c.division_code == "320508" and any(w in c.name for w in _SERVICE_WORDS)
    ),
}


@dataclass(slots=True)
class Subject:
    """One row's subject and the values that depend on (dataset, subject)."""

    d: DatasetDef
    seq: int
    r: int
    person: PersonRecord | None = None
    facts: PersonFacts | None = None
    company: CompanyRecord | None = None
    industry: str | None = None
    _period: tuple[date, date | None] | None = None

    @property
    def division(self) -> str:
        return self.person.division_code if self.person else self.company.division_code  # type: ignore[union-attr]

    @property
    def base_date(self) -> date:
        if self.person is not None:
            return _years_after(self.person.birth_date, self.d.min_age)
        assert self.company is not None
        return self.company.established

    def first_issued(self) -> date:
        """When the subject first got the certificate (or the record was made)."""
        lo = max(date(self.d.since, 1, 1), self.base_date)
        if lo > LAST_DAY:
            return LAST_DAY
        span = LAST_DAY.toordinal() - lo.toordinal() + 1
        return date.fromordinal(lo.toordinal() + (self.r >> 64) % span)

    def period(self) -> tuple[date, date | None]:
        """The current period of validity: (issued, valid until). A certificate that is
        renewed (95% of holders) starts a new period each time the last one ended."""
        if self._period is None:
            self._period = self._current_period()
        return self._period

    def _current_period(self) -> tuple[date, date | None]:
        start = self.first_issued()
        years = self.d.valid_years
        if years is None:
            return start, None
        end = _years_after(start, years) - timedelta(days=1)
        if self.d.renewed and (self.r >> 110) % 100 < 95:
            while end < REFERENCE_DATE:
                start = end + timedelta(days=1)
                end = _years_after(start, years) - timedelta(days=1)
        return start, end

    def issued(self) -> date:
        return self.period()[0]

    def until(self) -> date | None:
        return self.period()[1]


def _money(s: Subject, arg: str) -> str:
    lo, hi = (int(x) for x in arg.split(":"))
    cents = lo * 100 + (s.r >> 20) % ((hi - lo) * 100 + 1)
    return f"{cents // 100}.{cents % 100:02d}"


def _area(s: Subject, arg: str) -> str:
    lo, hi = (int(x) for x in arg.split(":"))
    tenths = lo * 10 + (s.r >> 24) % ((hi - lo) * 10 + 1)
    return f"{tenths // 10}.{tenths % 10}"


def _months(s: Subject) -> int:
    """Months from the first issue (persons) or the establishment (companies) to now."""
    since = s.company.established if s.company is not None else s.first_issued()
    months = (LAST_DAY.year - since.year) * 12 + 12 - since.month
    return max(0, min(1200, months))


def _estate_location(s: Subject) -> str:
    county = COUNTY_BY_CODE.get(s.division)
    roads = county.roads if county else ("星湖街", "现代大道", "金鸡湖大道", "苏州大道东")
    place = f"苏州市{county.name}" if county else "苏州工业园区"
    road = roads[(s.r >> 40) % len(roads)]
    if s.person is None:
        return f"{place}{road}{1 + (s.r >> 48) % 388}号"
    building, room = 1 + (s.r >> 56) % 30, 1 + (s.r >> 36) % 1800
    return f"{place}{road}{1 + (s.r >> 48) % 298}号{building}幢{room}室"


def _id_card_until(s: Subject) -> str | None:
    """GB: under 16 five years, 16-25 ten years, 26-45 twenty years, 46 and over long-term."""
    issued = s.issued()
    assert s.person is not None
    age = age_on(s.person.birth_date, issued)
    years = 5 if age < 16 else 10 if age <= 25 else 20 if age <= 45 else None
    return None if years is None else _years_after(issued, years).isoformat()


def _cert_status(s: Subject) -> str:
    until = s.until()
    if until is not None and until < REFERENCE_DATE:
        return "4"
    return "2" if (s.r >> 100) % 100 == 0 else "1"


def _number(s: Subject) -> str:
    template = s.d.number or "{div}{year}{seq:06d}"
    issued = s.issued()
    values: dict[str, Any] = {
        "seq": s.seq,
        "year": issued.year,
        "yy": f"{issued.year % 100:02d}",
        "div": s.division,
        "local": _local(s.division),
        "local_short": _local(s.division).removeprefix("苏州市")[:2],
        "id": s.person.id_number if s.person else "",
        "cc": s.company.credit_code if s.company else "",
        "marriage_no": s.facts.marriage_no if s.facts else "",
        "r1": (s.r >> 8) % 10,
        "r1digit": 1 + (s.r >> 12) % 7,
        "r1grade": 1 + (s.r >> 16) % 4,
        "r2": (s.r >> 20) % 100,
        "r3": (s.r >> 28) % 1000,
        "r6": (s.r >> 40) % 1_000_000,
        "r8": (s.r >> 60) % 100_000_000,
        "letter": _LETTERS[(s.r >> 90) % len(_LETTERS)],
        "food_kind": 2 if s.industry == "H" else 1,
        "permit_kind": "P" if (s.r >> 7) % 3 else "U",
    }
    return template.format(**values)


def _issuer(s: Subject) -> str:
    template = s.d.issuer or DEPARTMENTS_BY_KEY[s.d.department].name
    return template.format(
        local=_local(s.division),
        marriage_local=_local(s.facts.marriage_division) if s.facts else "",
        psb_branch=_psb_branch(s.division),
        registrar=_registrar(s),
    )


def _registrar(s: Subject) -> str:
    division = s.division
    if s.company is not None and division == "320500":
        return "苏州工业园区市场监督管理局"
    return f"{_local(division)}市场监督管理局"


def _hospital(s: Subject) -> str:
    return _HOSPITALS.get(s.division, "苏州市立医院")


def _mother(s: Subject) -> PersonRecord | None:
    return s.facts.mother if s.facts else None


def _birth_issued(s: Subject) -> str:
    assert s.person is not None
    return min(s.person.birth_date + timedelta(days=3 + s.r % 10), LAST_DAY).isoformat()


def _school_start(s: Subject) -> str:
    assert s.person is not None and s.facts is not None
    age = s.facts.age
    start_age = 6 if age < 12 else 12 if age < 15 else 15
    return date(s.person.birth_date.year + start_age, 9, 1).isoformat()


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _p(s: Subject) -> PersonRecord:
    assert s.person is not None
    return s.person


def _c(s: Subject) -> CompanyRecord:
    assert s.company is not None
    return s.company


def _f(s: Subject) -> PersonFacts:
    assert s.facts is not None
    return s.facts


Source = Callable[[Subject, str], Any]

SOURCES: dict[str, Source] = {
    # persons
    "id": lambda s, a: _p(s).id_number,
    "name": lambda s, a: _p(s).name,
    "sex": lambda s, a: _p(s).sex,
    "birth": lambda s, a: _p(s).birth_date.isoformat(),
    "division": lambda s, a: s.division,
    "address": lambda s, a: _p(s).address,
    "mobile": lambda s, a: _p(s).mobile,
    "ethnicity": lambda s, a: _f(s).ethnicity,
    "marital": lambda s, a: _f(s).marital,
    "education": lambda s, a: _f(s).education,
    "relation": lambda s, a: _f(s).relation,
    "school_stage": lambda s, a: _f(s).education,
    "school_start": lambda s, a: _school_start(s),
    "spouse_name": lambda s, a: _f(s).spouse.name,  # type: ignore[union-attr]
    "spouse_id": lambda s, a: _f(s).spouse.id_number,  # type: ignore[union-attr]
    "married_on": lambda s, a: _iso(_f(s).married_on),
    "mother_name": lambda s, a: m.name if (m := _mother(s)) else None,
    "mother_id": lambda s, a: m.id_number if (m := _mother(s)) else None,
    "mother_mobile": lambda s, a: m.mobile if (m := _mother(s)) else None,
    "hospital": lambda s, a: (
        "江苏省" + ("" if (h := _hospital(s)).startswith("苏州") else "苏州市") + h
    ),
    "hospital_name": lambda s, a: _hospital(s),
    "birth_cert_no": lambda s, a: f"{'NOPQRST'[(s.r >> 4) % 7]}32{s.seq:07d}",
    "birth_issued": lambda s, a: _birth_issued(s),
    "id_card_until": lambda s, a: _id_card_until(s),
    "elder_amount": lambda s, a: (
        "200.00" if _f(s).age >= 100 else "50.00" if _f(s).age < 90 else "100.00"
    ),
    # companies
    "credit_code": lambda s, a: _c(s).credit_code,
    "company_name": lambda s, a: _c(s).name,
    "enterprise_type": lambda s, a: enterprise_type_code(_c(s)),
    "rep_name": lambda s, a: _c(s).legal_representative_name,
    "rep_id": lambda s, a: _c(s).legal_representative_id,
    "capital": lambda s, a: _c(s).registered_capital_wan,
    "established": lambda s, a: _c(s).established.isoformat(),
    "company_division": lambda s, a: s.division,
    "company_address": lambda s, a: _c(s).address,
    "industry": lambda s, a: s.industry,
    "scope": lambda s, a: _SCOPES.get(s.industry or "F", _SCOPES["F"]),
    "business_status": lambda s, a: "1" if (s.r >> 3) % 50 else "3",
    "registrar": lambda s, a: _registrar(s),
    "landline": lambda s, a: f"0512-6{(s.r >> 30) % 10_000_000:07d}",
    "email": lambda s, a: f"contact{(s.r >> 30) % 100_000}@{_c(s).credit_code[8:16].lower()}.cn",
    # certificates and records
    "number": lambda s, a: _number(s),
    "issuer": lambda s, a: _issuer(s),
    "issued": lambda s, a: s.issued().isoformat(),
    "first_issued": lambda s, a: s.first_issued().isoformat(),
    "after": lambda s, a: (s.issued() + timedelta(days=int(a))).isoformat(),
    "until": lambda s, a: _iso(s.until()),
    "cert_status": lambda s, a: _cert_status(s),
    "reported": lambda s, a: date(2025, 1 + (s.r >> 12) % 6, 1 + (s.r >> 16) % 28).isoformat(),
    "year_end": lambda s, a: date(LAST_DAY.year - 1, 12, 31).isoformat(),
    "last_month": lambda s, a: date(LAST_DAY.year, LAST_DAY.month, 10).isoformat(),
    "recent": lambda s, a: (LAST_DAY - timedelta(days=(s.r >> 12) % 365)).isoformat(),
    "updated": lambda s, a: (
        f"{(LAST_DAY - timedelta(days=(s.r >> 12) % 30)).isoformat()}T"
        f"{(s.r >> 22) % 24:02d}:{(s.r >> 28) % 60:02d}:00"
    ),
    "money": _money,
    "area": _area,
    "months": lambda s, a: _months(s),
    "estate_location": lambda s, a: _estate_location(s),
    "bool": lambda s, a: (s.r >> 10) % 1000 < float(a) * 1000,
    "const": lambda s, a: a,
    "arg": lambda s, a: _ARGS[a][(s.r >> 14) % len(_ARGS[a])],
}


def _source(spec: str) -> tuple[Source, str]:
    name, _, arg = spec.partition(":")
    return SOURCES[name], arg


def _chosen(seed: int, key: str, subject_id: str, share: float) -> bool:
    return share >= 1.0 or _hash(seed, "pick", key, subject_id) % 1_000_000 < share * 1_000_000


def subjects(world: DemoWorld, d: DatasetDef) -> Iterator[Subject]:
    """The subjects that have a row in `d`, in registry order."""
    seq = 0
    if d.subject == PERSON_SUBJECT:
        group = PERSON_GROUPS[d.who]
        for p, f in zip(world.persons, world.facts, strict=True):
            if group(p, f) and _chosen(world.seed, d.key, p.id_number, d.share):
                seq += 1
                r = _hash(world.seed, d.key, p.id_number)
                yield Subject(d, seq, r, person=p, facts=f)
    else:
        cgroup = COMPANY_GROUPS[d.who]
        for c, industry in zip(world.companies, world.industry, strict=True):
            if cgroup(c, industry) and _chosen(world.seed, d.key, c.credit_code, d.share):
                seq += 1
                r = _hash(world.seed, d.key, c.credit_code)
                yield Subject(d, seq, r, company=c, industry=industry)


def generate_rows(
    world: DemoWorld, d: DatasetDef, chosen: Iterable[Subject] | None = None
) -> Iterator[dict[str, Any]]:
    """The rows of dataset `d` in the demo city `world`: one per subject, all fields named.

    `chosen`: the subjects, when already listed by `subjects(world, d)`.
    """
    columns = [(f.name, *_source(f.source)) for f in d.fields]
    for s in subjects(world, d) if chosen is None else chosen:
        yield {name: fn(s, arg) for name, fn, arg in columns}
