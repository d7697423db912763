"""情景分析 — analysts: pick/edit a scenario, draw an expansion area, run, compare, download."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan import landuse, settings

T = C.T
EXPANSION_USES = ["100101", "100102", "0802", "0902", "0701", "1401"]


@st.cache_resource(max_entries=6, show_spinner=False)
def _draw_map(_zone, key: tuple, lang: str, basemap: str):
    from geoplan import viz

    return viz.parcel_map(
        _zone.layers["parcels"],
        by="land_use",
        lang=lang,
        basemap=basemap,
        zone=_zone.layers["zone"],
        draw=True,
    )


def _drawn_polygon(out: dict, basemap: str):
    """The last drawn polygon as a working-CRS GeoDataFrame, or None."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from geoplan import crs as gcrs

    feat = out.get("last_active_drawing")
    if not feat or not feat.get("geometry"):
        return None
    geom = shapely.geometry.shape(feat["geometry"])
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    if basemap == "gaode":

        def back(xy):
            lon, lat = gcrs.gcj02_to_wgs84(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        geom = shapely.transform(geom, back)
    g = gpd.GeoDataFrame(geometry=[geom], crs="EPSG:4326")
    return gcrs.to_working(g)


def _append_add_land(ykey: str, drawn, use: str, far: float) -> None:
    """Append the drawn polygon as an ``add_land`` operation (EPSG:4326 GeoJSON) to the YAML text."""
    import yaml

    from geoplan import crs as gcrs

    geom = json.loads(gcrs.to_wgs84(drawn).geometry.iloc[:1].to_json())["features"][0]["geometry"]
    geom["coordinates"] = json.loads(
        json.dumps(geom["coordinates"]), parse_float=lambda v: round(float(v), 6)
    )
    text = st.session_state.get(ykey, "")
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        doc = None
    op = {
        "op": "add_land",
        "name": T("drawn_area"),
        "land_use": use,
        "far": float(far),
        "geometry": geom,
    }
    if isinstance(doc, dict):
        doc.setdefault("operations", [])
        if doc["operations"] is None:
            doc["operations"] = []
        doc["operations"].append(op)
        st.session_state[ykey] = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    else:  # keep the user's (broken) text; the run will report the YAML error
        st.session_state[ykey] = text + "\n# " + json.dumps(op, ensure_ascii=False) + "\n"


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("page_scenario"))
    zone = C.zone()
    files = sorted(settings.SCENARIOS_DIR.glob("*.y*ml")) if settings.SCENARIOS_DIR.exists() else []
    c1, c2 = st.columns([1, 2])
    with c1:
        if files:
            pick = st.selectbox(T("scenario_pick"), [f.name for f in files], key="sc_pick")
            text = (settings.SCENARIOS_DIR / pick).read_text(encoding="utf-8")
        else:
            st.info(T("no_scenarios"))
            pick, text = "custom.yaml", T("custom_scenario_yaml")
        ykey = f"sc_yaml_{pick}"
        if ykey not in st.session_state:
            st.session_state[ykey] = text
        yaml_text = st.text_area(T("scenario_edit"), height=260, key=ykey)
        st.caption(T("draw_hint"))
        use = st.selectbox(
            T("expansion_use"),
            EXPANSION_USES,
            key=C.wkey("sc_use"),
            format_func=lambda c: f"{c} {landuse.name(c, lang)}",
        )
        far = st.number_input(T("expansion_far"), 0.1, 10.0, 1.5, 0.1, key="sc_far")
    with c2:
        out = C.show_map(
            _draw_map(zone, C.zone_key(), lang, basemap),
            key="sc_map",
            returned=["last_active_drawing"],
            height=520,
        )
    drawn = _drawn_polygon(out, basemap)
    if drawn is not None:
        st.session_state["sc_drawn"] = drawn
    drawn = st.session_state.get("sc_drawn")
    if drawn is not None:
        c1.metric(T("drawn_area"), f"{float(drawn.area.sum()) / settings.M2_PER_MU:,.0f} {T('mu')}")
        c1.button(
            T("add_to_scenario"),
            key="sc_add",
            on_click=_append_add_land,
            args=(ykey, drawn, use, far),
        )
    run = st.button(T("run_scenario"), type="primary", key="sc_run")
    st.download_button(
        T("download_yaml"), yaml_text.encode("utf-8"), file_name=pick, key="sc_dl_yaml"
    )
    mod = C.optional("scenario")
    if mod is None:
        C.pending("scenario")
        return
    if run:
        _run(mod, zone, yaml_text, drawn, use, far)
    res = st.session_state.get("sc_result")
    if res is not None:
        _show(res)


def _run(mod, zone, yaml_text: str, drawn, use: str, far: float) -> None:
    with st.status(T("running"), expanded=False) as status:
        progress = st.progress(0.0)
        sc = mod.parse_scenario(yaml_text, source="app") if hasattr(mod, "parse_scenario") else None
        if sc is None:
            C.pending("scenario.parse_scenario")
            return
        if drawn is not None and hasattr(mod, "with_expansion"):
            sc = mod.with_expansion(sc, drawn, land_use=use, far=far)
        progress.progress(0.3)
        result = mod.compare(zone, [sc]) if hasattr(mod, "compare") else mod.run_scenario(zone, sc)
        progress.progress(1.0)
        status.update(state="complete")
    st.session_state["sc_result"] = result


def _show(result) -> None:
    st.subheader(T("comparison"))
    table = getattr(result, "table", result)
    df = pd.DataFrame(table)
    st.dataframe(df, width="stretch")
    num = df.select_dtypes("number")
    if len(num.columns):
        st.bar_chart(num)
    st.download_button(
        T("download_results"),
        df.to_csv().encode("utf-8-sig"),
        file_name="scenario_results.csv",
        key="sc_dl_res",
    )


C.guard(body)
