"""基础设施 — facility balance per phase (map + chart), catchments, coverage gaps."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan.settings import PHASES

T = C.T
KINDS = {"substations": ("capacity_mva", "MVA"), "sewage_plants": ("capacity_m3d", "m³/d")}


@st.cache_resource(max_entries=12, show_spinner=False)
def _map(_zone, key: tuple, kind: str, phase: str, lang: str, basemap: str):
    from geoplan import maps, viz
    from geoplan.i18n import t

    z = _zone
    m = maps.base_map(
        maps.bounds_4326(z.layers["zone"], basemap), basemap=basemap, north=t("north", lang)
    )
    maps.add_layer(
        m,
        z.layers["parcels"],
        t("layer_landuse", lang),
        colors=__import__("geoplan.landuse", fromlist=["x"]).colors_for(
            z.layers["parcels"]["land_use"]
        ),
        basemap=basemap,
        style={"fill_opacity": 0.35, "weight": 0.2, "stroke": "#999"},
        simplify_m=3,
    )
    maps.add_layer(
        m,
        z.layers["zone"],
        t("layer_zone", lang),
        colors="#222",
        basemap=basemap,
        style={"fill_opacity": 0, "weight": 2, "dash": "8 4"},
        simplify_m=5,
    )
    fac = z.layers[kind].copy()
    col = f"{KINDS[kind][0]}_{phase}"
    active = fac[col].fillna(0) > 0
    colors = fac["status"].map(viz.STATUS_COLORS).fillna("#777").where(active, "#cccccc").to_numpy()
    fac["cap"] = fac[col].round(1)
    maps.add_layer(
        m,
        fac,
        t(f"layer_{kind}", lang),
        colors=colors,
        basemap=basemap,
        tooltip={"name": t("name", lang), "status": t("status", lang), "cap": KINDS[kind][1]},
        style={"radius": 9, "fill_opacity": 0.95},
        label_col="name",
    )
    ents = [(s, viz.STATUS_COLORS[s]) for s in sorted(set(fac["status"])) if s in viz.STATUS_COLORS]
    maps.add_legend(
        m,
        [
            maps.legend_html(
                t(f"layer_{kind}", lang), ents + [("0 (" + phase + ")", "#cccccc")], kind="point"
            )
        ],
    )
    return maps.finish(m)


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("page_infra"))
    zone = C.zone()
    c1, c2 = st.columns(2)
    kind = c1.radio(
        T("facility_kind"),
        list(KINDS),
        horizontal=True,
        key=C.wkey("in_kind"),
        format_func=lambda k, _l=C.lang(): C.tl(_l, f"layer_{k}"),
    )
    phase = c2.radio(
        T("phase"),
        list(PHASES),
        horizontal=True,
        key=C.wkey("in_phase"),
        format_func=lambda p, _l=C.lang(): C.tl(_l, f"phase_{p}"),
    )
    left, right = st.columns([3, 1.4])
    with left:
        C.show_map(
            _map(zone, C.zone_key(), kind, phase, lang, basemap),
            key=f"in_map_{kind}_{phase}",
            returned=[],
            height=520,
        )
    with right:
        prefix, unit = KINDS[kind]
        fac = zone.layers[kind]
        supply = pd.Series(
            {T(f"phase_{p}"): float(fac[f"{prefix}_{p}"].sum()) for p in PHASES},
            name=f"{T('balance')} ({unit})",
        )
        st.caption(f"{T(f'layer_{kind}')} — {unit}")
        st.bar_chart(supply, height=260)
    st.subheader(T("balance"))
    infra = C.optional("infrastructure")
    if infra is None:
        C.pending("infrastructure")
    else:
        _balance(infra, zone, kind, phase)
    c3, c4 = st.columns(2)
    with c3:
        st.subheader(T("catchments"))
        if C.optional("network") is None:
            C.pending("network")
    with c4:
        st.subheader(T("coverage_gaps"))
        if C.optional("coverage") is None:
            C.pending("coverage")


def _balance(infra, zone, kind: str, phase: str) -> None:
    fn = getattr(infra, "balance", None)
    if fn is None:
        C.pending("infrastructure.balance")
        return
    res = fn(zone, phase=phase)
    st.dataframe(
        pd.DataFrame(res.get(kind) if isinstance(res, dict) else res).drop(
            columns="geometry", errors="ignore"
        ),
        hide_index=True,
        width="stretch",
    )


C.guard(body)
