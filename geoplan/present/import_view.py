"""Tables of the import wizard: the suggested column mapping, code conversions and problems.

Display only: everything comes from a :class:`geoplan.data.importer.LayerReport`. Headers and
values are in the chosen language (Chinese first); fields show their Chinese label beside the
catalog name so an official can correct a mapping without knowing the identifiers.
"""

from __future__ import annotations

import pandas as pd

from geoplan.data.catalog import layer_type
from geoplan.data.importer import LayerReport
from geoplan.text import t

#: how a field was recognised → message key
_HOW = {
    "alias": "iw_how_alias",
    "label": "iw_how_label",
    "field name": "iw_how_name",
    "mapping": "iw_how_map",
}
NOT_USED = ""


def field_label(ltype: str, name: str, lang: str) -> str:
    """``税收 (tax)`` in Chinese, ``tax paid (tax)`` in English; empty for "not used"."""
    if not name:
        return t("iw_not_used", lang)
    f = layer_type(ltype).field(name)
    if f is None:
        return name
    label = f.label_en if lang == "en" else f.label_zh
    unit = f" [{f.unit}]" if f.unit and f.unit != "ratio" else ""
    return f"{label}{unit} · {name}"


def field_choices(ltype: str) -> list[str]:
    """The fields a column may be mapped to (catalog order), plus "not used"."""
    return [NOT_USED, *(f.name for f in layer_type(ltype).fields)]


def mapping_table(report: LayerReport, lang: str) -> pd.DataFrame:
    """One row per column of the file: the field it became (editable), sample values, how."""
    by_column = {col: f for f, col in report.mapping.items() if not col.startswith("derived")}
    rows = []
    for col, sample in report.samples.items():
        fname = by_column.get(col, NOT_USED)
        how = report.how.get(fname) if fname else None
        rows.append({
            t("iw_col_column", lang): col,
            t("iw_col_field", lang): fname,
            t("iw_col_sample", lang): sample,
            t("iw_col_how", lang): t(_HOW[how], lang) if how in _HOW else t("iw_how_none", lang),
        })  # fmt: skip
    return pd.DataFrame(rows)


def derived_table(report: LayerReport, lang: str) -> pd.DataFrame:
    """Fields the import derived (areas from the geometry, units by location …) and conversions."""
    fields = {x.name for x in layer_type(report.type).fields}
    head_f, head_w = t("iw_col_field", lang), t("iw_col_what", lang)
    rows = [
        {head_f: field_label(report.type, f, lang), head_w: how.removeprefix("derived: ")}
        for f, how in report.mapping.items()
        if how.startswith("derived")
    ]
    rows += [
        {head_f: field_label(report.type, f, lang) if f in fields else f, head_w: what}
        for f, what in report.conversions.items()
    ]
    return pd.DataFrame(rows)


def codes_table(report: LayerReport, lang: str) -> pd.DataFrame:
    """Land-use code conversions: source code → 用地用海 2023 code, count; review and unknown codes."""
    codes = report.codes or {}
    rows = []
    for key, status in (("converted", "iw_code_converted"), ("broader", "iw_code_broader"),
                        ("by_name", "iw_code_by_name")):  # fmt: skip
        for pair, n in (codes.get(key) or {}).items():
            src, _, dst = pair.partition("→")
            rows.append({t("iw_col_source_code", lang): src, t("iw_col_target_code", lang): dst,
                         t("iw_col_count", lang): n, t("iw_col_status", lang): t(status, lang)})  # fmt: skip
    for key, status in (("review", "iw_code_review"), ("unmapped", "iw_code_unknown")):
        for src, n in (codes.get(key) or {}).items():
            rows.append({t("iw_col_source_code", lang): src, t("iw_col_target_code", lang): "—",
                         t("iw_col_count", lang): n, t("iw_col_status", lang): t(status, lang)})  # fmt: skip
    return pd.DataFrame(rows)


def problems_table(report: LayerReport, lang: str) -> pd.DataFrame:
    rows = [
        {
            t("iw_col_severity", lang): t(f"severity_{p.severity}", lang),
            t("iw_col_row", lang): "—" if p.row is None else str(p.row),
            t("iw_col_column", lang): p.field or "—",
            t("iw_col_message", lang): p.message + (f" → {p.hint}" if p.hint else ""),
        }
        for p in report.problems
    ]
    return pd.DataFrame(rows)


def user_map_from(
    table: pd.DataFrame, report: LayerReport, lang: str
) -> dict[str, tuple[str, str | None]]:
    """The user's corrections in the mapping table as ``{field: (column, None)}``."""
    col_c, col_f = t("iw_col_column", lang), t("iw_col_field", lang)
    out: dict[str, tuple[str, str | None]] = {}
    for col, fname in zip(table[col_c], table[col_f], strict=True):
        if fname and fname != NOT_USED:
            out[str(fname)] = (str(col), None)
    return out
