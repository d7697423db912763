"""What a bureau's files call each catalog field: Chinese labels, variants, national abbreviations.

Plain data, applied to the layer types by :mod:`geoplan.data.catalog`, so every field's names are
declared in one place and used by the importer, the app's mapping table and ``layers --docs``.
Keys are catalog field names; matching happens after normalisation
(:func:`geoplan.data.columns.normalise_header`: full-width → half-width, case, spaces and bracketed
units removed), so ``实缴税金（万元）`` matches ``实缴税金``.

Sources: 控规 database abbreviations (DKBH 地块编号, YDDM 用地代码, YDXZ 用地性质, YDMJ 用地面积, RJL
容积率, JZMD 建筑密度, LDL 绿地率), 三调 地类图斑 (BSM, DLBM, DLMC, TBMJ, QSDWMC, ZLDWMC, CZCSXM,
KCXS, SJNF), 不动产 宗地 (ZDDM, QLR, TDYT) as listed in the reference's land-use crosswalk notes,
which mark them as recalled, not checked against the standards' text (verified: no); the Chinese
variants are common usage in bureau exports.
"""

from __future__ import annotations

_STATUS = {
    "已建": "built", "已建成": "built", "建成": "built", "现状": "built", "现状保留": "built",
    "保留": "built", "在建": "under_construction", "建设中": "under_construction",
    "闲置": "idle", "批而未用": "idle", "空闲": "idle", "储备": "reserve", "未建": "reserve",
    "规划": "reserve", "待建": "reserve", "未出让": "reserve",
}  # fmt: skip

_AREA = ("用地面积", "地块面积", "YDMJ", "面积", "宗地面积", "ZDMJ", "占地面积", "净用地面积")

