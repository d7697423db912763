"""Excel workbook of an evaluation: summary, class lists per unit, 低效用地, compliance.

``write_workbook(evaluation, path, public=False, lang="zh")`` writes atomically (temp file +
rename). Every sheet is a display table (:mod:`geoplan.present.eval_tables`): headers, values and
units in the chosen language, numbers rounded. With ``public=True`` (公示) every sheet comes from
:mod:`geoplan.present.redact` — the one redaction policy of every public output.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from geoplan.analysis.land_yield.schemes import INDICATORS
from geoplan.data.io import atomic_path
from geoplan.text import t

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

#: Firm list columns of the internal workbook, in order (the scheme's indicators follow).
FIRM_LIST_COLUMNS = (
    "firm_id",
    "name",
    "parcel_id",
    "plate",
    "industry",
    "scale",
    "list",
    "tenure",
    "land_mu",
    "land_rule",
    "unit",
    "rank",
    "unit_n",
    "score",
    "class",
    "t_reason",
    "substituted",
    "tax",
    "revenue",
    "value_added",
    "energy_tce",
    "electricity_mwh",
    "employees",
    "fixed_investment",
    "rd_spend",
)
PLATE_COLUMNS = (
    "plate",
    "area_mu",
    "occupied_mu",
    "n_parcels",
    "n_firms",
    "tax",
    "revenue",
    "value_added",
    "employees",
    "tax_per_mu",
    "va_per_mu",
    "revenue_per_mu",
    "n_A",
    "n_B",
    "n_C",
    "n_D",
    "n_T",
)
LOW_COLUMNS = (
    "parcel_id",
    "plate",
    "land_use",
    "status",
    "area_mu",
    "class",
    "far",
    "coverage",
    "tax_per_mu",
    "va_per_mu",
    "criteria",
    "reasons",
    "route",
    "plate_median_tax_per_mu",
    "gain_tax",
    "gain_va",
)
COMPLIANCE_COLUMNS = (
    "parcel_id",
    "plate",
    "land_use",
    "industry",
    "check_zh",
    "op",
    "required",
    "actual",
    "passed",
    "gap",
    "basis",
)
UNSCORED_COLUMNS = ("firm_id", "name", "parcel_id", "tenure", "scale", "reason")


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


def firm_list(evaluation, *, public: bool = False, lang: str = "zh") -> pd.DataFrame:
    """Firms sorted by unit, class, score (canonical columns); 公示: :func:`redact.public_firms`."""
    from geoplan.present import redact

    if public:
        return redact.public_firms(evaluation.firms, lang)
    f = evaluation.firms
    ind = evaluation.scheme_obj.indicator_ids if evaluation.scheme_obj else []
    cols = [*FIRM_LIST_COLUMNS, *[i for i in ind if i in f.columns]]
    f = f[[c for c in dict.fromkeys(cols) if c in f.columns]]
    order = f["class"].map({"A": 0, "B": 1, "C": 2, "D": 3, "T": 4}).fillna(5)
    return (
        f.assign(_o=order)
        .sort_values(["plate", "_o", "score"], ascending=[True, True, False])
        .drop(columns="_o")
    )


def summary_frame(evaluation, lang: str = "zh") -> pd.DataFrame:
    """The 汇总 sheet: scheme, year, class counts, zone figures (aggregates of all firms)."""
    from geoplan.analysis.land_yield import summary
    from geoplan.present.eval_tables import Col, fmt_value

    s = summary(evaluation)
    z = s["zone"]
    rule = s["tenant_rule"]
    rows: list[tuple[str, object]] = [
        (t("wb_scheme", lang), s["scheme"]),
        (t("wb_year", lang), s["year"]),
        (t("wb_tenant_rule", lang), t(f"rule_{rule}", lang) if rule else "—"),
        (t("wb_firms_evaluated", lang), s["firms_evaluated"]),
        (t("wb_firms_unscored", lang), s["firms_unscored"]),
    ]
    rows += [(t(f"class_{k}", lang), v) for k, v in s["classes"].items()]
    num = Col("", "num", 2)
    rows += [
        (t("wb_zone_tax_per_mu", lang), fmt_value(z["tax_per_mu"], num, lang)),
        (t("wb_zone_va_per_mu", lang), fmt_value(z["va_per_mu"], num, lang)),
        (t("wb_industrial_output", lang), fmt_value(z["industrial_output_per_ha"], num, lang)),
        (
            t("wb_national_industrial", lang),
            fmt_value(z["national_industrial_output_per_ha"], num, lang),
        ),
        (t("wb_high_tech_output", lang), fmt_value(z["high_tech_output_per_ha"], num, lang)),
        (
            t("wb_national_high_tech", lang),
            fmt_value(z["national_high_tech_output_per_ha"], num, lang),
        ),
        (t("wb_low_parcels", lang), s["low_efficiency"]["parcels"]),
        (t("wb_low_area", lang), fmt_value(s["low_efficiency"]["area_mu"], num, lang)),
        (t("wb_compliance_failed", lang), s["compliance"]["failed"]),
    ]
    rows = [(k, "—" if v is None else v) for k, v in rows]
    return pd.DataFrame(rows, columns=[t("wb_item", lang), t("wb_value", lang)])


def workbook_sheets(
    evaluation,
    *,
    public: bool = False,
    lang: str = "zh",
    history=None,
    policy=None,
) -> dict[str, pd.DataFrame]:
    """Sheet name → display frame of the evaluation workbook (公示: through :mod:`redact` only).

    *history* (:class:`geoplan.analysis.history.History`) adds the 企业画像 / 等级变化 sheets and
    *policy* (a measures frame of :mod:`geoplan.analysis.policy`) the 差别化措施 sheet; both are
    internal only (a 公示 carries neither a firm's history of figures nor its costs).
    """
    from geoplan.present import redact
    from geoplan.present.eval_tables import display

    ev = evaluation
    used: set[str] = set()
    sheets: dict[str, pd.DataFrame] = {}

    def add(title_key: str, frame: pd.DataFrame, **fmt: object) -> None:
        sheets[_sheet_name(t(title_key, lang, **fmt), used)] = frame

    add("wb_sheet_summary", summary_frame(ev, lang))
    plates = ev.aggregates["plate"]
    if public:
        add("wb_sheet_plates", display(redact.public_aggregate(plates, "plate"), lang))
    else:
        add("wb_sheet_plates", display(plates, lang, PLATE_COLUMNS))
    firms = firm_list(ev, public=public, lang=lang)
    unit_key = firms["unit"] if public else firms["plate"]
    unit_key = unit_key.astype(object).where(
        unit_key.notna() & (unit_key != ""), t("wb_no_unit", lang)
    )
    for unit, part in firms.groupby(unit_key, sort=True):
        add("wb_sheet_list", display(part, lang), unit=unit)
    if public:
        add("wb_sheet_low", display(redact.public_low_efficiency(ev.low_efficiency, lang), lang))
        add("wb_sheet_compliance", display(redact.public_compliance(ev.compliance), lang))
        add("wb_sheet_unscored", display(redact.public_unscored(ev.unscored), lang))
        return sheets
    add("wb_sheet_low", display(ev.low_efficiency, lang, LOW_COLUMNS))
    add("wb_sheet_compliance", display(ev.compliance, lang, COMPLIANCE_COLUMNS))
    add("wb_sheet_unscored", display(ev.unscored, lang, UNSCORED_COLUMNS))
    if history is not None:
        from geoplan.present.history_tables import history_sheets

        for key, frame in history_sheets(history, lang).items():
            add(key, frame)
    if policy is not None:
        from geoplan.present.history_tables import measures_table

        add("wb_sheet_measures", measures_table(policy, lang))
    return sheets


def write_workbook(
    evaluation,
    path: str | Path,
    *,
    public: bool = False,
    lang: str = "zh",
    history=None,
    policy=None,
) -> Path:
    """Write the evaluation workbook to *path* atomically; returns the path."""
    sheets = workbook_sheets(evaluation, public=public, lang=lang, history=history, policy=policy)
    with atomic_path(path, suffix=".xlsx") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for name, frame in sheets.items():
            frame.to_excel(xw, sheet_name=name, index=False)
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
