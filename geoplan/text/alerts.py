"""Alerts and warnings from the analyses (infrastructure, coverage, scenarios).

``{key: (zh, en)}``; see :mod:`geoplan.text`. The infrastructure balance
(:mod:`geoplan.analysis.infrastructure.balance`) writes its alert ``message`` / ``message_en``
from the ``infra_alert_*`` keys; the CLI's human output and the app show a facility's status
(``ok`` / ``high`` / ``overload`` / ``n1`` / ``not_in_service``) through ``alert_status_*``.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- facility kinds (inside alert sentences) -------------------------------------------------
    "infra_kind_substation": ("变电所", "substation"),
    "infra_kind_sewage_plant": ("污水处理厂", "sewage plant"),
    # --- a facility's status word (CLI tables, app tables) ---------------------------------------
    # (the same words as the app's facility tables, ``in_alert_*`` in geoplan.text.app)
    "alert_status_ok": ("正常", "OK"),
    "alert_status_high": ("负载偏高", "High load"),
    "alert_status_overload": ("超载", "Overloaded"),
    "alert_status_n1": ("不满足N-1", "Fails N-1"),
    "alert_status_not_in_service": ("未投运", "Not in service"),
    "alert_status_unserved": ("未覆盖", "Unserved"),
    "alert_status_straight_line": ("直线分配", "Straight line"),
    "alert_status_upstream_outside": ("区外供电", "Fed from outside"),
    # --- alert severities ------------------------------------------------------------------------
    "alert_severity_error": ("严重", "error"),
    "alert_severity_warning": ("警告", "warning"),
    "alert_severity_info": ("提示", "info"),
    # --- alert sentences (fields: name, unit, demand, capacity, utilisation, threshold, firm) -----
    "infra_alert_overload": (
        "{name} 超载: 需求 {demand:,.0f} > 容量 {capacity:,.0f} {unit}",
        "{name} overloaded: demand {demand:,.0f} > capacity {capacity:,.0f} {unit}",
    ),
    "infra_alert_high": (
        "{name} 负载率 {utilisation:.1%} (> {threshold:.0%})",
        "{name} utilisation {utilisation:.1%} (> {threshold:.0%})",
    ),
    "infra_alert_n1": (
        "{name} 不满足N-1: 需求 {demand:,.1f} > 单台主变退出后容量 {firm:,.1f} {unit}",
        "{name} fails N-1: demand {demand:,.1f} > capacity with one transformer out "
        "{firm:,.1f} {unit}",
    ),
    "infra_alert_unserved": (
        "{n} 个地块 ({area_mu:,.0f} 亩, {demand:,.0f} {unit}) 不在任何在运{kind_zh}的服务半径内",
        "{n} parcels ({area_mu:,.0f} mu, {demand:,.0f} {unit}) are beyond the supply radius of "
        "every {kind_en} in service",
    ),
    # n: unreachable parcels (catchments.unreachable, all parcels); m: those carrying demand in
    # the phase that were assigned by straight line
    "infra_alert_straight_line": (
        "{n} 个地块路网不可达 (附近无道路或仅连孤立路段), 其中 {m} 个计入负荷的地块按直线距离分配{kind_zh}",
        "{n} parcels cannot be reached on the road network (no road nearby, or only an isolated "
        "piece); {m} of them carry demand and are assigned to a {kind_en} by straight line",
    ),
    "infra_upstream_outside": (
        "{n} 座配电级变电所不在本图层任何220kV变电站的供电半径内 (由区外上级电源供电, 不计入区内220kV负荷)",
        "{n} distribution substations are beyond the radius of every 220 kV station in the layer "
        "(fed from outside the zone)",
    ),
}

#: ``geoplan infra`` human output (a summary of ``--json``).
MESSAGES |= {
    "infra_cli_head": (
        "基础设施平衡 — {phase} ({phase_key})",
        "Infrastructure balance — {phase} ({phase_key})",
    ),
    "infra_cli_kind": ("{kind} ({unit})", "{kind} ({unit})"),
    "infra_cli_row": (
        "  {name} 容量 {capacity}  需求 {demand}  {util}  {status}",
        "  {name} capacity {capacity}  demand {demand}  {util}  {status}",
    ),
    "infra_cli_unserved": (
        "  未覆盖 ({kind}): {n} 个地块, {area_mu:,.0f} 亩, {demand:,.1f} {unit}",
        "  Unserved ({kind}): {n} parcels, {area_mu:,.0f} mu, {demand:,.1f} {unit}",
    ),
    "infra_cli_frame": (
        "六纵五横 完成度: {share:.0%}",
        "六纵五横 road frame completion: {share:.0%}",
    ),
    "infra_cli_road": (
        "  {frame} {name} 已建 {built:.1f} / 规划 {planned:.1f} km",
        "  {frame} {name} built {built:.1f} / planned {planned:.1f} km",
    ),
    "infra_cli_coverage": (
        "服务覆盖 (居住建筑面积占比):",
        "Service coverage (share of residential floor area):",
    ),
    "infra_cli_coverage_row": ("  {what}: {share}", "  {what}: {share}"),
}

#: Scenario alerts (geoplan.scenario.engine) and the reasons allocated demand was not placed
#: (geoplan.scenario.allocation; the report's ``label`` carries both languages: "zh / en").
MESSAGES |= {
    "scenario_alert_constraint": (
        "开发用地占用刚性管控区 {name}: {mu:,.1f} 亩",
        "development inside the hard constraint {name}: {mu:,.1f} mu",
    ),
    "scenario_alert_unplaced": (
        "{industry} 需求 {demand:,.0f} 亩中 {unplaced:,.0f} 亩未能落地: {reasons}",
        "{industry}: {unplaced:,.0f} of {demand:,.0f} mu could not be placed",
    ),
    "alloc_reason_substation_headroom": ("变电所余量不足", "substation headroom used up"),
    "alloc_reason_sewage_plant_headroom": ("污水处理厂余量不足", "sewage-plant headroom used up"),
    "alloc_reason_no_substation": ("服务半径内无在运变电所", "no substation in reach"),
    "alloc_reason_no_sewage_plant": ("服务半径内无在运污水处理厂", "no sewage plant in reach"),
    "alloc_reason_too_small": ("余下地块过小", "remaining pieces too small"),
    "alloc_reason_no_land": (
        "无足够适宜的未约束用地",
        "not enough suitable unconstrained land",
    ),
}