#: layer type → field → column names (first the preferred one).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "parcels": {
        "parcel_id": ("地块编号", "地块号", "地块代码", "宗地号", "宗地编号", "宗地代码", "DKBH",
                      "DKDM", "ZDDM", "ZDH", "编号", "地块ID"),
        "land_use": ("用地代码", "用地性质代码", "用地类别代码", "用地分类代码", "用地用海代码",
                     "用地用海分类代码", "规划用地代码", "地类代码", "YDDM", "YDXZDM", "YDLBDM",
                     "用地性质", "YDXZ", "用地类别"),
        "area_m2": _AREA,
        "far": ("容积率", "RJL", "规划容积率", "容积率上限"),
        "coverage": ("建筑系数", "JZXS", "建筑密度", "JZMD"),
        "status": ("状态", "建设状态", "现状", "JSZT", "开发状态", "用地状态"),
        "plate": ("板块", "所在板块", "片区", "组团", "评价单元", "街道", "单元"),
        "lease_start": ("出让年份", "供地年份", "出让时间", "供地时间", "出让日期"),
        "holder": ("土地使用权人", "使用权人", "权利人", "QLR", "用地单位"),
        "green_ratio": ("绿地率", "LDL"),
        "admin_ratio": ("行政办公及生活服务设施用地比例", "行政办公比例", "配套用地比例"),
        "investment": ("固定资产投资", "投资额", "总投资"),
        "idle_since": ("闲置起始年", "闲置年份"),
        "standard_land": ("标准地", "是否标准地"),
        "commit_far": ("承诺容积率",),
        "commit_investment_per_mu": ("承诺亩均投资", "承诺投资强度"),
        "commit_tax_per_mu": ("承诺亩均税收",),
        "commit_energy_per_va": ("承诺单位增加值能耗", "承诺能耗"),
    },
    "firms": {
        "firm_id": ("企业编号", "企业代码", "企业ID", "编号"),
        "parcel_id": ("所在地块", "地块编号", "宗地号", "宗地代码", "DKBH", "ZDDM"),
        "name": ("企业名称", "纳税人名称", "单位名称", "公司名称", "QYMC", "名称"),
        "industry": ("产业", "产业类别", "所属产业", "产业分类", "主导产业"),
        "scale": ("规模", "是否规上", "规上规下", "企业规模", "是否规模以上"),
        "tax": ("税收", "实缴税金", "税收总额", "纳税总额", "实缴税收", "入库税收", "税收合计",
                "全口径税收", "实缴税款", "纳税额"),
        "revenue": ("营业收入", "主营业务收入", "销售收入", "营收", "营业总收入"),
        "value_added": ("增加值", "工业增加值"),
        "energy_tce": ("综合能耗", "能耗", "综合能源消费量", "能源消费量"),
        "employees": ("从业人员", "职工人数", "年平均职工人数", "从业人数", "员工人数", "年末从业人员"),
        "emissions_t": ("主要污染物排放", "污染物排放量", "排放量"),
        "electricity_mwh": ("用电量", "电量", "工业用电量", "全年用电量"),
        "rd_spend": ("研发经费", "R&D经费", "研发投入", "研究与试验发展经费", "研发费用"),
        "fixed_investment": ("固定资产投资", "固定资产投资额"),
        "tenure": ("用地方式", "用地类型", "自有或租赁"),
        "rented_floor_m2": ("租用建筑面积", "租赁面积", "租用面积"),
        "founded": ("成立年份", "成立日期", "成立时间", "注册时间", "注册日期"),
        "high_tech": ("高新技术企业", "是否高新技术企业", "是否高企", "高企"),
        "sector": ("行业门类",),
        "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "纳税人识别号", "TYSHXYDM", "NSRSBH"),
        "industry_code": ("行业代码", "国民经济行业代码", "所属行业代码", "国标行业代码", "HYDM"),
        "lon": ("经度", "lng", "lon", "longitude", "X坐标", "东经"),
        "lat": ("纬度", "lat", "latitude", "Y坐标", "北纬"),
    },
    "landuse_survey": {
        "patch_id": ("BSM", "标识码", "TBBH", "图斑编号"),
        "land_use": ("DLBM", "地类编码"),
        "area_m2": ("TBMJ", "图斑面积"),
        "land_use_name": ("DLMC", "地类名称"),
        "owner": ("QSDWMC", "权属单位名称"),
        "location": ("ZLDWMC", "坐落单位名称"),
        "town_attr": ("CZCSXM", "城镇村属性码"),
        "deduct_ratio": ("KCXS", "扣除地类系数"),
        "survey_year": ("SJNF", "数据年份"),
    },
    "units": {
        "unit_id": ("单元编号", "编号", "代码"),
        "name": ("名称", "单元名称", "街道", "板块", "组团"),
    },
    "land_register": {
        "parcel_id": ("宗地代码", "ZDDM", "宗地号", "地块编号"),
        "credit_code": ("统一社会信用代码", "权利人证件号", "信用代码", "证件号码"),
        "holder": ("权利人", "QLR", "权利人名称"),
        "use": ("土地用途", "TDYT"),
    },
    "zone": {"name": ("名称", "园区名称")},
    "roads": {
        "road_id": ("道路编号", "编号", "DLBH"),
        "name": ("道路名称", "名称", "路名", "DLMC"),
        "road_class": ("道路等级", "等级", "DLDJ"),
        "status": ("状态", "建设状态"),
        "width_m": ("红线宽度", "道路宽度", "宽度", "HXKD"),
    },
    "facilities": {
        "facility_id": ("设施编号", "编号"),
        "name": ("设施名称", "名称"),
        "kind": ("设施类型", "类型", "类别"),
        "status": ("状态", "建设状态"),
        "area_m2": ("占地面积", "用地面积"),
        "capacity": ("规模", "班数", "床位数", "学位数"),
    },
}  # fmt: skip

#: layer type → field → {spelling: stored value}.
_BUILD = {"已建": "built", "已建成": "built", "现状": "built", "建成": "built", "在建": "under_construction",
          "规划": "planned", "拟建": "planned", "待建": "planned"}  # fmt: skip

VALUE_SPELLINGS: dict[str, dict[str, dict[str, str]]] = {
    "parcels": {"status": _STATUS},
    "roads": {
        "road_class": {
            "快速路": "expressway",
            "高速公路": "expressway",
            "主干路": "arterial",
            "主干道": "arterial",
            "次干路": "secondary",
            "次干道": "secondary",
            "支路": "branch",
        },
        "status": _BUILD,
    },
    "facilities": {
        "kind": {
            "公园": "park",
            "游园": "park",
            "绿地": "park",
            "学校": "school",
            "小学": "school",
            "中学": "school",
            "初中": "school",
            "高中": "school",
            "九年一贯制学校": "school",
            "幼儿园": "kindergarten",
            "医院": "hospital",
            "社区卫生服务中心": "clinic",
            "卫生服务站": "clinic",
            "诊所": "clinic",
            "高校": "university",
            "大学": "university",
            "科研机构": "research",
            "体育场馆": "sports",
            "文化设施": "culture",
            "其他": "other",
        },
        "status": {"现状": "existing", "已建": "existing", "规划": "planned", "拟建": "planned"},
    },
    "firms": {
        "scale": {"规上": "规上", "规模以上": "规上", "规下": "规下", "规模以下": "规下"},
        "tenure": {"自有": "own", "自建": "own", "租赁": "rent", "承租": "rent", "租用": "rent"},
    },
}
