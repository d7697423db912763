"""Texts of map titles, legends and the print map's frame: ``{key: (zh, en)}``."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "legend": ("图例", "Legend"),
    "km": ("千米", "km"),
    "metre": ("米", "m"),
    "map_note_sample": (
        "示意图：样例数据依据公开规划生成，非官方数据，不作为审批依据。",
        "Illustrative (示意): sample data generated from public plans; not official, not for approvals.",
    ),
    "map_source_zone": (
        "{name} 提供的资料(经 GeoPlan 导入)",
        "Files provided by {name} (imported with GeoPlan)",
    ),
    "map_source": (
        "大连高新区“十三五”“十四五”规划（公开文本）；GeoPlan 示意样例数据",
        "Dalian High-tech Zone 13th/14th Five-Year Plans (public text); GeoPlan illustrative sample",
    ),
    "map_source_label": ("数据来源：", "Source: "),
    "map_date": ("制图日期：{date}", "Made on {date}"),
    "map_crs_note": (
        "坐标系：园区工作坐标系（CGCS2000 横轴墨卡托，米）· GeoPlan",
        "CRS: the zone's working CRS (CGCS2000 transverse Mercator, metres) · GeoPlan",
    ),
    "map_title_layout": (
        "{zone} 空间布局图（{structure}）",
        "{zone}: spatial layout ({structure})",
    ),
    "map_title_parcels": ("地块图 · {what}", "Parcels · {what}"),
    "map_title_muyield": ("{zone} 亩均效益评价图（{what}）", "{zone}: 亩均 evaluation ({what})"),
    "map_title_infra": (
        "{zone} {kind}负载与服务范围（{phase}）",
        "{zone}: {kind} load and catchments ({phase})",
    ),
    "map_title_diff": ("情景变化图：{name}（对比 {base}）", "Scenario changes: {name} (vs {base})"),
    "map_title_chain": ("{zone} 一链一图：{chain}", "{zone}: one chain, one map — {chain}"),
    "map_title_tier": ("{zone} 企业梯队密度：{tier}", "{zone}: firm density — {tier}"),
    "map_title_indicator": ("{zone} {indicator}（按{unit}）", "{zone}: {indicator} by {unit}"),
    "download_png": ("PNG 图片", "PNG image"),
    "download_pdf": ("PDF 打印版", "PDF for print"),
    "download_html": ("HTML 交互图", "HTML map"),
    "paper": ("纸张", "Paper"),
    "print_prepare": ("生成打印图", "Make the print map"),
    "print_preparing": ("正在生成打印图…", "Making the print map…"),
    "html_key_note": (
        "导出的 HTML 不含天地图密钥；在线底图会把密钥发送到浏览器，离线导出请用“无底图”。",
        "Exported HTML never holds the 天地图 key; online basemaps send it to the browser — "
        "choose “none” for offline exports.",
    ),
}
