"""总览 — leaders: layout map (十三五 板块 / 十四五 structure), KPI cards, plan targets."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _common as C
from app_pages import _eval as E
from geoplan import settings
from geoplan.standards import landuse
from geoplan.text import t

T = C.T


@st.cache_resource(max_entries=12, show_spinner=False)
def _layout(_zone, key: tuple, structure: str, lang: str, basemap: str):
    from geoplan.present import maps, viz

    m = viz.layout_map(_zone, structure=structure, lang=lang, basemap=basemap)
    return m, maps.to_html(
        viz.layout_map(_zone, structure=structure, lang=lang, basemap=basemap, height=900)
    )


@st.cache_data(max_entries=8, show_spinner=False)
def _kpis(_zone, key: tuple) -> dict:
    z = _zone
    parcels, firms = z.layers["parcels"], z.layers["firms"]
    out = {
        "zone_km2": float(z.layers["zone"].geometry.area.sum() / 1e6),
        "parcels": len(parcels),
        "firms": len(firms),
        "high_tech_firms": int(firms["high_tech"].fillna(False).astype(bool).sum())
        if "high_tech" in firms
        else None,
        "tax": float(firms["tax"].sum()),
        "idle_mu": float(parcels.loc[parcels["status"] == "idle", "area_mu"].sum()),
    }
    groups = pd.Series(landuse.groups_for(parcels["land_use"]), index=parcels.index)
    out["mix"] = parcels.groupby(groups)["area_mu"].sum().sort_values(ascending=False).to_dict()
    return out


def _low_eff_area(zone) -> float | None:
    df = E.low_efficiency_table(zone)
    if df is None or "area_mu" not in df:
        return None
    return float(df["area_mu"].sum())


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.title(T("app_title"))
    C.user_layer_note()
    zone = C.zone()
    k = _kpis(zone, C.zone_key())
    cols = st.columns(6)
    cols[0].metric(T("kpi_zone_area"), f"{k['zone_km2']:.1f} km²")
    cols[1].metric(T("kpi_parcels"), f"{k['parcels']:,}")
    cols[2].metric(T("kpi_firms"), f"{k['firms']:,}")
    cols[3].metric(
        T("kpi_high_tech"), "—" if k["high_tech_firms"] is None else f"{k['high_tech_firms']:,}"
    )
    cols[4].metric(T("kpi_tax"), f"{k['tax'] / 1e4:,.1f}")
    low = _low_eff_area(zone)
    cols[5].metric(
        T("kpi_low_eff") if low is not None else T("kpi_idle"),
        f"{(low if low is not None else k['idle_mu']):,.0f} {T('mu')}",
    )

    left, right = st.columns([3.2, 1])
    with left:
        structure = st.radio(
            T("structure_choice"),
            ["14th", "13th"],
            horizontal=True,
            key=C.wkey("ov_structure"),
            format_func=C.formatter(lambda v: f"structure_{v}"),
        )
        m, html = _layout(zone, C.zone_key(), structure, lang, basemap)
        C.show_map(m, key=f"ov_map_{structure}_{lang}_{basemap}", returned=[], height=640)
        st.download_button(
            T("download_map"),
            html.encode("utf-8"),
            file_name=f"geoplan_layout_{structure}.html",
            mime="text/html",
            key="ov_dl",
        )
    with right:
        st.subheader(T("class_distribution"))
        mix = pd.Series(k["mix"], name=T("area_mu"))
        mix.index = [landuse.GROUPS.get(g, (g, g))[1 if lang == "en" else 0] for g in mix.index]
        st.bar_chart(mix, horizontal=True, height=360)
    st.subheader(T("targets"))
    st.dataframe(_targets(k, lang), hide_index=True, width="stretch")


def _targets(k: dict, lang: str) -> pd.DataFrame:
    df = pd.read_csv(
        settings.ZONE_TABLES_DIR / "plan_targets.csv", dtype={"sample_metric": "object"}
    )
    current = df["sample_metric"].map(lambda m: k.get(m) if isinstance(m, str) else None)
    name = df["name_en"] if lang == "en" else df["name_zh"]
    return pd.DataFrame(
        {
            t("indicator", lang): name + " (" + df["unit"] + ")",
            f"{df['base_year'].iloc[0]}": df["base"],
            f"{t('target', lang)} {df['target_year'].iloc[0]}": df["target"],
            t("current_sample", lang): current.map(
                lambda v: "—" if v is None or v != v else f"{v:,.0f}"
            ),
            t("source", lang): df["source"],
        }
    )


C.guard(body)
