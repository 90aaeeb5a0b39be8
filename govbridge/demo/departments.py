"""The departments of the demo city of Suzhou (苏州市, division 320500), with valid codes.

Every department carries a unified social credit code (GB 32100):
characters 1-2 the registration category (11 机关, 12 事业单位), 3-8 the division
code, 9-17 the organisation code (GB 11714: 8 characters and their own check
character), 18 the MOD 31 check character. Organisation codes are written out
below, so the table is the same on every run; departments set up or renamed in
the 2018-2019 reform carry the newer "MB..." form, older ones the numeric form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from govbridge.core.identifiers import (
    CREDIT_CODE_ALPHABET,
    make_credit_code,
)

Level = Literal["province", "city", "district"]

CITY_DIVISION = "320500"  # 苏州市
PROVINCE_DIVISION = "320000"  # 江苏省

# Built from GB 11714 organisation codes (core.identifiers.organization_code).
CREDIT_ALPHABET = CREDIT_CODE_ALPHABET
credit_code = make_credit_code


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    key: str
    code: str
    name: str
    name_en: str
    level: Level
    vertically_managed: bool
    division_code: str
    parent_key: str | None


def _dept(
    key: str,
    org_body: str,
    name: str,
    name_en: str,
    *,
    level: Level = "city",
    division: str = CITY_DIVISION,
    category: str = "11",
    vertical: bool = False,
    parent: str | None = None,
) -> DepartmentSpec:
    return DepartmentSpec(
        key=key,
        code=credit_code(category, division, org_body),
        name=name,
        name_en=name_en,
        level=level,
        vertically_managed=vertical,
        division_code=division,
        parent_key=parent,
    )


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    # The data bureau runs the platform.
    _dept("bureau", "MB1J4168", "苏州市大数据管理局", "Suzhou Big Data Administration"),
    _dept("amr", "MB1J3742", "苏州市市场监督管理局", "Suzhou Administration for Market Regulation"),
    _dept(
        "tax",
        "MB1D8126",
        "国家税务总局苏州市税务局",
        "Suzhou Municipal Tax Service, State Taxation Administration",
        vertical=True,
    ),
    _dept("psb", "01416024", "苏州市公安局", "Suzhou Public Security Bureau"),
    _dept("mca", "01416083", "苏州市民政局", "Suzhou Civil Affairs Bureau"),
    _dept(
        "hrss",
        "01416139",
        "苏州市人力资源和社会保障局",
        "Suzhou Human Resources and Social Security Bureau",
    ),
    _dept(
        "housing",
        "01416210",
        "苏州市住房和城乡建设局",
        "Suzhou Housing and Urban-Rural Development Bureau",
    ),
    _dept(
        "nrp", "MB1J2458", "苏州市自然资源和规划局", "Suzhou Natural Resources and Planning Bureau"
    ),
    _dept("eco", "MB1J2571", "苏州市生态环境局", "Suzhou Ecology and Environment Bureau"),
    _dept("health", "MB1J2604", "苏州市卫生健康委员会", "Suzhou Health Commission"),
    _dept("ema", "MB1J2839", "苏州市应急管理局", "Suzhou Emergency Management Bureau"),
    _dept(
        "fire", "MB1E6057", "苏州市消防救援支队", "Suzhou Fire and Rescue Detachment", vertical=True
    ),
    _dept("hsa", "MB1J3315", "苏州市医疗保障局", "Suzhou Healthcare Security Administration"),
    _dept("edu", "01416051", "苏州市教育局", "Suzhou Education Bureau"),
    _dept("transport", "01416147", "苏州市交通运输局", "Suzhou Transport Bureau"),
    # Province level: the provincial data centre (a public institution, category 12).
    _dept(
        "js_bigdata",
        "MB1C9720",
        "江苏省大数据管理中心",
        "Jiangsu Big Data Administration Center",
        level="province",
        division=PROVINCE_DIVISION,
        category="12",
    ),
    # District level, each under the city department of its line.
    _dept(
        "gusu_approval",
        "MB1H0492",
        "苏州市姑苏区行政审批局",
        "Administrative Approval Bureau of Gusu District, Suzhou",
        level="district",
        division="320508",
        parent="bureau",
    ),
    _dept(
        "kunshan_amr",
        "MB1K2266",
        "昆山市市场监督管理局",
        "Kunshan Administration for Market Regulation",
        level="district",
        division="320583",
        parent="amr",
    ),
    _dept(
        "wujiang_psb",
        "01413876",
        "苏州市公安局吴江分局",
        "Wujiang Branch of Suzhou Public Security Bureau",
        level="district",
        division="320509",
        parent="psb",
    ),
)

DEPARTMENTS_BY_KEY: dict[str, DepartmentSpec] = {d.key: d for d in DEPARTMENTS}

if len(DEPARTMENTS_BY_KEY) != len(DEPARTMENTS) or len({d.code for d in DEPARTMENTS}) != len(
    DEPARTMENTS
):  # pragma: no cover - a typo in the table above
    raise RuntimeError("demo department keys and codes must be unique")


def department(key: str) -> DepartmentSpec:
    """The department with this key; `KeyError` if there is none."""
    return DEPARTMENTS_BY_KEY[key]
