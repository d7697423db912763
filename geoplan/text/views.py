"""Words of display tables and cards shared by several pages: ``{key: (zh, en)}``."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "yes": ("是", "yes"),
    "unplaced_reason": ("{label}（{mu} 亩）", "{label} ({mu} mu)"),
    "notes_standards": (
        "依据：{source}（已核实：{verified}）",
        "Source: {source} (verified: {verified})",
    ),
    "notes_isolated": ("路网：{n} 个孤立分量", "Road network: {n} isolated component(s)"),
    "no": ("否", "no"),
    "dash": ("—", "—"),
    "kpi_unit_mu": ("{v} 亩", "{v} mu"),
    "precompute_running": (
        "正在预计算园区基础结果（{done}/{total}）…",
        "Precomputing the zone's base results ({done}/{total})…",
    ),
    "precompute_done": ("基础结果已就绪", "Base results ready"),
    "precompute_failed": ("预计算未完成：{what}", "Precomputation incomplete: {what}"),
}
