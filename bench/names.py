"""Name material for the demo/benchmark data generator (bench/generate.py).

Everything here is plain data: real administrative division codes with their names, surname frequencies,
characters for given names and trade names (字号), industries, and the templates from which organisation,
department and legal-basis strings are built. The generator draws from these tables with its seeded
random generator, so changing any table changes the generated data (but never its determinism).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Region:
    """A county-level division (GB/T 2260) used for USCC positions 3-8, ID-number address codes and ``region``."""

    code: str
    province: str  # 黑龙江省
    city: str  # 大庆市 (for municipalities the municipality: 北京市)
    district: str  # 萨尔图区
    short: str  # 大庆: the city as it appears in enterprise names
    csrc: str  # the CSRC bureau's place name: 黑龙江 (大连, 厦门, 深圳 have their own bureaus)
    intermediate_court: str  # the intermediate people's court above the district court
    weight: int  # relative number of subjects registered there

    @property
    def full(self) -> str:
        """City and district together, as used in district-level authority names: 大庆市萨尔图区."""
        return self.city + self.district


REGIONS: Final[tuple[Region, ...]] = (
    Region("110105", "北京市", "北京市", "朝阳区", "北京", "北京", "北京市第三中级人民法院", 6),
    Region("110108", "北京市", "北京市", "海淀区", "北京", "北京", "北京市第一中级人民法院", 5),
    Region("120101", "天津市", "天津市", "和平区", "天津", "天津", "天津市第二中级人民法院", 2),
    Region("130102", "河北省", "石家庄市", "长安区", "石家庄", "河北", "石家庄市中级人民法院", 2),
    Region("140105", "山西省", "太原市", "小店区", "太原", "山西", "太原市中级人民法院", 2),
    Region("210202", "辽宁省", "大连市", "中山区", "大连", "大连", "大连市中级人民法院", 2),
    Region("230103", "黑龙江省", "哈尔滨市", "南岗区", "哈尔滨", "黑龙江", "哈尔滨市中级人民法院", 3),
    Region("230602", "黑龙江省", "大庆市", "萨尔图区", "大庆", "黑龙江", "大庆市中级人民法院", 4),
    Region("230604", "黑龙江省", "大庆市", "让胡路区", "大庆", "黑龙江", "大庆市中级人民法院", 3),
    Region("310104", "上海市", "上海市", "徐汇区", "上海", "上海", "上海市第一中级人民法院", 4),
    Region("310115", "上海市", "上海市", "浦东新区", "上海", "上海", "上海市第一中级人民法院", 6),
    Region("320102", "江苏省", "南京市", "玄武区", "南京", "江苏", "南京市中级人民法院", 3),
    Region("320205", "江苏省", "无锡市", "锡山区", "无锡", "江苏", "无锡市中级人民法院", 2),
    Region("320506", "江苏省", "苏州市", "吴中区", "苏州", "江苏", "苏州市中级人民法院", 3),
    Region("330106", "浙江省", "杭州市", "西湖区", "杭州", "浙江", "杭州市中级人民法院", 4),
    Region("340104", "安徽省", "合肥市", "蜀山区", "合肥", "安徽", "合肥市中级人民法院", 2),
    Region("350203", "福建省", "厦门市", "思明区", "厦门", "厦门", "厦门市中级人民法院", 2),
    Region("360102", "江西省", "南昌市", "东湖区", "南昌", "江西", "南昌市中级人民法院", 2),
    Region("370102", "山东省", "济南市", "历下区", "济南", "山东", "济南市中级人民法院", 3),
    Region("370303", "山东省", "淄博市", "张店区", "淄博", "山东", "淄博市中级人民法院", 2),
    Region("370306", "山东省", "淄博市", "周村区", "淄博", "山东", "淄博市中级人民法院", 3),
    Region("410105", "河南省", "郑州市", "金水区", "郑州", "河南", "郑州市中级人民法院", 3),
    Region("420106", "湖北省", "武汉市", "武昌区", "武汉", "湖北", "武汉市中级人民法院", 3),
    Region("430104", "湖南省", "长沙市", "岳麓区", "长沙", "湖南", "长沙市中级人民法院", 2),
    Region("440106", "广东省", "广州市", "天河区", "广州", "广东", "广州市中级人民法院", 5),
    Region("440305", "广东省", "深圳市", "南山区", "深圳", "深圳", "深圳市中级人民法院", 5),
    Region("441602", "广东省", "河源市", "源城区", "河源", "广东", "河源市中级人民法院", 2),
    Region("441623", "广东省", "河源市", "连平县", "连平", "广东", "河源市中级人民法院", 3),
    Region("450103", "广西壮族自治区", "南宁市", "青秀区", "南宁", "广西", "南宁市中级人民法院", 2),
    Region("500103", "重庆市", "重庆市", "渝中区", "重庆", "重庆", "重庆市第五中级人民法院", 3),
    Region("510104", "四川省", "成都市", "锦江区", "成都", "四川", "成都市中级人民法院", 4),
    Region("530102", "云南省", "昆明市", "五华区", "昆明", "云南", "昆明市中级人民法院", 3),
    Region("530103", "云南省", "昆明市", "盘龙区", "昆明", "云南", "昆明市中级人民法院", 3),
    Region("610113", "陕西省", "西安市", "雁塔区", "西安", "陕西", "西安市中级人民法院", 3),
)

# ---------------------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------------------

# (surname, relative frequency in per mille); the compound surnames are rare on purpose.
# fmt: off
SURNAMES: Final[tuple[tuple[str, float], ...]] = (
    ("王", 71), ("李", 70), ("张", 68), ("刘", 54), ("陈", 46), ("杨", 31), ("赵", 23), ("黄", 22),
    ("周", 21), ("吴", 20), ("徐", 17), ("孙", 15), ("胡", 13), ("朱", 13), ("高", 12), ("林", 12),
    ("何", 12), ("郭", 11), ("马", 11), ("罗", 9), ("梁", 8), ("宋", 8), ("郑", 8), ("谢", 7),
    ("韩", 6), ("唐", 6), ("冯", 6), ("于", 6), ("董", 5), ("萧", 3), ("程", 5), ("曹", 5),
    ("袁", 5), ("邓", 5), ("许", 4), ("傅", 4), ("沈", 4), ("曾", 4), ("彭", 4), ("吕", 4),
    ("苏", 4), ("卢", 4), ("蒋", 4), ("蔡", 4), ("贾", 3), ("丁", 3), ("魏", 3), ("薛", 3),
    ("叶", 3), ("阎", 3), ("余", 3), ("潘", 3), ("杜", 3), ("戴", 3), ("夏", 3), ("钟", 3),
    ("汪", 3), ("田", 3), ("任", 3), ("姜", 3), ("范", 3), ("方", 3), ("石", 3), ("姚", 3),
    ("谭", 3), ("廖", 2), ("邹", 2), ("熊", 2), ("金", 2), ("陆", 2), ("郝", 2), ("孔", 2),
    ("白", 2), ("崔", 2), ("康", 2), ("毛", 2), ("邱", 2), ("秦", 2), ("江", 2), ("史", 2),
    ("顾", 2), ("侯", 2), ("邵", 2), ("孟", 2), ("龙", 2), ("万", 2), ("段", 2), ("雷", 2),
    ("钱", 2), ("汤", 2), ("尹", 2), ("黎", 2), ("易", 2), ("常", 2), ("武", 2), ("乔", 2),
    ("贺", 2), ("赖", 2), ("龚", 2), ("文", 2), ("欧阳", 0.6), ("司马", 0.2), ("诸葛", 0.1), ("上官", 0.1),
    ("司徒", 0.15), ("东方", 0.1), ("皇甫", 0.1), ("慕容", 0.05), ("令狐", 0.05), ("夏侯", 0.05),
)
# fmt: on

GIVEN_MALE: Final[str] = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志海峰亮东文晨博昊然轩子睿泽天宏振家"
    "嘉成永庆德荣生春发金利兵新良光福瑞彬毅庭"
)
GIVEN_FEMALE: Final[str] = (
    "芳娜敏静丽艳娟霞秀英玲燕婷雪慧琳颖倩莉晶梅红兰萍洁琴云丹璐欣怡佳雨悦涵梦思诗晓玉蕾薇瑶婉月淑凤春美"
)

# ---------------------------------------------------------------------------------------------------
# Enterprises
# ---------------------------------------------------------------------------------------------------

# Two-character trade names (字号) are one character from each list (never the same character twice).
BRAND_FIRST: Final[str] = (
    "华鑫恒宏金瑞盛泰隆兴鼎嘉博通达诚信聚荣安康德顺丰裕新创天海明远正中永昌汇联龙凯万豪东方润晟佳源富祥鸿"
)
BRAND_SECOND: Final[str] = "达通源泰兴盛华信诚丰顺昌利发鑫辉宇远成和润邦业航峰翔力方林星晨锐智腾展拓越汇誉驰"


@dataclass(frozen=True)
class Industry:
    name: str  # the industry word in the enterprise name: 建筑工程
    weight: float  # relative frequency among enterprises
    domains: tuple[str, ...]  # domain slugs its entries most often fall in
    licensed: bool = False  # employs registered practitioners (注册执业人员)


INDUSTRIES: Final[tuple[Industry, ...]] = (
    Industry("科技", 9, ("market_supervision", "intellectual_property")),
    Industry("商贸", 9, ("market_supervision", "tax", "consumer_protection")),
    Industry("建筑工程", 5, ("construction_quality", "labour_social_security", "safety_production"), True),
    Industry("房地产开发", 2, ("real_estate_land", "construction_quality")),
    Industry("物业管理", 2, ("real_estate_land", "consumer_protection", "fire_safety")),
    Industry("餐饮管理", 4, ("food_drug", "fire_safety")),
    Industry("食品", 3, ("food_drug", "product_quality")),
    Industry("医药", 2, ("food_drug", "medical_health"), True),
    Industry("医疗器械", 1, ("medical_health", "product_quality"), True),
    Industry("化工", 2, ("environment", "safety_production")),
    Industry("石油化工", 1, ("environment", "safety_production", "special_equipment")),
    Industry("机械制造", 3, ("product_quality", "special_equipment", "safety_production")),
    Industry("电子", 2, ("product_quality", "compulsory_certification")),
    Industry("纺织", 1, ("environment", "labour_social_security")),
    Industry("服装", 2, ("product_quality", "import_export")),
    Industry("建材", 2, ("product_quality", "environment")),
    Industry("物流", 3, ("transport", "customs")),
    Industry("运输", 2, ("transport", "safety_production")),
    Industry("汽车销售", 2, ("consumer_protection", "product_quality")),
    Industry("劳务派遣", 1, ("labour_social_security",)),
    Industry("信息技术", 3, ("cyberspace", "e_commerce")),
    Industry("网络科技", 3, ("e_commerce", "cyberspace")),
    Industry("文化传媒", 2, ("cyberspace", "market_supervision")),
    Industry("投资管理", 2, ("finance", "securities")),
    Industry("融资担保", 0.5, ("finance",)),
    Industry("小额贷款", 0.5, ("finance",)),
    Industry("农业开发", 2, ("agricultural_inputs", "environment")),
    Industry("农资", 1, ("agricultural_inputs",)),
    Industry("环保科技", 1, ("environment",)),
    Industry("新能源", 1, ("power", "environment")),
    Industry("电力工程", 1, ("power", "safety_production"), True),
    Industry("矿业", 1, ("safety_production", "environment", "capacity_reduction")),
    Industry("钢铁", 0.5, ("capacity_reduction", "environment")),
    Industry("煤炭", 0.5, ("capacity_reduction", "safety_production")),
    Industry("酒店管理", 1, ("fire_safety", "food_drug")),
    Industry("旅游开发", 1, ("consumer_protection",)),
    Industry("教育咨询", 1, ("education", "consumer_protection")),
    Industry("供应链管理", 2, ("tax", "customs")),
    Industry("进出口贸易", 2, ("customs", "import_export")),
    Industry("工程监理", 0.7, ("construction_quality",), True),
    Industry("工程造价咨询", 0.5, ("construction_quality", "public_resource_trading"), True),
    Industry("装饰工程", 2, ("construction_quality", "fire_safety")),
    Industry("安装工程", 1, ("special_equipment", "construction_quality"), True),
    Industry("印刷", 0.5, ("environment", "intellectual_property")),
    Industry("盐业", 0.2, ("salt",)),
    Industry("计量检测", 0.3, ("price_metrology",), True),
    Industry("燃气", 0.5, ("special_equipment", "safety_production")),
    Industry("电子认证", 0.1, ("electronic_certification",)),
    Industry("生物科技", 1, ("food_drug", "intellectual_property")),
    Industry("人力资源", 1, ("labour_social_security",)),
    Industry("广告", 1, ("market_supervision", "consumer_protection")),
    Industry("会计师事务所", 0.3, ("finance", "fiscal_funds", "securities"), True),
    Industry("资产评估", 0.2, ("finance", "real_estate_land"), True),
)

# (suffix, relative frequency) for ordinary enterprises; branches end in 分公司, holding hubs in 集团.
ENTERPRISE_SUFFIXES: Final[tuple[tuple[str, float], ...]] = (
    ("有限公司", 0.80),
    ("有限责任公司", 0.11),
    ("股份有限公司", 0.09),
)
JOINT_STOCK_SUFFIX: Final[str] = "股份有限公司"
HUB_WORDS: Final[tuple[str, ...]] = (
    "投资控股集团有限公司",
    "控股集团有限公司",
    "实业集团有限公司",
    "控股集团股份有限公司",
)

# ---------------------------------------------------------------------------------------------------
# Social organisations, public institutions, government bodies (templates over a Region)
# ---------------------------------------------------------------------------------------------------

# fmt: off
SOCIAL_SECTORS: Final[tuple[str, ...]] = (
    "建筑业", "餐饮", "物流", "汽车流通", "软件", "食品工业", "医药", "房地产业", "旅游", "家具", "钢铁",
    "电子商务", "物业管理", "石油化工", "个体劳动者", "保险", "中小企业", "民营企业", "建筑装饰", "家政服务",
)
# fmt: on
# fmt: off
SOCIAL_FIELDS: Final[tuple[str, ...]] = (
    "医学会", "会计学会", "土木建筑学会", "计算机学会", "心理学会", "统计学会", "护理学会", "法学会", "环境科学学会",
)
# fmt: on

# (template, GB 32100 category code under registration department 5 (民政)): 1 社会团体, 2 民办非企业单位, 3 基金会.
# Placeholders: {c} city (大庆市), {sector}, {field}, {brand}.
SOCIAL_TEMPLATES: Final[tuple[tuple[str, str, float], ...]] = (
    ("{c}{sector}行业协会", "1", 4),
    ("{c}{sector}商会", "1", 2),
    ("{c}{field}", "1", 1.5),
    ("{c}{brand}慈善基金会", "3", 0.7),
    ("{c}{brand}职业培训学校", "2", 2),
    ("{c}{brand}养老服务中心", "2", 1.5),
    ("{c}{brand}社会工作服务中心", "2", 1),
    ("{c}{brand}幼儿园", "2", 1.5),
)

CHINESE_ORDINALS: Final[tuple[str, ...]] = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

# (template, licensed, weight). Placeholders: {c} city, {d} city + district, {n} ordinal.
PUBLIC_INSTITUTION_TEMPLATES: Final[tuple[tuple[str, bool, float], ...]] = (
    ("{c}第{n}人民医院", True, 3),
    ("{c}人民医院", True, 1),
    ("{c}中医医院", True, 1),
    ("{c}妇幼保健院", True, 1),
    ("{c}疾病预防控制中心", True, 0.7),
    ("{d}人民医院", True, 1.5),
    ("{d}公证处", True, 0.5),
    ("{c}第{n}中学", False, 3),
    ("{c}实验中学", False, 1),
    ("{d}第{n}小学", False, 3),
    ("{d}第{n}幼儿园", False, 1.5),
    ("{c}图书馆", False, 0.5),
    ("{c}职业技术学院", False, 0.7),
    ("{c}广播电视台", False, 0.4),
    ("{c}不动产登记中心", False, 0.5),
    ("{c}公共资源交易中心", False, 0.5),
    ("{c}产品质量监督检验所", False, 0.4),
    ("{c}档案馆", False, 0.3),
    ("{c}博物馆", False, 0.3),
)

# fmt: off
GOVERNMENT_DEPARTMENTS: Final[tuple[str, ...]] = (
    "市场监督管理局", "生态环境局", "应急管理局", "人力资源和社会保障局", "住房和城乡建设局", "交通运输局", "教育局",
    "财政局", "自然资源和规划局", "农业农村局", "商务局", "发展和改革委员会", "卫生健康委员会", "文化和旅游局",
    "水务局", "民政局", "司法局", "统计局", "医疗保障局", "城市管理局", "税务局",
)
# fmt: on
# (template, weight) over {c} city / {d} city + district / {dept}.
GOVERNMENT_TEMPLATES: Final[tuple[tuple[str, float], ...]] = (
    ("{c}{dept}", 5),
    ("{d}{dept}", 4),
    ("{d}人民政府", 1),
    ("{c}人民政府国有资产监督管理委员会", 0.3),
)

# ---------------------------------------------------------------------------------------------------
# Entries: deciding departments and legal bases
# ---------------------------------------------------------------------------------------------------

# Department templates per domain. {c} city, {d} city + district, {s} short city, {p} CSRC bureau place,
# {ic} intermediate court.
DEPARTMENTS: Final[dict[str, tuple[str, ...]]] = {
    "judicial": ("{d}人民法院", "{d}人民法院", "{ic}"),
    "tax": ("国家税务总局{c}税务局", "国家税务总局{d}税务局"),
    "market_supervision": ("{c}市场监督管理局", "{d}市场监督管理局"),
    "food_drug": ("{c}市场监督管理局", "{d}市场监督管理局"),
    "product_quality": ("{c}市场监督管理局", "{d}市场监督管理局"),
    "special_equipment": ("{c}市场监督管理局",),
    "compulsory_certification": ("{c}市场监督管理局",),
    "price_metrology": ("{c}市场监督管理局", "{d}市场监督管理局"),
    "consumer_protection": ("{c}市场监督管理局", "{d}市场监督管理局"),
    "intellectual_property": ("{c}市场监督管理局（知识产权局）",),
    "environment": ("{c}生态环境局",),
    "safety_production": ("{c}应急管理局", "{d}应急管理局"),
    "fire_safety": ("{c}消防救援支队",),
    "labour_social_security": ("{c}人力资源和社会保障局", "{d}人力资源和社会保障局"),
    "construction_quality": ("{c}住房和城乡建设局", "{d}住房和城乡建设局"),
    "real_estate_land": ("{c}自然资源和规划局", "{c}住房和城乡建设局"),
    "transport": ("{c}交通运输局",),
    "customs": ("{s}海关",),
    "import_export": ("{s}海关",),
    "finance": ("中国人民银行{c}分行", "{c}地方金融管理局"),
    "securities": ("中国证券监督管理委员会{p}监管局",),
    "medical_health": ("{c}卫生健康委员会", "{c}医疗保障局"),
    "education": ("{c}教育局", "{d}教育局"),
    "statistics": ("{c}统计局",),
    "fiscal_funds": ("{c}财政局",),
    "public_resource_trading": ("{c}发展和改革委员会", "{c}住房和城乡建设局"),
    "agricultural_inputs": ("{c}农业农村局",),
    "e_commerce": ("{c}商务局", "{c}市场监督管理局"),
    "power": ("{c}发展和改革委员会",),
    "salt": ("{c}工业和信息化局",),
    "electronic_certification": ("{c}工业和信息化局",),
    "capacity_reduction": ("{c}发展和改革委员会",),
    "cyberspace": ("{c}互联网信息办公室",),
    "national_defence": ("{c}人民政府征兵办公室",),
    "volunteering": ("共青团{c}委员会",),
    "government_integrity": ("{c}发展和改革委员会", "{c}社会信用体系建设领导小组办公室"),
    "other": ("{c}发展和改革委员会",),
}

_GUIDING_OPINION: Final[str] = (
    "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
)

# Legal bases per list type; black/focus/red use DOMAIN_BASES when the domain has one.
LIST_BASES: Final[dict[str, tuple[str, ...]]] = {
    "court_defaulter": (
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "《中华人民共和国民事诉讼法》第二百六十六条",
    ),
    "serious_illegal": (
        "《市场监督管理严重违法失信名单管理办法》第二条",
        "《严重违法失信企业名单管理暂行办法》第五条",
    ),
    "abnormal_operation": ("《企业信息公示暂行条例》第十七条", "《企业经营异常名录管理暂行办法》第四条"),
    "major_tax_case": ("《重大税收违法失信主体信息公布管理办法》第六条",),
    "listed_company_violation": ("《中华人民共和国证券法》第一百九十七条", "《上市公司信息披露管理办法》第五十二条"),
    "safety_production": ("《安全生产严重失信主体名单管理办法》第五条",),
    "finance_serious": ("《关于对涉金融严重失信人实施联合惩戒的合作备忘录》（发改财金〔2017〕454号）",),
    "gov_dishonesty": ("《国务院关于加强政务诚信建设的指导意见》（国发〔2016〕76号）",),
    "black": (_GUIDING_OPINION,),
    "focus": (_GUIDING_OPINION,),
    "red": (_GUIDING_OPINION,),
}

# The focus list (重点关注名单) comes from Daqing's plan (seed 001); entries there cite it.
FOCUS_LIST_PLANS: Final[dict[str, str]] = {
    "大庆市": "《大庆市建立完善守信联合激励和失信联合惩戒制度实施方案》四（六）",
}

DOMAIN_BASES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "black": {
        "environment": ("《中华人民共和国环境保护法》第六十三条", "《企业环境信用评价办法（试行）》第十六条"),
        "food_drug": ("《中华人民共和国食品安全法》第一百三十五条", "《中华人民共和国药品管理法》第一百一十八条"),
        "labour_social_security": (
            "《保障农民工工资支付条例》第四十八条",
            "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第五条",
        ),
        "construction_quality": ("《建筑市场信用管理暂行办法》第十四条",),
        "product_quality": ("《中华人民共和国产品质量法》第五十条",),
        "public_resource_trading": ("《中华人民共和国招标投标法》第五十四条", "《中华人民共和国政府采购法》第七十七条"),
        "fire_safety": ("《中华人民共和国消防法》第六十条",),
        "special_equipment": ("《中华人民共和国特种设备安全法》第八十三条",),
        "customs": ("《中华人民共和国海关注册登记和备案企业信用管理办法》第十一条",),
        "tax": ("《重大税收违法失信主体信息公布管理办法》第六条",),
        "finance": ("《防范和处置非法集资条例》第三十条",),
        "securities": ("《证券期货市场诚信监督管理办法》第十条",),
        "e_commerce": ("《中华人民共和国电子商务法》第七十五条",),
        "consumer_protection": ("《中华人民共和国消费者权益保护法》第五十六条",),
        "medical_health": ("《医疗保障基金使用监督管理条例》第四十条", "《医疗机构管理条例》第四十七条"),
        "education": ("《国家教育考试违规处理办法》第九条",),
        "statistics": ("《中华人民共和国统计法》第三十七条",),
        "real_estate_land": ("《城市房地产开发经营管理条例》第三十五条",),
        "agricultural_inputs": ("《农药管理条例》第五十二条",),
        "intellectual_property": ("《中华人民共和国专利法》第六十八条",),
        "price_metrology": ("《中华人民共和国价格法》第四十一条",),
        "transport": ("《道路运输条例》第六十六条",),
    },
    "focus": {
        "environment": ("《企业环境信用评价办法（试行）》第十五条",),
        "food_drug": ("《中华人民共和国食品安全法》第一百一十三条",),
        "labour_social_security": ("《保障农民工工资支付条例》第四十八条",),
        "tax": ("《纳税信用管理办法（试行）》第十九条",),
        "construction_quality": ("《建筑市场信用管理暂行办法》第十三条",),
    },
    "red": {
        "tax": ("《纳税信用管理办法（试行）》第二十八条",),
        "customs": ("《中华人民共和国海关注册登记和备案企业信用管理办法》第八条",),
        "volunteering": ("《志愿服务条例》第三十二条",),
        "market_supervision": ("《守合同重信用企业公示活动管理办法》第八条",),
        "environment": ("《企业环境信用评价办法（试行）》第十五条",),
    },
}

# Domains of list types with one fixed domain.
FIXED_DOMAINS: Final[dict[str, str]] = {
    "court_defaulter": "judicial",
    "serious_illegal": "market_supervision",
    "abnormal_operation": "market_supervision",
    "major_tax_case": "tax",
    "listed_company_violation": "securities",
    "safety_production": "safety_production",
    "finance_serious": "finance",
    "gov_dishonesty": "government_integrity",
}

# Domain pools for black, focus and red entries (used when the subject's industry does not decide).
# fmt: off
BLACK_DOMAINS: Final[dict[str, tuple[str, ...]]] = {
    "enterprise": (
        "environment", "food_drug", "labour_social_security", "construction_quality", "product_quality",
        "public_resource_trading", "fire_safety", "customs", "transport", "e_commerce",
        "special_equipment",
    ),
    "person": (
        "labour_social_security", "transport", "education", "finance", "medical_health",
        "tax",
    ),
    "social_org": ("other", "fiscal_funds", "education", "medical_health"),
    "public_institution": ("medical_health", "education", "fiscal_funds", "statistics"),
    "government": ("government_integrity",),
}
# fmt: on
# fmt: off
# One domain per key domain of 001 五(二) (the default and daqing profiles' key_domains), so that W1's planted
# cases count as many key domains as domains.
FOCUS_DOMAINS: Final[tuple[str, ...]] = (
    "food_drug", "environment", "safety_production", "product_quality", "tax", "finance", "securities",
    "market_supervision", "judicial",
)
# fmt: on
RED_DOMAINS: Final[dict[str, tuple[str, ...]]] = {
    "enterprise": ("tax", "customs", "market_supervision", "labour_social_security", "environment", "transport"),
    "person": ("volunteering", "tax"),
    "social_org": ("volunteering", "market_supervision"),
    "public_institution": ("medical_health", "education"),
    "government": ("government_integrity",),
}

# Responsibility findings (负有直接责任) as the deciding documents put them.
FINDING_BASES: Final[tuple[str, ...]] = (
    "处罚决定书 认定其负有直接责任",
    "行政处罚决定书认定其为直接负责的主管人员",
    "行政处罚决定书认定其为其他直接责任人员",
    "事故调查报告认定其对事故发生负有直接责任",
    "刑事判决书认定其为直接负责的主管人员",
    "税务处理决定书认定其为直接责任人员",
    "认定书认定其对失信行为负有直接责任",
)
