"""Excel workbook of an evaluation: summary, class lists per unit, 低效用地, compliance.

``write_workbook(evaluation, path, public=False)`` writes atomically (temp file + rename). With
``public=True`` (公示) the firm lists carry no firm financials (税收, 营业收入, 增加值, 能耗, 用电,
研发, 投资, 从业人员 and every indicator derived from them); only identity, land, score and class.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.schemes import CLASS_LABELS, INDICATORS
from geoplan.data.io import atomic_path

logger = logging.getLogger(__name__)

#: Firm columns that reveal a firm's financial or operating figures (dropped for 公示).
FINANCIAL = (
    "tax",
    "revenue",
    "value_added",
    "energy_tce",
    "employees",
    "fixed_investment",
    "rented_floor_m2",
    "emissions_t",
    "electricity_mwh",
    "rd_spend",
    *(i for i, d in INDICATORS.items() if d.denominator != "parcel"),
)
#: Parcel columns that are sums of firm figures (dropped for 公示).
PARCEL_FINANCIAL = (
    "tax",
    "revenue",
    "value_added",
    "energy_tce",
    "employees",
    "firm_fixed_investment",
    "tax_per_mu",
    "revenue_per_mu",
    "va_per_mu",
    "va_per_energy",
    "energy_per_va",
    "plate_median_tax_per_mu",
    "gain_tax",
    "gain_va",
)

_ZH = {
    "firm_id": "企业编号",
    "name": "企业名称",
    "parcel_id": "地块编号",
    "plate": "板块",
    "industry": "产业",
    "scale": "规模",
    "sector": "行业门类",
    "tenure": "用地方式",
    "land_mu": "用地(亩)",
    "land_rule": "用地口径",
    "score": "综合得分",
    "class": "等级",
    "class_label": "等级说明",
    "t_reason": "不参评原因",
    "rank": "单元排名",
    "unit_n": "单元企业数",
    "substituted": "均值替代指标",
    "tax": "税收(万元)",
    "revenue": "营业收入(万元)",
    "value_added": "增加值(万元)",
    "energy_tce": "综合能耗(tce)",
    "employees": "从业人员",
    "fixed_investment": "固定资产投资(万元)",
    "land_use": "用地代码",
    "status": "状态",
    "area_mu": "面积(亩)",
    "criteria_zh": "低效类型",
    "reasons": "认定理由",
    "route": "建议处置方式",
    "gain_tax": "提升至板块中位数增收税收(万元)",
    "gain_va": "提升至板块中位数增加值(万元)",
    "check_zh": "检查项",
    "required": "控制值",
    "actual": "实际值",
    "passed": "是否达标",
    "gap": "差距",
    "basis": "依据",
    "kind": "类别",
    **{k: f"{d.label_zh}({d.unit})" if d.unit else d.label_zh for k, d in INDICATORS.items()},
}


def _sheet_name(text: str, used: set[str]) -> str:
    bad = "[]:*?/\\"
    name = "".join("_" if ch in bad else ch for ch in str(text))[:31] or "sheet"
    base, i = name, 2
    while name in used:
        suffix = f"~{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def firm_list(evaluation, *, public: bool = False) -> pd.DataFrame:
    """Firms sorted by unit, class, score; 公示 version without financials."""
    f = evaluation.firms.copy()
    f["class_label"] = f["class"].map(CLASS_LABELS).fillna("")
    cols = [
        "firm_id",
        "name",
        "parcel_id",
        "plate",
        "industry",
        "scale",
        "tenure",
        "land_mu",
        "land_rule",
        "unit",
        "rank",
        "unit_n",
        "score",
        "class",
        "class_label",
        "t_reason",
        "substituted",
        "tax",
        "revenue",
        "value_added",
        "energy_tce",
        "employees",
        "fixed_investment",
        *[i for i in evaluation.scheme_obj.indicator_ids if i in f.columns],
    ]
    f = f[[c for c in dict.fromkeys(cols) if c in f.columns]]
    if public:
        f = f.drop(columns=[c for c in FINANCIAL if c in f.columns])
    order = f["class"].map({"A": 0, "B": 1, "C": 2, "D": 3, "T": 4}).fillna(5)
    return (
        f.assign(_o=order)
        .sort_values(["plate", "_o", "score"], ascending=[True, True, False])
        .drop(columns="_o")
    )


def summary_frame(evaluation) -> pd.DataFrame:
    from geoplan.analysis.land_yield import summary

    s = summary(evaluation)
    rows = [
        ("方案 scheme", s["scheme"]),
        ("评价年度 year", s["year"]),
        ("承租口径 tenant rule", s["tenant_rule"]),
        ("参评企业 firms evaluated", s["firms_evaluated"]),
        ("未评价企业(无用地) unscored", s["firms_unscored"]),
    ]
    rows += [(f"{CLASS_LABELS[k]}", v) for k, v in s["classes"].items()]
    z = s["zone"]
    rows += [
        ("园区亩均税收(万元/亩)", z["tax_per_mu"]),
        ("园区亩均增加值(万元/亩)", z["va_per_mu"]),
        ("工业用地产出强度(万元/公顷)", z["industrial_output_per_ha"]),
        ("全国开发区2011平均(万元/公顷)", z["national_industrial_output_per_ha"]),
        ("高新技术产业用地产出强度(万元/公顷)", z["high_tech_output_per_ha"]),
        ("全国高新技术产业2011平均(万元/公顷)", z["national_high_tech_output_per_ha"]),
        ("低效用地宗数", s["low_efficiency"]["parcels"]),
        ("低效用地面积(亩)", s["low_efficiency"]["area_mu"]),
        ("合规检查未达标项", s["compliance"]["failed"]),
    ]
    return pd.DataFrame(rows, columns=["项目 item", "值 value"])


def write_workbook(evaluation, path: str | Path, *, public: bool = False) -> Path:
    """Write the evaluation workbook to *path* atomically; returns the path."""
    firms = firm_list(evaluation, public=public)
    used: set[str] = set()
    with atomic_path(path, suffix=".xlsx") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        summary_frame(evaluation).to_excel(xw, sheet_name=_sheet_name("汇总", used), index=False)
        plates = evaluation.aggregates["plate"].copy()
        if public:
            plates = plates.drop(
                columns=[
                    c for c in ("tax", "revenue", "value_added", "employees") if c in plates.columns
                ]
            )
        plates.to_excel(xw, sheet_name=_sheet_name("板块汇总", used), index=False)
        unit_key = firms["plate"].fillna("(无板块)")
        for unit, part in firms.groupby(unit_key, sort=True):
            part.rename(columns=_ZH).to_excel(
                xw, sheet_name=_sheet_name(f"名单-{unit}", used), index=False
            )
        low = pd.DataFrame(evaluation.low_efficiency.drop(columns="geometry", errors="ignore"))
        if public:
            low = low.drop(columns=[c for c in PARCEL_FINANCIAL if c in low.columns])
        low.rename(columns=_ZH).to_excel(xw, sheet_name=_sheet_name("低效用地", used), index=False)
        comp = evaluation.compliance.copy()
        if public and len(comp):
            money = comp["check"].isin(["commit_tax", "commit_energy"])
            comp.loc[money, ["actual", "gap"]] = np.nan
        comp.rename(columns=_ZH).to_excel(xw, sheet_name=_sheet_name("合规检查", used), index=False)
        unsc = evaluation.unscored
        unsc.to_excel(xw, sheet_name=_sheet_name("未评价企业", used), index=False)
    logger.info("wrote %s (%s)", path, "公示" if public else "internal")
    return Path(path)


# --- scenario comparison (情景对比) --------------------------------------------------------------


def comparison_frames(comparison) -> dict[str, pd.DataFrame]:
    """Sheets of the scenario comparison workbook: the KPI table and each run's provenance."""
    prov = pd.DataFrame(
        [
            {
                "scenario": r.name,
                **{k: v for k, v in r.provenance.items() if not isinstance(v, dict)},
            }
            for r in comparison.results
        ]
    )
    return {"情景对比": comparison.table, "provenance": prov}


def comparison_workbook(comparison) -> bytes:
    """The scenario comparison as .xlsx bytes (for a download button)."""
    import io

    buf = io.BytesIO()
    sheets = comparison_frames(comparison)
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        sheets["情景对比"].to_excel(xw, sheet_name="情景对比")
        sheets["provenance"].to_excel(xw, sheet_name="provenance", index=False)
    return buf.getvalue()


def write_comparison_workbook(comparison, path: str | Path) -> Path:
    """Write the scenario comparison workbook to *path* atomically."""
    from geoplan.data.io import write_bytes_atomic

    return write_bytes_atomic(path, comparison_workbook(comparison))
