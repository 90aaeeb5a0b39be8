"""Code tables of the national standards that data elements refer to.

GB/T 2260 (administrative divisions) is not copied here: it is reached through
`govbridge.core.identifiers`, which reads the table python-stdnum ships.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pycountry


@dataclass(frozen=True)
class CodeTable:
    name: str
    title_zh: str
    title_en: str
    standard: str
    entries: dict[str, str] = field(default_factory=dict)


SEX = CodeTable(
    "sex",
    "人的性别代码",
    "Sex",
    "GB/T 2261.1-2003",
    {"0": "未知的性别", "1": "男性", "2": "女性", "9": "未说明的性别"},
)

_ETHNIC = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
ETHNICITY = CodeTable(
    "ethnicity",
    "中国各民族名称的罗马字母拼写法和代码",
    "Ethnic group",
    "GB/T 3304-1991",
    {
        **{f"{i:02d}": n for i, n in enumerate(_ETHNIC, start=1)},
        "97": "其他",
        "98": "外国血统中国籍人士",
    },
)
MARITAL = CodeTable(
    "marital",
    "婚姻状况代码",
    "Marital status",
    "GB/T 2261.2-2003",
    {
        "10": "未婚",
        "20": "已婚",
        "21": "初婚",
        "22": "再婚",
        "23": "复婚",
        "30": "丧偶",
        "40": "离婚",
        "90": "未说明的婚姻状况",
    },
)
EDUCATION = CodeTable(
    "education",
    "学历代码",
    "Education",
    "GB/T 4658-2006",
    {
        "10": "研究生教育",
        "11": "博士研究生毕业",
        "14": "硕士研究生毕业",
        "20": "大学本科教育",
        "21": "大学本科毕业",
        "30": "专科教育",
        "31": "专科毕业",
        "40": "中等职业教育",
        "60": "普通高级中学教育",
        "70": "初级中学教育",
        "80": "小学教育",
        "90": "其他",
    },
)
# Market entity types as used in enterprise registration (市场主体类型), after the
# SAMR registration code list; the common ones only.
ENTERPRISE_TYPE = CodeTable(
    "enterprise_type",
    "市场主体类型",
    "Market entity type",
    "市场主体登记管理类型代码",
    {
        "1100": "有限责任公司",
        "1110": "有限责任公司(国有独资)",
        "1130": "有限责任公司(自然人投资或控股)",
        "1150": "有限责任公司(外商投资)",
        "1200": "股份有限公司",
        "1210": "股份有限公司(上市)",
        "2000": "非公司企业法人",
        "4000": "个人独资企业",
        "5000": "合伙企业",
        "9100": "个体工商户",
        "9200": "农民专业合作社",
    },
)
ID_DOCUMENT = CodeTable(
    "id_document",
    "常用证件代码",
    "Identity document type",
    "GA/T 517-2004",
    {
        "111": "居民身份证",
        "112": "临时居民身份证",
        "113": "户口簿",
        "114": "中国人民解放军军官证",
        "335": "机动车驾驶证",
        "414": "普通护照",
        "511": "台湾居民来往大陆通行证",
        "516": "港澳居民来往内地通行证",
        "553": "外国人永久居留身份证",
        "990": "其他证件",
    },
)
INDUSTRY = CodeTable(
    "industry",
    "国民经济行业分类（门类）",
    "Industry section",
    "GB/T 4754-2017",
    {
        "A": "农、林、牧、渔业",
        "B": "采矿业",
        "C": "制造业",
        "D": "电力、热力、燃气及水生产和供应业",
        "E": "建筑业",
        "F": "批发和零售业",
        "G": "交通运输、仓储和邮政业",
        "H": "住宿和餐饮业",
        "I": "信息传输、软件和信息技术服务业",
        "J": "金融业",
        "K": "房地产业",
        "L": "租赁和商务服务业",
        "M": "科学研究和技术服务业",
        "N": "水利、环境和公共设施管理业",
        "O": "居民服务、修理和其他服务业",
        "P": "教育",
        "Q": "卫生和社会工作",
        "R": "文化、体育和娱乐业",
        "S": "公共管理、社会保障和社会组织",
        "T": "国际组织",
    },
)
BUSINESS_STATUS = CodeTable(
    "business_status",
    "经营状态",
    "Business status",
    "登记状态代码",
    {"1": "存续（在营、开业、在册）", "2": "吊销", "3": "注销", "4": "迁出", "9": "其他"},
)
CERTIFICATE_STATUS = CodeTable(
    "certificate_status",
    "证照状态",
    "Certificate status",
    "GB/T 36904-2018",
    {"1": "有效", "2": "注销", "3": "吊销", "4": "过期", "5": "作废"},
)

_NATIONALITY_ZH = {
    "CHN": "中国",
    "HKG": "中国香港",
    "MAC": "中国澳门",
    "TWN": "中国台湾",
    "USA": "美国",
    "JPN": "日本",
    "KOR": "韩国",
    "GBR": "英国",
    "DEU": "德国",
    "FRA": "法国",
    "SGP": "新加坡",
    "CAN": "加拿大",
    "AUS": "澳大利亚",
}


@cache
def _nationality() -> CodeTable:
    entries = {c.alpha_3: _NATIONALITY_ZH.get(c.alpha_3, c.name) for c in pycountry.countries}
    return CodeTable(
        "nationality",
        "世界各国和地区名称代码",
        "Nationality",
        "GB/T 2659-2000",
        dict(sorted(entries.items())),
    )


_STATIC = {
    t.name: t
    for t in (
        SEX,
        ETHNICITY,
        MARITAL,
        EDUCATION,
        ENTERPRISE_TYPE,
        ID_DOCUMENT,
        INDUSTRY,
        BUSINESS_STATUS,
        CERTIFICATE_STATUS,
    )
}
NAMES: tuple[str, ...] = (*_STATIC, "nationality")


def code_table(name: str) -> CodeTable | None:
    if name == "nationality":
        return _nationality()
    return _STATIC.get(name)


def all_tables() -> list[CodeTable]:
    return [t for n in NAMES if (t := code_table(n)) is not None]
