"""Suitability (城镇建设适宜性): factor and constraint names, candidate-table headers, CLI lines.

``{key: (zh, en)}``; see :mod:`geoplan.text`.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # factors (geoplan.standards.suitability.FACTORS)
    "suit_factor_slope": ("坡度", "Slope"),
    "suit_factor_road_distance": ("距道路距离", "Distance to roads"),
    "suit_factor_built_distance": ("距建成区距离", "Distance to built-up land"),
    "suit_factor_facility_distance": ("距有余量设施距离", "Distance to facilities with headroom"),
    # hard-constraint masks (geoplan.standards.suitability.CONSTRAINTS)
    "suit_con_forest_park": ("森林公园", "Forest park"),
    "suit_con_ecological_core": ("生态核心区", "Ecological core"),
    "suit_con_water_source": ("水源保护区", "Water-source protection"),
    "suit_con_coastal_setback": ("海岸建筑退缩线", "Coastal setback"),
    "suit_con_steep_slope": ("陡坡", "Steep slope"),
    "suit_con_built": ("现状建设用地", "Existing built parcels"),
    "suit_con_other": ("其他刚性管控", "Other hard constraint"),
    "suit_con_total": ("合计（并集）", "Total (union)"),
    # tables
    "suit_col_factor": ("因子", "Factor"),
    "suit_col_weight": ("权重", "Weight"),
    "suit_col_candidate_id": ("编号", "ID"),
    "suit_col_area_mu": ("面积（亩）", "Area (mu)"),
    "suit_col_mean_score": ("平均评分", "Mean score"),
    "suit_col_road_distance_m": ("距道路（米）", "Distance to road (m)"),
    "suit_col_plate": ("板块", "Plate"),
    "suit_col_structure_element": ("组团", "Structure element"),
    "suit_col_in_zone": ("位于园区内", "Inside the zone"),
    "suit_none": ("—", "—"),
    # CLI human output
    "suit_cli_head": (
        "建设适宜性评价 — {dem}（{width}×{height} 个栅格，{cell} 米，{crs}）",
        "Land suitability — {dem} ({width}×{height} cells, {cell} m, {crs})",
    ),
    "suit_cli_land": ("陆域分析面积", "Land analysed"),
    "suit_cli_suitable": ("适宜用地（评分 ≥ {min_score}）", "Suitable land (score ≥ {min_score})"),
    "suit_cli_excluded": ("刚性约束排除：", "Excluded by hard constraints:"),
    "suit_cli_candidates": (
        "候选用地（≥ {min_area} 亩）：{n} 处，共 {area} 亩",
        "Candidate areas (≥ {min_area} mu): {n}, {area} mu in all",
    ),
    "suit_cli_candidate": (
        "{id}  {area} 亩  评分 {score}  {plate} / {element}",
        "{id}  {area} mu  score {score}  {plate} / {element}",
    ),
    "suit_cli_area": ("{area} 亩", "{area} mu"),
    "suit_cli_written": ("已写出{what}：{path}", "Wrote the {what}: {path}"),
    "suit_out_raster": ("适宜性栅格", "suitability raster"),
    "suit_out_factors": ("因子图层", "factor layers"),
    "suit_out_constraints": ("约束掩膜", "constraint mask"),
    "suit_out_candidates": ("候选用地", "candidate areas"),
    "suit_out_zonal": ("分区统计", "zonal statistics"),
}
