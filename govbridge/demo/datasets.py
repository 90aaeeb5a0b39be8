"""The datasets the demo city's departments publish, and the rows they hold.

`DATASETS` is pure data: each entry is a catalog entry (names, abstract, sharing
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
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
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
        if grade is None:  # pragma: no cover - a typo in the table below
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


def F(  # a short name: the table below reads like a table
    name: str,
    title: str,
    element: str,
    source: str,
    grade: str | None = None,
    *,
    required: bool = False,
) -> FieldDef:
    return FieldDef(name, title, element, source, grade, required)


# --- fields used by many datasets ----------------------------------------------------------------

ID = F("id_number", "公民身份号码", "DE0002", "id", required=True)
NAME = F("name", "姓名", "DE0001", "name", required=True)
SEX = F("sex", "性别", "DE0003", "sex")
ETHNICITY = F("ethnicity", "民族", "DE0004", "ethnicity")
BIRTH = F("birth_date", "出生日期", "DE0005", "birth")
DIVISION = F("division_code", "行政区划代码", "DE0040", "division")
MOBILE = F("mobile", "联系电话", "DE0050", "mobile")
CC = F("credit_code", "统一社会信用代码", "DE0020", "credit_code", required=True)
ENTITY = F("entity_name", "市场主体名称", "DE0021", "company_name", required=True)
LEGAL_REP = F("legal_rep", "法定代表人（负责人）姓名", "DE0023", "rep_name")
LEGAL_REP_ID = F("legal_rep_id", "法定代表人公民身份号码", "DE0024", "rep_id")
C_ADDRESS = F("address", "住所（经营场所）", "DE0041", "company_address", "general-1")
C_DIVISION = F("division_code", "登记地行政区划代码", "DE0040", "company_division")
CERT_NO = F("cert_no", "证照编号", "DE0060", "number", "general-1", required=True)
ISSUER = F("issuer", "发证机关", "DE0063", "issuer")
ISSUED = F("issue_date", "发证日期", "DE0064", "issued")
VALID_FROM = F("valid_from", "有效期起始日期", "DE0065", "issued")
VALID_UNTIL = F("valid_until", "有效期截止日期", "DE0066", "until")
STATUS = F("status", "证照状态", "DE0069", "cert_status")
UPDATED = F("updated_at", "更新时间", "DE0081", "updated")


def _cert_no(title: str, grade: str = "general-1") -> FieldDef:
    return F("cert_no", title, "DE0060", "number", grade, required=True)


def _date(name: str, title: str, source: str = "issued") -> FieldDef:
    return F(name, title, "DE0080", source)


# --- the datasets --------------------------------------------------------------------------------

_SERVICE = "用于政务服务事项办理和部门依法履职，经提供部门审核同意后共享"
_VERIFY = "用于政务服务事项中核验申请人身份及相关证照，经提供部门审核同意后按需核验"

# fmt: off
DATASETS: tuple[DatasetDef, ...] = (
    # 市场监督管理局 --------------------------------------------------------------------------
    DatasetDef(
        "business_licence", "amr", "营业执照", "Business licence",
        "市场主体依法登记后核发的营业执照（电子营业执照）记载事项：统一社会信用代码、名称、类型、"
        "法定代表人（负责人）、注册资本、成立日期、住所和登记机关。",
        "enterprise",
        (CC, ENTITY, F("entity_type", "类型", "DE0022", "enterprise_type"), LEGAL_REP,
         F("registered_capital", "注册资本（万元）", "DE0025", "capital"),
         F("established", "成立日期", "DE0026", "established"), C_ADDRESS,
         F("business_scope", "经营范围", "DE0027", "scope"),
         F("authority", "登记机关", "DE0029", "registrar"),
         F("issue_date", "核准日期", "DE0064", "issued")),
        keywords=("营业执照", "电子营业执照", "市场主体", "企业登记"),
        share_type="unconditional", open_to_public=True, certificate=True,
        open_condition="依据《企业信息公示暂行条例》向社会公示", update_frequency="realtime",
        issuer="{registrar}", since=1994,
    ),
    DatasetDef(
        "market_entities", "amr", "市场主体登记信息", "Market entity registration records",
        "市场主体设立、变更、注销登记的基本信息，含法定代表人身份信息和经营状态，"
        "供各部门核验企业身份和开展事中事后监管。",
        "enterprise",
        (CC, ENTITY, F("entity_type", "市场主体类型", "DE0022", "enterprise_type"),
         LEGAL_REP, LEGAL_REP_ID, F("established", "成立日期", "DE0026", "established"),
         F("industry", "行业门类", "DE0028", "industry"),
         F("business_status", "登记状态", "DE0030", "business_status"),
         C_DIVISION, C_ADDRESS, UPDATED),
        keywords=("市场主体", "企业登记", "法人库", "经营状态"),
        share_condition=_SERVICE, update_frequency="realtime",
    ),
    DatasetDef(
        "food_business_licence", "amr", "食品经营许可证", "Food business licence",
        "从事食品销售和餐饮服务的经营者取得的食品经营许可证信息，含许可证编号、经营者名称、"
        "经营场所、有效期和发证机关。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可证编号"), LEGAL_REP, C_ADDRESS, ISSUER, ISSUED, VALID_UNTIL,
         STATUS),
        keywords=("食品经营许可证", "餐饮服务", "食品销售", "许可"),
        share_type="unconditional", open_to_public=True, certificate=True,
        open_condition="依据《食品经营许可和备案管理办法》公开许可信息",
        who="food", number="JY{food_kind}{div}{seq:06d}{r1}", since=2016, valid_years=5,
    ),
    DatasetDef(
        "drug_business_licence", "amr", "药品经营许可证", "Drug trading licence",
        "药品零售企业取得的药品经营许可证信息：许可证编号、企业名称、法定代表人、"
        "注册地址、有效期及发证机关。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可证编号"), LEGAL_REP, C_ADDRESS, ISSUER, ISSUED, VALID_UNTIL,
         STATUS),
        keywords=("药品经营许可证", "药店", "药品零售"),
        share_type="unconditional", certificate=True,
        who="pharmacy", share=0.3, number="苏CB512{seq:04d}", since=2015, valid_years=5,
    ),
    DatasetDef(
        "special_equipment", "amr", "特种设备使用登记证", "Special equipment registration",
        "电梯、锅炉、压力容器等特种设备的使用登记证信息，含使用单位、登记证编号和登记日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("使用登记证编号"), C_ADDRESS, ISSUER, ISSUED, STATUS),
        keywords=("特种设备", "使用登记证", "电梯", "压力容器"),
        certificate=True, share_condition="用于安全生产监管和企业资质核验",
        who="manufacturing", share=0.5, number="容3ZS苏E{seq:05d}({yy})", since=2012,
    ),
    DatasetDef(
        "production_licence", "amr", "工业产品生产许可证", "Industrial product production licence",
        "取得重要工业产品生产许可证的企业信息：证书编号、产品名称、有效期。",
        "enterprise",
        (CC, ENTITY, _cert_no("证书编号"), F("product", "产品名称", "DE0061", "arg:product"),
         ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("生产许可证", "工业产品", "XK"),
        share_type="unconditional", certificate=True, open_to_public=True,
        who="manufacturing", share=0.25, number="(苏)XK{r2:02d}-{r3:03d}-{seq:05d}",
        issuer="江苏省市场监督管理局", since=2014, valid_years=5,
    ),
    DatasetDef(
        "amr_penalties", "amr", "市场监管行政处罚信息",
        "Market regulation administrative penalties",
        "市场监管部门作出的行政处罚决定信息：决定书文号、当事人、处罚日期和罚没金额，"
        "按规定向社会公示。",
        "enterprise",
        (CC, ENTITY, _cert_no("处罚决定书文号"), F("authority", "处罚机关", "DE0063", "issuer"),
         _date("decided", "处罚决定日期"),
         F("fine", "罚没款金额（元）", "DE0090", "money:500:50000", "general-1")),
        keywords=("行政处罚", "信用", "公示"),
        share_type="unconditional", open_to_public=True,
        open_condition="依据《企业信息公示暂行条例》公示，公示期满后不再公开",
        who="all", share=0.03, number="苏市监案字〔{year}〕{seq:04d}号", since=2019,
    ),
    DatasetDef(
        "annual_reports", "amr", "企业年度报告信息", "Enterprise annual reports",
        "企业通过国家企业信用信息公示系统报送的年度报告：联系方式、经营状态、资产总额。",
        "enterprise",
        (CC, ENTITY, _date("reported", "报送日期", "reported"),
         F("business_status", "经营状态", "DE0030", "business_status"),
         F("phone", "企业联系电话", "DE0051", "landline"),
         F("email", "电子邮箱", "DE0052", "email"),
         F("total_assets", "资产总额（元）", "DE0090", "money:100000:90000000", "important")),
        keywords=("年报", "年度报告", "企业信用"),
        share_condition=_SERVICE, update_frequency="yearly",
        who="firm", share=0.85,
    ),
    # 昆山市市场监督管理局 -------------------------------------------------------------------
    DatasetDef(
        "kunshan_individual", "kunshan_amr", "昆山市个体工商户登记信息",
        "Kunshan individual businesses",
        "昆山市登记的个体工商户的名称、经营者、经营场所和经营状态。",
        "enterprise",
        (CC, ENTITY, F("operator", "经营者姓名", "DE0023", "rep_name"),
         F("operator_id", "经营者公民身份号码", "DE0024", "rep_id"),
         F("established", "成立日期", "DE0026", "established"),
         F("business_status", "经营状态", "DE0030", "business_status"), C_ADDRESS),
        keywords=("个体工商户", "昆山", "市场主体"),
        share_condition=_SERVICE, who="kunshan_individual",
    ),
    # 国家税务总局苏州市税务局 -------------------------------------------------------------
    DatasetDef(
        "tax_certificate", "tax", "纳税证明", "Tax payment certificate",
        "纳税人申请开具的纳税证明（完税证明）信息：证明编号、纳税人、开具日期和实缴税额。",
        "enterprise",
        (CC, ENTITY, _cert_no("证明编号"), F("issuer", "开具税务机关", "DE0063", "issuer"),
         F("issue_date", "开具日期", "DE0064", "issued"),
         F("tax_paid", "实缴税额（元）", "DE0092", "money:2000:800000")),
        keywords=("纳税证明", "完税证明", "税收"),
        certificate=True, share_condition="用于招投标、政府采购和政务服务事项办理中核验纳税情况",
        update_frequency="monthly", who="firm", share=0.5,
        number="{div}{year}{seq:07d}", issuer="国家税务总局{local}税务局", since=2023,
    ),
    DatasetDef(
        "tax_credit_a", "tax", "纳税信用A级纳税人名单", "Grade-A tax credit taxpayers",
        "年度纳税信用评价为A级的纳税人名单，按规定向社会公布。",
        "enterprise",
        (CC, ENTITY, _date("evaluated", "评价公布日期", "year_end"),
         F("authority", "评价机关", "DE0063", "issuer")),
        keywords=("纳税信用", "A级纳税人", "守信激励"),
        share_type="unconditional", open_to_public=True, update_frequency="yearly",
        who="firm", share=0.2, since=2024,
    ),
    DatasetDef(
        "tax_arrears", "tax", "欠税公告信息", "Tax arrears announcements",
        "依据《税收征收管理法》第四十五条公告的欠缴税款纳税人信息。",
        "enterprise",
        (CC, ENTITY, LEGAL_REP, F("arrears", "欠税金额（元）", "DE0090", "money:1000:80000",
                                  "general-1"),
         _date("announced", "公告日期")),
        keywords=("欠税", "公告", "失信"),
        share_type="unconditional", open_to_public=True, update_frequency="quarterly",
        who="all", share=0.01, since=2024,
    ),
    DatasetDef(
        "personal_income_tax", "tax", "个人所得税纳税记录", "Individual income tax records",
        "自然人纳税人年度综合所得汇算后的收入和已缴税额记录。",
        "person",
        (ID, NAME, _date("period_end", "所属期止", "year_end"),
         F("income", "年度收入额（元）", "DE0090", "money:60000:600000", "important"),
         F("tax_paid", "已缴税额（元）", "DE0092", "money:0:90000")),
        keywords=("个人所得税", "纳税记录", "完税"),
        share_condition="用于住房保障、人才认定等事项中核验收入，须经本人授权",
        update_frequency="yearly", who="working", share=0.35, since=2025,
    ),
    DatasetDef(
        "tax_secrets", "tax", "纳税人涉税保密信息", "Confidential taxpayer information",
        "纳税人的商业秘密和个人隐私类涉税信息（应纳税额明细、财务报表等），依法保密。",
        "enterprise",
        (CC, ENTITY, F("tax_due", "应纳税额（元）", "DE0092", "money:1000:5000000"),
         _date("period_end", "所属期止", "year_end")),
        keywords=("涉税信息", "保密"),
        share_type="none",
        legal_basis="《中华人民共和国税收征收管理法》第八条、《中华人民共和国税收征收管理法"
        "实施细则》第五条：税务机关应当依法为纳税人的情况保密。",
        update_frequency="monthly", who="firm", share=0.1, since=2025,
    ),
    # 苏州市公安局 ---------------------------------------------------------------------------
    DatasetDef(
        "household_register", "psb", "居民户口簿", "Household register",
        "常住人口登记卡及居民户口簿记载事项：公民身份号码、姓名、性别、民族、出生日期、"
        "与户主关系、户籍地址和登记机关。",
        "person",
        (ID, NAME, SEX, ETHNICITY, BIRTH,
         F("relation", "与户主关系", "DE0015", "relation"),
         F("residence", "户籍地址", "DE0009", "address"), DIVISION,
         F("authority", "登记机关", "DE0063", "issuer"),
         F("registered", "登记日期", "DE0064", "issued")),
        keywords=("户口簿", "户籍", "常住人口", "居民户口簿"),
        certificate=True, share_condition=_VERIFY, update_frequency="realtime",
        issuer="{psb_branch}", since=1985,
    ),
    DatasetDef(
        "id_card", "psb", "居民身份证", "Resident identity card",
        "居民身份证登记项目：公民身份号码、姓名、性别、民族、出生日期、住址、签发机关和有效期限"
        "（不含指纹信息）。",
        "person",
        (ID, NAME, SEX, ETHNICITY, BIRTH, F("address", "住址", "DE0009", "address"),
         F("issuer", "签发机关", "DE0063", "issuer"), VALID_FROM,
         F("valid_until", "有效期截止日期（长期为空）", "DE0066", "id_card_until"), STATUS),
        keywords=("身份证", "居民身份证", "身份核验"),
        certificate=True, share_condition=_VERIFY, update_frequency="realtime",
        who="age16", issuer="{psb_branch}", since=2016, min_age=16,
    ),
    DatasetDef(
        "population", "psb", "人口基本信息", "Population basic information",
        "户籍人口的基本信息：身份号码、姓名、性别、民族、出生日期、国籍、婚姻状况、学历、"
        "户籍地行政区划和联系电话。",
        "person",
        (ID, NAME, SEX, ETHNICITY, BIRTH, F("nationality", "国籍", "DE0006", "const:CHN"),
         F("marital", "婚姻状况", "DE0007", "marital"),
         F("education", "学历", "DE0008", "education"), DIVISION, MOBILE, UPDATED),
        keywords=("人口", "户籍人口", "人口库"),
        share_condition=_SERVICE, update_frequency="realtime",
    ),
    DatasetDef(
        "no_criminal_record", "psb", "无犯罪记录证明", "Certificate of no criminal record",
        "公安机关为申请人出具的无犯罪记录证明：证明编号、开具单位、开具日期和有效期。",
        "person",
        (ID, NAME, _cert_no("证明编号"), F("issuer", "开具单位", "DE0063", "issuer"),
         F("issue_date", "开具日期", "DE0064", "issued"), VALID_UNTIL),
        keywords=("无犯罪记录证明", "证明", "犯罪记录"),
        certificate=True, share_condition="用于就业、出国（境）等事项中核验，须经本人授权",
        update_frequency="realtime", who="adult", share=0.04,
        number="苏公证明〔{year}〕{seq:06d}号", issuer="{psb_branch}", since=2024, valid_years=1,
        renewed=False,
    ),
    DatasetDef(
        "driving_licence", "psb", "机动车驾驶证", "Motor vehicle driving licence",
        "公安交通管理部门核发的机动车驾驶证信息：档案编号、准驾车型、初次领证日期、有效期。",
        "person",
        (ID, NAME, _cert_no("档案编号"),
         F("vehicle_class", "准驾车型", "DE0061", "arg:vehicle_class"),
         F("first_issued", "初次领证日期", "DE0064", "first_issued"),
         F("issuer", "发证机关", "DE0063", "issuer"), VALID_UNTIL, STATUS),
        keywords=("驾驶证", "驾照", "交通管理"),
        certificate=True, share_condition=_VERIFY, who="driver", share=0.6,
        number="3205{seq:08d}", issuer="江苏省苏州市公安局交通警察支队", since=1995,
        min_age=18, valid_years=6,
    ),
    DatasetDef(
        "fingerprints", "psb", "居民身份证指纹采集信息", "ID card fingerprint enrolment",
        "办理居民身份证时采集的指纹信息的登记记录（采集日期、采集机关）；生物识别信息依法保密。",
        "person",
        (ID, NAME, _date("enrolled", "采集日期"), F("authority", "采集机关", "DE0063", "issuer")),
        keywords=("指纹", "生物识别"),
        share_type="none",
        legal_basis="《中华人民共和国居民身份证法》第六条：公安机关对因制作、发放、查询、查验"
        "居民身份证而知悉的公民个人信息应当予以保密；《中华人民共和国个人信息保护法》第二十八条。",
        who="age16", share=0.05, issuer="{psb_branch}", since=2013, min_age=16,
    ),
    # 苏州市公安局吴江分局 -------------------------------------------------------------------
    DatasetDef(
        "wujiang_moves", "wujiang_psb", "吴江区户籍迁入登记信息", "Wujiang household moves",
        "迁入吴江区户籍人口的迁移登记：迁入日期、迁入地址和登记派出所。",
        "person",
        (ID, NAME, SEX, _date("moved_in", "迁入日期"),
         F("residence", "迁入地址", "DE0009", "address"), DIVISION,
         F("authority", "登记机关", "DE0063", "issuer")),
        keywords=("户籍迁移", "迁入", "吴江"),
        share_condition=_SERVICE, who="wujiang", share=0.25, since=2015,
        issuer="苏州市公安局吴江分局",
    ),
    # 苏州市民政局 ---------------------------------------------------------------------------
    DatasetDef(
        "marriage_certificate", "mca", "结婚证", "Marriage certificate",
        "婚姻登记机关核发的结婚证信息：结婚证字号、登记日期、登记机关及配偶身份信息。",
        "person",
        (ID, NAME, _cert_no("结婚证字号"), F("registered", "登记日期", "DE0064", "married_on"),
         F("authority", "登记机关", "DE0063", "issuer"),
         F("spouse_name", "配偶姓名", "DE0001", "spouse_name"),
         F("spouse_id", "配偶公民身份号码", "DE0002", "spouse_id")),
        keywords=("结婚证", "婚姻登记", "婚姻状况"),
        certificate=True, share_condition=_VERIFY, who="married",
        number="{marriage_no}", issuer="{marriage_local}民政局",
    ),
    DatasetDef(
        "subsistence_allowance", "mca", "最低生活保障证", "Subsistence allowance certificate",
        "城乡最低生活保障对象的保障证信息：证号、月保障金额、发证日期和有效期。",
        "person",
        (ID, NAME, _cert_no("保障证号"),
         F("monthly_amount", "月保障金额（元）", "DE0090", "money:300:1300", "general-3"),
         DIVISION, ISSUER, ISSUED, VALID_UNTIL),
        keywords=("低保", "最低生活保障", "社会救助"),
        certificate=True, share_condition="用于社会救助、教育资助、医疗救助等事项中核验救助对象",
        update_frequency="monthly", who="all", share=0.012,
        number="苏低保{div}{seq:06d}", issuer="{local}民政局", since=2022, valid_years=3,
    ),
    DatasetDef(
        "disability_card", "mca", "残疾人证", "Disability certificate",
        "第二代残疾人证信息（残疾人联合会核发，民政部门在残疾人两项补贴审核中汇聚）："
        "证号、发证日期和有效期。",
        "person",
        (ID, NAME, _cert_no("残疾人证号"), ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("残疾人证", "两项补贴", "残疾人"),
        certificate=True, share_condition="用于残疾人福利和补贴类事项中核验残疾情况，须经本人授权",
        who="all", share=0.02, number="{id}{r1digit}{r1grade}",
        issuer="苏州市残疾人联合会", since=2012, valid_years=10,
    ),
    DatasetDef(
        "elderly_allowance", "mca", "高龄老人尊老金发放信息", "Longevity allowance payments",
        "80周岁以上老年人尊老金的发放记录：发放月份、发放金额和户籍地。",
        "person",
        (ID, NAME, BIRTH, F("amount", "发放金额（元）", "DE0090", "elder_amount", "general-2"),
         _date("paid", "发放日期", "last_month"), DIVISION),
        keywords=("尊老金", "高龄补贴", "养老服务"),
        share_condition=_SERVICE, update_frequency="monthly", who="elderly80",
    ),
    # 苏州市人力资源和社会保障局 -------------------------------------------------------------
    DatasetDef(
        "social_security_card", "hrss", "社会保障卡", "Social security card",
        "第三代社会保障卡的持卡信息：社会保障卡号、发卡日期、有效期和卡状态。",
        "person",
        (ID, NAME, F("card_no", "社会保障卡号", "DE0068", "number", required=True), ISSUER,
         ISSUED, VALID_UNTIL, STATUS),
        keywords=("社保卡", "社会保障卡", "一卡通"),
        certificate=True, share_condition=_VERIFY, who="all", share=0.85,
        number="{letter}{r8:08d}", issuer="苏州市人力资源和社会保障局", since=2017,
        valid_years=10,
    ),
    DatasetDef(
        "pension_insurance", "hrss", "企业职工基本养老保险参保信息",
        "Basic pension insurance enrolment",
        "参保人员的养老保险参保状态、缴费基数、累计缴费月数和参保日期。",
        "person",
        (ID, NAME, F("insured", "参保状态", "DE0093", "bool:0.93"),
         F("base", "缴费基数（元）", "DE0091", "money:4494:25000"),
         F("months", "累计缴费月数", "DE0094", "months"), _date("enrolled", "参加工作日期"),
         DIVISION),
        keywords=("养老保险", "社保", "参保", "缴费"),
        share_condition="用于社会保障、就业、人才服务事项中核验参保情况",
        update_frequency="monthly", who="working", share=0.7, since=1995, min_age=18,
    ),
    DatasetDef(
        "unemployment_benefit", "hrss", "失业保险金领取信息", "Unemployment benefit payments",
        "领取失业保险金人员的领取期限和月领取金额。",
        "person",
        (ID, NAME, F("monthly_amount", "月领取金额（元）", "DE0090", "money:1800:2500",
                     "general-3"),
         F("from", "领取起始日期", "DE0065", "issued"), F("until", "领取截止日期", "DE0066",
                                                          "until")),
        keywords=("失业保险金", "失业", "待遇"),
        share_condition=_SERVICE, update_frequency="monthly", who="working", share=0.01,
        since=2025, valid_years=1, renewed=False,
    ),
    DatasetDef(
        "vocational_certificate", "hrss", "职业资格证书", "Vocational qualification certificate",
        "国家职业资格及职业技能等级证书信息：证书编号、职业（工种）、等级、发证日期。",
        "person",
        (ID, NAME, _cert_no("证书编号"), F("occupation", "职业（工种）及等级", "DE0061",
                                          "arg:occupation"),
         ISSUER, ISSUED, STATUS),
        keywords=("职业资格", "技能等级证书", "职业技能"),
        certificate=True, share_type="unconditional", who="professional", share=0.08,
        number="S{year}32050{r6:06d}{seq:05d}", issuer="苏州市职业技能鉴定中心", since=2008,
    ),
    DatasetDef(
        "employment_card", "hrss", "就业创业证", "Employment and entrepreneurship card",
        "就业创业证信息：证号、就业失业状态登记日期和发证机构。",
        "person",
        (ID, NAME, _cert_no("就业创业证编号"), ISSUER, ISSUED, STATUS),
        keywords=("就业创业证", "就业失业登记", "就业"),
        certificate=True, share_condition=_SERVICE, who="working", share=0.06,
        number="{div}{year}{seq:06d}", issuer="{local}人力资源和社会保障局", since=2015,
    ),
    DatasetDef(
        "employer_insurance", "hrss", "单位社会保险参保缴费证明",
        "Employer social insurance record",
        "用人单位社会保险参保缴费证明：参保职工人数对应的缴费月数、单位缴费金额和开具日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("证明编号"), F("months", "连续缴费月数", "DE0094", "months"),
         F("paid", "近一年单位缴费金额（元）", "DE0090", "money:20000:3000000", "general-3"),
         F("issue_date", "开具日期", "DE0064", "issued")),
        keywords=("社保缴费证明", "参保证明", "招投标"),
        certificate=True, share_condition="用于招投标、资质审批等事项中核验单位参保缴费情况",
        update_frequency="monthly", who="firm", share=0.6,
        number="SB{div}{year}{seq:06d}", since=2025,
    ),
    # 苏州市住房和城乡建设局 -----------------------------------------------------------------
    DatasetDef(
        "construction_qualification", "housing", "建筑施工企业资质证书",
        "Construction enterprise qualification certificate",
        "建筑业企业资质证书信息：证书编号、资质类别及等级、有效期和发证机关。",
        "enterprise",
        (CC, ENTITY, _cert_no("证书编号"), F("qualification", "资质类别及等级", "DE0061",
                                            "arg:qualification"),
         LEGAL_REP, ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("建筑业企业资质", "资质证书", "施工总承包"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="construction", number="D3{div}{seq:04d}", since=2016, valid_years=5,
    ),
    DatasetDef(
        "presale_permit", "housing", "商品房预售许可证", "Commercial housing presale permit",
        "房地产开发企业取得的商品房预售许可证：证号、项目坐落、预售面积和发证日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("预售许可证号"), F("location", "项目坐落", "DE0070",
                                                 "estate_location", "general-1"),
         F("area", "预售面积（平方米）", "DE0071", "area:8000:90000", "general-1"),
         ISSUER, ISSUED),
        keywords=("预售许可证", "商品房", "房地产"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="realestate", number="苏房预{local_short}{year}{seq:04d}号", since=2015,
    ),
    DatasetDef(
        "fire_acceptance", "housing", "建设工程消防验收意见书",
        "Fire protection acceptance of construction projects",
        "特殊建设工程消防验收意见书（2019年起由住房城乡建设主管部门出具）：文号、工程地址、"
        "验收日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("意见书文号"), F("location", "工程地址", "DE0070",
                                               "estate_location", "general-1"),
         F("issuer", "出具单位", "DE0063", "issuer"), ISSUED),
        keywords=("消防验收", "建设工程", "验收意见书"),
        certificate=True, share_condition="用于工程竣工验收备案和不动产登记等事项",
        who="builder", share=0.3, number="苏住建消验字〔{year}〕第{seq:04d}号", since=2019,
    ),
    DatasetDef(
        "housing_contracts", "housing", "商品房买卖合同网签备案信息",
        "Registered housing sale contracts",
        "商品房买卖合同网签备案记录：买受人、房屋坐落、建筑面积、合同金额和备案日期。",
        "person",
        (ID, NAME, F("location", "房屋坐落", "DE0070", "estate_location"),
         F("area", "建筑面积（平方米）", "DE0071", "area:45:180"),
         F("price", "合同金额（元）", "DE0090", "money:800000:6000000", "important"),
         _date("filed", "备案日期")),
        keywords=("网签备案", "商品房", "购房"),
        share_condition="用于住房限购、公积金贷款、落户等事项中核验购房情况",
        who="homebuyer", share=0.06, since=2012,
    ),
    # 苏州市自然资源和规划局 -----------------------------------------------------------------
    DatasetDef(
        "property_title", "nrp", "不动产权证书", "Real estate title certificate",
        "不动产登记簿记载的不动产权证书信息：证号、权利人、坐落、建筑面积和登记日期。",
        "person",
        (ID, NAME, F("title_no", "不动产权证号", "DE0067", "number", required=True),
         F("location", "坐落", "DE0070", "estate_location"),
         F("area", "建筑面积（平方米）", "DE0071", "area:40:220"),
         F("authority", "登记机构", "DE0063", "issuer"),
         F("registered", "登记日期", "DE0064", "issued"), STATUS),
        keywords=("不动产权证书", "房产证", "不动产登记"),
        certificate=True, share_condition="用于住房保障、落户、入学、公积金等事项中核验不动产情况",
        who="homebuyer", share=0.55,
        number="苏({year})苏州市不动产权第{seq:07d}号", issuer="苏州市不动产登记中心",
        since=2016,
    ),
    DatasetDef(
        "enterprise_property", "nrp", "单位不动产登记信息", "Real estate held by organisations",
        "企业等单位作为权利人的不动产登记信息：证号、坐落、面积和登记日期。",
        "enterprise",
        (CC, ENTITY, F("title_no", "不动产权证号", "DE0067", "number", required=True),
         F("location", "坐落", "DE0070", "estate_location", "general-2"),
         F("area", "建筑面积（平方米）", "DE0071", "area:300:30000"),
         F("registered", "登记日期", "DE0064", "issued")),
        keywords=("不动产登记", "单位不动产", "厂房"),
        share_condition=_SERVICE, who="firm", share=0.15,
        number="苏({year})苏州市不动产权第{seq:07d}号", since=2016,
    ),
    DatasetDef(
        "building_permit", "nrp", "建设工程规划许可证", "Construction project planning permit",
        "建设工程规划许可证信息：证号、建设单位、建设位置、建设规模和发证日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可证编号"), F("location", "建设位置", "DE0070",
                                               "estate_location", "general-1"),
         F("area", "建设规模（平方米）", "DE0071", "area:2000:120000", "general-1"), ISSUER,
         ISSUED),
        keywords=("建设工程规划许可证", "规划许可", "工程建设"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="builder", share=0.4, number="建字第320500{year}{seq:05d}号", since=2015,
    ),
    DatasetDef(
        "land_use_permit", "nrp", "建设用地规划许可证", "Land use planning permit",
        "建设用地规划许可证信息：证号、用地单位、用地位置、用地面积和发证日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可证编号"), F("location", "用地位置", "DE0070",
                                               "estate_location", "general-1"),
         F("area", "用地面积（平方米）", "DE0071", "area:5000:200000", "general-1"), ISSUER,
         ISSUED),
        keywords=("建设用地规划许可证", "用地", "规划"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="builder", share=0.25, number="地字第320500{year}{seq:05d}号", since=2015,
    ),
    # 苏州市生态环境局 -----------------------------------------------------------------------
    DatasetDef(
        "pollutant_permit", "eco", "排污许可证", "Pollutant discharge permit",
        "排污单位的排污许可证信息：证书编号、行业类别、有效期和发证机关。",
        "enterprise",
        (CC, ENTITY, _cert_no("证书编号"), F("industry", "行业门类", "DE0028", "industry"),
         C_ADDRESS, ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("排污许可证", "排污", "环境管理"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="manufacturing", share=0.6, number="{cc}001{permit_kind}", since=2018,
        valid_years=5,
    ),
    DatasetDef(
        "eia_approvals", "eco", "建设项目环境影响评价批复", "Environmental impact approvals",
        "建设项目环境影响报告书（表）的审批决定：批复文号、建设单位和批复日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("批复文号"), F("authority", "审批部门", "DE0063", "issuer"),
         _date("approved", "批复日期")),
        keywords=("环评", "环境影响评价", "审批"),
        share_type="unconditional", open_to_public=True,
        who="manufacturing", share=0.15, number="苏环建〔{year}〕{seq:04d}号", since=2016,
    ),
    DatasetDef(
        "eco_penalties", "eco", "生态环境行政处罚信息", "Environmental administrative penalties",
        "生态环境部门作出的行政处罚决定：文号、违法类型、罚款金额和决定日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("处罚决定书文号"), _date("decided", "处罚决定日期"),
         F("fine", "罚款金额（元）", "DE0090", "money:10000:500000", "general-1")),
        keywords=("环境处罚", "行政处罚", "信用"),
        share_type="unconditional", open_to_public=True, update_frequency="monthly",
        who="manufacturing", share=0.04, number="苏环罚字〔{year}〕{seq:03d}号", since=2020,
    ),
    # 苏州市卫生健康委员会 -------------------------------------------------------------------
    DatasetDef(
        "birth_certificate", "health", "出生医学证明", "Birth medical certificate",
        "助产机构签发的出生医学证明：编号、新生儿姓名、性别、出生日期、出生地点及母亲信息。",
        "person",
        (ID, NAME, SEX, BIRTH,
         F("cert_no", "出生医学证明编号", "DE0012", "birth_cert_no", required=True),
         F("birthplace", "出生地点", "DE0013", "hospital"),
         F("mother_name", "母亲姓名", "DE0010", "mother_name"),
         F("mother_id", "母亲公民身份号码", "DE0011", "mother_id"),
         F("issuer", "签发机构", "DE0063", "hospital_name"),
         F("issue_date", "签发日期", "DE0064", "birth_issued")),
        keywords=("出生医学证明", "出生证", "新生儿"),
        certificate=True, share_condition="用于出生登记、入户、医保参保和入学等事项中核验",
        who="child",
    ),
    DatasetDef(
        "physician_licence", "health", "医师执业证书", "Physician practising certificate",
        "医师执业注册信息：证书编码、执业类别、执业范围、主要执业机构和发证日期。",
        "person",
        (ID, NAME, _cert_no("证书编码"), F("category", "执业类别及范围", "DE0061",
                                          "arg:physician"),
         F("workplace", "主要执业机构", "DE0063", "hospital_name", "general-1"), ISSUER, ISSUED,
         STATUS),
        keywords=("医师执业证书", "医师", "执业注册"),
        certificate=True, share_type="unconditional", who="professional", share=0.012,
        number="1{r2:02d}320500{seq:06d}", issuer="苏州市卫生健康委员会", since=2005,
    ),
    DatasetDef(
        "nurse_licence", "health", "护士执业证书", "Nurse practising certificate",
        "护士执业注册信息：证书编号、执业地点、注册日期和有效期。",
        "person",
        (ID, NAME, _cert_no("证书编号"),
         F("workplace", "执业地点", "DE0063", "hospital_name", "general-1"), ISSUER, ISSUED,
         VALID_UNTIL, STATUS),
        keywords=("护士执业证书", "护士", "执业注册"),
        certificate=True, share_type="unconditional", who="nurse", share=0.03,
        number="{year}32{seq:07d}", issuer="苏州市卫生健康委员会", since=2016, valid_years=5,
    ),
    DatasetDef(
        "vaccination", "health", "儿童预防接种信息", "Child immunisation records",
        "适龄儿童预防接种证信息：建证日期、最近一次接种日期和监护人联系方式。",
        "person",
        (ID, NAME, BIRTH, F("guardian", "监护人姓名", "DE0010", "mother_name"),
         F("guardian_mobile", "监护人联系电话", "DE0050", "mother_mobile"),
         F("last_dose", "最近接种日期", "DE0080", "recent")),
        keywords=("预防接种", "疫苗", "入托入学查验"),
        share_condition="用于入托、入学预防接种证查验", who="infant",
    ),
    DatasetDef(
        "health_records", "health", "居民电子健康档案诊疗信息", "Electronic health records",
        "居民电子健康档案中的诊疗记录索引（建档机构、建档日期）；个人健康信息依法保护。",
        "person",
        (ID, NAME, _date("created", "建档日期"),
         F("facility", "建档机构", "DE0063", "hospital_name", "important")),
        keywords=("健康档案", "诊疗", "个人健康信息"),
        share_type="none",
        legal_basis="《中华人民共和国基本医疗卫生与健康促进法》第九十二条：国家保护公民个人健康"
        "信息；《中华人民共和国个人信息保护法》第二十八条（敏感个人信息）。",
        who="all", share=0.03, since=2010,
    ),
    # 苏州市应急管理局 -----------------------------------------------------------------------
    DatasetDef(
        "safety_licence", "ema", "安全生产许可证", "Work safety licence",
        "危险化学品生产企业、非煤矿山等取得的安全生产许可证：编号、许可范围、有效期。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可证编号"), F("scope", "许可范围", "DE0061", "arg:safety_scope"),
         LEGAL_REP, ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("安全生产许可证", "危险化学品", "安全生产"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="hazardous", share=0.6, number="(苏)WH安许证字[E{seq:05d}]",
        issuer="江苏省应急管理厅", since=2016, valid_years=3,
    ),
    DatasetDef(
        "hazchem_trading", "ema", "危险化学品经营许可证", "Hazardous chemicals trading licence",
        "危险化学品经营企业的经营许可证：编号、经营方式、有效期。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可证编号"), C_ADDRESS, ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("危险化学品经营许可证", "危化品", "经营许可"),
        certificate=True, share_type="unconditional", who="hazardous", share=0.5,
        number="苏苏危化经字〔{year}〕{seq:06d}", since=2017, valid_years=3,
    ),
    DatasetDef(
        "safety_penalties", "ema", "安全生产行政处罚信息", "Work safety administrative penalties",
        "应急管理部门作出的安全生产行政处罚决定：文号、决定日期和罚款金额。",
        "enterprise",
        (CC, ENTITY, _cert_no("处罚决定书文号"), _date("decided", "处罚决定日期"),
         F("fine", "罚款金额（元）", "DE0090", "money:5000:200000", "general-1")),
        keywords=("安全生产", "行政处罚", "执法"),
        share_type="unconditional", open_to_public=True, update_frequency="monthly",
        who="firm", share=0.02, number="(苏)应急罚〔{year}〕{seq:03d}号", since=2020,
    ),
    # 苏州市消防救援支队 ---------------------------------------------------------------------
    DatasetDef(
        "venue_fire_check", "fire", "公众聚集场所投入使用、营业前消防安全检查合格证",
        "Fire safety inspection certificate of public venues",
        "公众聚集场所投入使用、营业前消防安全检查意见书（合格证）：文号、场所地址和检查日期。",
        "enterprise",
        (CC, ENTITY, _cert_no("文号"), C_ADDRESS, ISSUER, ISSUED, STATUS),
        keywords=("消防安全检查", "公众聚集场所", "合格证"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="venue", share=0.5, number="苏消安检字〔{year}〕第{seq:04d}号", since=2019,
    ),
    DatasetDef(
        "fire_inspections", "fire", "消防监督检查信息", "Fire safety inspections",
        "消防救援机构对单位开展的消防监督检查记录：检查日期、检查结论和整改期限。",
        "enterprise",
        (CC, ENTITY, _date("inspected", "检查日期"), C_ADDRESS,
         F("rectify_by", "整改期限", "DE0066", "after:30")),
        keywords=("消防检查", "监督检查", "隐患整改"),
        share_condition="用于安全生产监管和信用监管", update_frequency="weekly",
        who="all", share=0.1, since=2024,
    ),
    # 苏州市医疗保障局 -----------------------------------------------------------------------
    DatasetDef(
        "medical_insurance", "hsa", "基本医疗保险参保信息", "Basic medical insurance enrolment",
        "职工和城乡居民基本医疗保险参保信息：参保状态、参保日期、参保地和缴费月数。",
        "person",
        (ID, NAME, F("insured", "参保状态", "DE0093", "bool:0.97"),
         _date("enrolled", "参保日期"), F("months", "累计缴费月数", "DE0094", "months"),
         DIVISION, UPDATED),
        keywords=("医保", "医疗保险", "参保"),
        share_condition="用于医疗救助、就医结算、人员参保核验等事项",
        update_frequency="daily", who="all", share=0.95, since=2000,
    ),
    DatasetDef(
        "chronic_disease", "hsa", "门诊慢特病待遇认定信息",
        "Outpatient chronic disease benefit approvals",
        "参保人门诊慢性病、特殊疾病待遇资格认定：认定日期和有效期（不含病种明细）。",
        "person",
        (ID, NAME, F("approved", "认定日期", "DE0065", "issued"), VALID_UNTIL),
        keywords=("慢特病", "门诊", "医保待遇"),
        share_condition="用于医保结算和医疗救助，须经本人授权", who="older", share=0.06,
        since=2023, valid_years=2, renewed=False,
    ),
    # 苏州市教育局 ---------------------------------------------------------------------------
    DatasetDef(
        "student_status", "edu", "中小学生学籍信息", "Primary and secondary school enrolment",
        "全国中小学生学籍信息管理系统中的学籍基本信息：学段、入学日期、监护人。",
        "person",
        (ID, NAME, SEX, BIRTH, F("stage", "当前学段", "DE0008", "school_stage"),
         _date("enrolled", "入学日期", "school_start"),
         F("guardian", "监护人姓名", "DE0010", "mother_name"),
         F("guardian_id", "监护人公民身份号码", "DE0011", "mother_id")),
        keywords=("学籍", "中小学", "义务教育"),
        share_condition="用于教育资助、随迁子女入学、医保参保等事项", who="school",
    ),
    DatasetDef(
        "teacher_certificate", "edu", "教师资格证书", "Teacher qualification certificate",
        "教师资格证书信息：证书号码、资格种类、任教学科和发证日期。",
        "person",
        (ID, NAME, _cert_no("证书号码"), F("kind", "资格种类及任教学科", "DE0061",
                                          "arg:teacher"),
         ISSUER, ISSUED),
        keywords=("教师资格证", "教师", "资格认定"),
        certificate=True, share_type="unconditional", who="professional", share=0.025,
        number="{year}320{r1}{seq:07d}", issuer="{local}教育局", since=2005,
    ),
    # 苏州市交通运输局 -----------------------------------------------------------------------
    DatasetDef(
        "road_transport_licence", "transport", "道路运输经营许可证",
        "Road transport operating licence",
        "从事道路货物运输、旅客运输的经营者取得的道路运输经营许可证：证号、经营范围、有效期。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可证号"), F("scope", "经营范围", "DE0061", "arg:transport"),
         ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("道路运输经营许可证", "货运", "客运"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="logistics", share=0.8, number="苏交运管许可苏字{div}{seq:06d}号", since=2014,
        valid_years=6,
    ),
    DatasetDef(
        "transport_worker", "transport", "道路运输从业人员从业资格证",
        "Road transport worker qualification",
        "道路运输驾驶员等从业人员的从业资格证：证号、从业资格类别、有效期。",
        "person",
        (ID, NAME, _cert_no("从业资格证号", "important"), F("category", "从业资格类别",
                                                          "DE0061", "arg:driver_kind"),
         ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("从业资格证", "驾驶员", "道路运输"),
        certificate=True, share_condition=_VERIFY, who="driver", share=0.03,
        number="{id}", issuer="苏州市交通运输局", since=2014, valid_years=6,
    ),
    # 苏州市大数据管理局 ---------------------------------------------------------------------
    DatasetDef(
        "population_base", "bureau", "人口综合库基础信息", "Population base library",
        "汇聚公安、民政、人社、卫健等部门数据形成的人口基础信息库核心项。",
        "person",
        (ID, NAME, SEX, BIRTH, DIVISION, MOBILE, UPDATED),
        keywords=("人口库", "基础库", "数据共享"),
        share_condition=_SERVICE, update_frequency="daily", base=True,
    ),
    DatasetDef(
        "legal_entity_base", "bureau", "法人综合库基础信息", "Legal entity base library",
        "汇聚市场监管、税务、人社等部门数据形成的法人基础信息库核心项。",
        "enterprise",
        (CC, ENTITY, F("entity_type", "市场主体类型", "DE0022", "enterprise_type"), LEGAL_REP,
         F("established", "成立日期", "DE0026", "established"),
         F("business_status", "经营状态", "DE0030", "business_status"), C_DIVISION, UPDATED),
        keywords=("法人库", "基础库", "企业"),
        share_type="unconditional", open_to_public=True, update_frequency="daily", base=True,
    ),
    # 江苏省大数据管理中心 -------------------------------------------------------------------
    DatasetDef(
        "realname_users", "js_bigdata", "江苏政务服务网实名认证用户信息",
        "Jiangsu government service real-name users",
        "在江苏政务服务网完成实名认证的自然人用户：认证证件类型、认证日期和手机号码。",
        "person",
        (ID, NAME, F("document", "认证证件类型", "DE0062", "const:111"), MOBILE,
         _date("verified", "认证日期")),
        keywords=("实名认证", "统一身份认证", "政务服务网"),
        share_condition="用于统一身份认证和一网通办事项办理", who="adult", share=0.5, since=2018,
        min_age=16,
    ),
    DatasetDef(
        "ydtb_certificates", "js_bigdata", "长三角“一网通办”企业电子证照调用目录",
        "Yangtze River Delta one-stop enterprise certificates",
        "长三角“一网通办”跨省通办中可调用电子营业执照的企业目录及最近调用日期。",
        "enterprise",
        (CC, ENTITY, _date("last_used", "最近调用日期", "recent")),
        keywords=("长三角", "一网通办", "电子证照", "跨省通办"),
        share_type="unconditional", update_frequency="daily", who="firm", share=0.3,
    ),
    # 苏州市姑苏区行政审批局 -----------------------------------------------------------------
    DatasetDef(
        "public_health_permit", "gusu_approval", "公共场所卫生许可证",
        "Public place health permit",
        "姑苏区理发美容、住宿、沐浴等公共场所经营者取得的卫生许可证：编号、经营项目、有效期。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可证编号"), F("project", "经营项目", "DE0061", "arg:venue_kind"),
         C_ADDRESS, ISSUER, ISSUED, VALID_UNTIL, STATUS),
        keywords=("卫生许可证", "公共场所", "姑苏区"),
        certificate=True, share_type="unconditional", open_to_public=True,
        who="gusu_service", number="苏姑卫公字〔{year}〕第{seq:04d}号", since=2019,
        valid_years=4,
    ),
    DatasetDef(
        "gusu_approvals", "gusu_approval", "姑苏区行政许可办件信息",
        "Gusu district licensing cases",
        "姑苏区相对集中行政许可的办件结果：申请主体、办结日期和许可文号。",
        "enterprise",
        (CC, ENTITY, _cert_no("许可文号"), _date("completed", "办结日期")),
        keywords=("行政许可", "办件", "一网通办"),
        share_type="unconditional", who="gusu", share=0.5,
        number="姑审批许字〔{year}〕{seq:05d}号", since=2020,
    ),
)
# fmt: on

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
