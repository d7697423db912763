"""Words of the 省级高新区 (province) page: ``{key: (zh, en)}``."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "prov_page": ("省级对标", "Province"),
    "prov_title": ("{province}高新区对标与动态评价", "{province}: high-tech zones side by side"),
    "prov_intro": (
        "依据《辽宁省高新技术产业开发区发展规划（2017—2020年）》（种子文件003）整理的 {n} 个省级以上高新区；"
        "每项事实标注原文行号。",
        "The {n} zones of the Liaoning high-tech zone plan 2017–2020 (seed 003); every fact cites its "
        "line.",
    ),
    "prov_m_zones": ("高新区", "Zones"),
    "prov_m_levels": ("国家级 / 省级", "National / provincial"),
    "prov_m_area": ("总面积（km²）", "Total area (km²)"),
    "prov_m_one_industry": ("符合一区一产业", "Meeting one zone, one industry"),
    "prov_m_yellow": ("黄牌", "Yellow cards"),
    "prov_m_delist": ("摘牌", "Delisted"),
    "prov_table": ("对标表", "Benchmarking table"),
    "prov_col_zone": ("高新区", "Zone"),
    "prov_col_city": ("所在市", "City"),
    "prov_col_level": ("级别", "Level"),
    "prov_col_mgmt": ("管理模式", "Management"),
    "prov_col_lead_n": ("主导产业数", "Lead industries"),
    "prov_col_one": ("一区一产业（1–2个）", "One zone, one industry (1–2)"),
    "prov_col_lead": ("主导产业", "Lead industry list"),
    "prov_col_clusters": ("产业集群数", "Clusters"),
    "prov_col_makers": ("众创空间数", "Makerspaces"),
    "prov_col_platforms": ("技术创新平台数", "Innovation platforms"),
    "prov_col_funds": ("投资基金", "Funds"),
    "prov_col_year": ("评价年度", "Year"),
    "prov_col_score": ("综合得分", "Score"),
    "prov_col_card": ("考核结果", "Result"),
    "prov_col_folder": ("园区数据", "Zone data"),
    "prov_level_national": ("国家级", "national"),
    "prov_level_provincial": ("省级", "provincial"),
    "prov_mgmt_merged": ("管委会与行政区合并", "merged with the district"),
    "prov_mgmt_dispatched": ("派出机关", "dispatched agency"),
    "prov_card_none": ("合格", "passed"),
    "prov_card_yellow": ("不合格·亮黄牌", "failed: yellow card"),
    "prov_card_delist": ("连续两年不合格·摘牌", "failed twice: delisted"),
    "prov_card_missing": ("未录入", "no values"),
    "prov_ok": ("符合", "yes"),
    "prov_not_ok": ("不符合", "no"),
    "prov_has_folder": ("已建园区数据", "has a zone folder"),
    "prov_map": ("高新区分布（近似点位）", "Zones (approximate points)"),
    "prov_map_note": (
        "点位为所在城市中心附近的近似位置（未核实），原文未给出边界或坐标，仅作示意，不可量算。",
        "Points are approximate positions near each city's centre (not verified); the seed gives no "
        "boundaries or coordinates — for orientation only, do not measure.",
    ),
    "prov_eval": (
        "动态评价（开发程度、产业集聚度、技术创新能力、创新创业环境）",
        "Dynamic evaluation",
    ),
    "prov_eval_rule": (
        "规则（{source}）：当年考核不合格→通报批评并亮黄牌；连续两年不合格→摘牌。得分 = 各维度加权平均"
        "（权重 {weights}），低于 {fail} 分为不合格。权重与不合格线为参数：原文只给出规则，未给出公式。",
        "Rule ({source}): failing a year → criticised and a yellow card; failing two years running → "
        "delisted. Score = weighted mean of the dimensions (weights {weights}); below {fail} fails. "
        "Weights and the fail line are parameters: the seed gives the rule, not the formula.",
    ),
    "prov_drill": (
        "园区数据对比（亩均、低效用地、基础设施）",
        "Zones with data: 亩均, 低效用地, infrastructure",
    ),
    "prov_drill_none": ("尚无园区数据文件夹。", "No zone folder yet."),
    "prov_col_low_n": ("低效用地（宗）", "Inefficient land (parcels)"),
    "prov_col_low_mu": ("低效用地（亩）", "Inefficient land (mu)"),
    "prov_col_power": ("变电容量利用率", "Substation utilisation"),
    "prov_col_sewage": ("污水处理利用率", "Sewage utilisation"),
    "prov_col_class": ("{c}类企业", "Class {c} firms"),
    "prov_sample": (
        "示意：评价分值为随机生成的示例数据，并非省级考核结果；请替换为实际考核数据。",
        "Illustrative: the evaluation values are generated examples, not provincial results; "
        "replace them with the assessed values.",
    ),
    "prov_dash": ("—", "—"),
}
