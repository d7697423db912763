"""Tables of the 数据 page: the zone's layers, the project store's items, history and audit log,
and a saved item as an Excel workbook.

Display only, in the chosen language (Chinese first): headers come from message keys, layer types
and store kinds are named, areas are in 公顷 and lengths in km, rounded.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from geoplan.data.catalog import LAYER_TYPES
from geoplan.text import STRINGS, t


def _type_label(name: str, lang: str) -> str:
    lt = LAYER_TYPES.get(name)
    if lt is None:
        return name
    return lt.label_en if lang == "en" else lt.label_zh


def layer_table(rows: Iterable[Mapping[str, Any]], lang: str) -> pd.DataFrame:
    """``geoplan.zone.layer_summary`` rows as a table an official reads (no identifiers)."""
    out = []
    for r in rows:
        area, length = r.get("area_m2"), r.get("length_m")
        out.append({
            t("zv_layer", lang): r["name"],
            t("zv_type", lang): _type_label(str(r["type"]), lang),
            t("zv_count", lang): int(r["count"]),
            t("zv_area_ha", lang): f"{float(area) / 10_000:,.1f}" if area is not None else "—",
            t("zv_length_km", lang): f"{float(length) / 1_000:,.1f}" if length is not None else "—",
            t("zv_crs", lang): r.get("crs") or t("zv_table", lang),
            t("zv_file", lang): r["path"],
        })  # fmt: skip
    return pd.DataFrame(out)


#: store record fields → header keys (items, history and audit log share them)
_STORE_HEADERS = {
    "kind": "store_col_kind", "name": "store_col_name", "version": "store_col_version",
    "versions": "store_col_versions", "user": "store_col_user", "time": "store_col_time",
    "message": "store_col_message", "action": "store_col_action", "details": "store_col_details",
    "id": "store_col_id", "rows": "store_col_rows", "forced": "store_col_forced",
}  # fmt: skip


def store_table(records: Iterable[Mapping[str, Any]], lang: str) -> pd.DataFrame:
    """Store items / history / audit records with named kinds, actions and Chinese headers."""
    df = pd.DataFrame(list(records))
    if df.empty:
        return df
    for col, prefix in (("kind", "kind_"), ("action", "store_action_")):
        if col in df:
            df[col] = df[col].map(
                lambda v, p=prefix: t(p + str(v), lang) if p + str(v) in STRINGS else v
            )
    if "forced" in df:
        df["forced"] = df["forced"].map(lambda v: t("yes", lang) if v else t("no", lang))
    if "details" in df:
        df["details"] = df["details"].map(lambda v: "" if v is None else str(v))
    df = df.fillna("")
    return df.rename(columns={c: t(k, lang) for c, k in _STORE_HEADERS.items() if c in df})


def saved_frames(payload: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables of a saved evaluation or scenario result, by name (nested dicts flattened)."""
    frames = {k: v for k, v in payload.items() if isinstance(v, pd.DataFrame)}
    for k, v in payload.items():
        if isinstance(v, Mapping):
            frames |= {f"{k}_{kk}": vv for kk, vv in v.items() if isinstance(vv, pd.DataFrame)}
    return frames


def workbook_bytes(frames: Mapping[str, pd.DataFrame]) -> bytes:
    """One sheet per table (geometry dropped; sheet names cut to Excel's 31 characters, unique)."""
    buf = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in frames.items():
            sheet, i = name[:31], 1
            while sheet in used:
                i += 1
                sheet = f"{name[: 31 - len(str(i)) - 1]}_{i}"
            used.add(sheet)
            pd.DataFrame(df.drop(columns="geometry", errors="ignore")).to_excel(
                xw, sheet_name=sheet, index=False
            )
    return buf.getvalue()
