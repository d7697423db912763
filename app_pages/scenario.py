"""情景分析 — analysts: pick or edit a scenario, draw an expansion area, run with progress, compare
with other scenarios (table, charts, diff map), save to / reopen from the project store, download."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan import settings
from geoplan.scenario.ops import is_economic
from geoplan.scenario.spec import INDUSTRIES
from geoplan.standards import landuse

T = C.T
EXPANSION_USES = ["100101", "100102", "0802", "0902", "0701", "1401"]
CHART_KPIS = [
    "tax_100m",
    "jobs",
    "floor_10k_m2",
    "power_demand_mva",
    "sewage_demand_m3d",
    "low_efficiency_mu",
]
CHANGE_COLORS = {
    "added": "#d73027",
    "land_use": "#fc8d59",
    "far": "#fee08b",
    "firms": "#91bfdb",
    "status": "#4575b4",
    "geometry": "#999999",
    "removed": "#000000",
}


def _examples() -> dict[str, str]:
    d = settings.SCENARIOS_DIR
    return (
        {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.y*ml"))}
        if d.exists()
        else {}
    )


@st.cache_resource(max_entries=6, show_spinner=False)
def _draw_map(_zone, key: tuple, lang: str, basemap: str):
    from geoplan.present import viz

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

    from geoplan.data import crs as gcrs

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
    return gcrs.to_working(gpd.GeoDataFrame(geometry=[geom], crs="EPSG:4326"))


def _append_add_land(ykey: str, drawn, use: str, far: float, industry: str) -> None:
    """Append the drawn polygon as an ``add_land`` operation (EPSG:4326 GeoJSON) to the YAML text."""
    import yaml

    from geoplan.data import crs as gcrs
    from geoplan.scenario.spec import dump_geojson

    geom = dump_geojson(gcrs.to_wgs84(drawn).geometry.iloc[0])
    text = st.session_state.get(ykey, "")
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        doc = None
    op = {"op": "add_land", "name": T("drawn_op_name"), "land_use": use, "far": float(far)}
    if is_economic([use])[0]:
        op["industry"] = (
            industry  # firms at the industry's A-class median yields: jobs, output, tax
        )
    op["geometry"] = geom
    if isinstance(doc, dict):
        if not doc.get("operations"):
            doc["operations"] = []
        name = str(doc.get("name") or T("custom_scenario"))
        suffix = T("edited_suffix")
        doc["name"] = name if name.endswith(suffix) else name + suffix  # not the example's name
        doc["operations"].append(op)
        st.session_state[ykey] = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    else:  # keep the user's (broken) text; the run will report the YAML error with its line
        st.session_state[ykey] = text + "\n# " + json.dumps(op, ensure_ascii=False) + "\n"
    st.session_state["sc_drawn_added"] = True


# --- scenario choice and editor ------------------------------------------------------------------


def _sources() -> dict[str, tuple[str, str, int]]:
    """Label → (kind, text, store version) for examples, this session's text and saved scenarios."""
    out = {T("src_example", name=name): ("example", text, 0) for name, text in _examples().items()}
    for item in C.store_items("scenario"):
        out[T("src_store", name=item["name"], v=item["version"])] = (
            "store",
            item["name"],
            int(item["version"]),
        )
    out[T("custom_scenario")] = ("custom", T("custom_scenario_yaml"), 0)
    return out


def _editor(col) -> tuple[str, str, dict]:
    src = _sources()
    labels = list(src)
    with col:
        pick = st.selectbox(T("scenario_pick"), labels, key="sc_pick")
        kind, payload, version = src[pick]
        ykey = f"sc_yaml_{pick}"
        if ykey not in st.session_state:
            if kind == "store":
                doc = C.store_load("scenario", payload, version)
                st.session_state[ykey] = doc["text"]
                st.session_state[f"sc_base_version_{payload}"] = version
            else:
                st.session_state[ykey] = payload
        text = st.text_area(T("scenario_edit"), height=300, key=ykey)
    return (
        pick,
        text,
        {"kind": kind, "name": payload if kind == "store" else None, "version": version},
    )


# --- running -----------------------------------------------------------------------------------


def _run(text: str, compare_with: list[str], zone_arg) -> None:
    from geoplan import scenario as S

    examples = _examples()
    results = []
    with st.status(T("running"), expanded=True) as status:
        try:
            mine = S.parse_scenario(text, source=T("scenario_edit"), folder=settings.SCENARIOS_DIR)
            jobs = [
                S.parse_scenario(examples[n], source=n, folder=settings.SCENARIOS_DIR)
                for n in compare_with
                if examples.get(n, "").strip() != text.strip()
            ]  # the edited text runs once, last
            jobs.append(mine)
            bar = st.progress(0.0)
            for i, sc in enumerate(jobs):

                def tell(f: float, msg: str, i=i, name=sc.name) -> None:
                    bar.progress(min((i + f) / len(jobs), 1.0), text=f"{name}: {msg}")

                results.append(S.run_scenario(sc, zone_arg, progress=tell))
        except Exception:
            status.update(label=T("run_failed"), state="error", expanded=False)
            st.session_state.pop("sc_results", None)
            raise
        status.update(label=T("run_done", n=len(results)), state="complete", expanded=False)
    st.session_state["sc_results"] = results


def _comparison(results, lang: str):
    from geoplan import scenario as S

    return S.compare(results, lang=lang)


def _show(results, lang: str, basemap: str) -> None:
    from geoplan.scenario.kpis import KPI_BY_KEY

    c = _comparison(results, lang)
    st.subheader(T("comparison"))
    st.caption(T("comparison_note", base=c.names[0]))
    table = c.table.copy()
    show = table.rename(columns={"kpi": T("indicator"), "unit": T("unit")})
    st.dataframe(
        show.style.format(precision=1, thousands=","), width="stretch", height=520, hide_index=True
    )
    # deltas chart of the headline KPIs (against the first scenario)
    if len(c.names) > 1:
        keys = [k for k in CHART_KPIS if k in table.index]
        d = table.loc[keys, [f"Δ {n}" for n in c.names[1:]]].copy()
        d.index = [f"{KPI_BY_KEY[k].label(lang)} ({KPI_BY_KEY[k].unit})" for k in keys]
        base = table.loc[keys, c.names[0]].replace(0, float("nan")).abs().to_numpy()
        pct = d.div(base, axis=0) * 100
        pct.columns = list(c.names[1:])
        st.caption(T("delta_chart"))
        st.bar_chart(pct, horizontal=True, height=320, stack=False)
    last = results[-1]
    _alerts(last)
    left, right = st.columns([3, 2])
    with left:
        st.subheader(T("diff_map"))
        st.caption(T("diff_map_note", base=c.names[0], name=c.names[-1], n=len(last.changed)))
        if len(last.changed):
            C.show_map(
                _diff_map(last, c.names[0], lang, basemap),
                key="sc_diff_map",
                returned=[],
                height=460,
            )
    with right:
        st.subheader(T("balance"))
        b = last.balance
        b = b[b["in_service"] | (b["demand"] > 0)]
        view = pd.DataFrame(
            {
                T("name"): b["name"],
                T("capacity"): b["capacity"].round(1),
                T("demand"): b["demand"].round(1),
                T("unit"): b["unit"],
                T("utilisation"): (b["utilisation"] * 100).round(0),
                T("alert"): b["alert"],
            }
        )
        st.dataframe(
            view.sort_values(T("utilisation"), ascending=False),
            hide_index=True,
            width="stretch",
            height=420,
        )
    with st.expander(T("operations_report")):
        st.json(last.operations, expanded=False)
    _downloads(c, last)
    _save(last)


def _alerts(res) -> None:
    for u in res.unplaced:
        st.warning(
            T("unplaced_msg", industry=u["industry"], mu=u["unplaced_mu"], demand=u["demand_mu"])
            + " — "
            + "; ".join(
                f"{r['label']} ({r['blocked_mu']:,.0f} 亩"
                + (f": {', '.join(r['facilities'][:4])}" if r["facilities"] else "")
                + ")"
                for r in u["reasons"]
            )
        )
    errors = [a for a in res.alerts if a["severity"] == "error"]
    if errors:
        with st.expander(T("alerts_n", n=len(errors), total=len(res.alerts)), expanded=False):
            for a in errors:
                st.markdown(
                    f"- {a.get('message_en' if C.lang() == 'en' else 'message') or a['message']}"
                )


def _diff_map(res, base_name: str, lang: str, basemap: str):
    from geoplan.present import maps

    z = res.layers
    m = maps.base_map(
        maps.bounds_4326(res.changed if len(res.changed) else z["zone"], basemap),
        basemap=basemap,
        north=T("north"),
    )
    maps.add_layer(
        m,
        z["zone"],
        T("layer_zone"),
        colors="#222",
        basemap=basemap,
        style={"fill_opacity": 0, "weight": 2, "dash": "8 4"},
        simplify_m=5,
    )
    ch = res.changed.copy()
    first = ch["change"].str.split(",").str[0]
    ch["what"] = first.map(lambda k: T(f"change_{k}"))
    ch["area"] = ch["area_mu"].round(1)
    maps.add_layer(
        m,
        ch,
        T("diff_map"),
        colors=first.map(CHANGE_COLORS).fillna("#777").to_numpy(),
        basemap=basemap,
        tooltip={
            "parcel_id": T("parcel_id"),
            "what": T("change"),
            "land_use": T("land_use"),
            "area": T("area_mu"),
            "note": T("note"),
        },
        style={"fill_opacity": 0.75, "weight": 0.6, "stroke": "#333"},
        simplify_m=2,
    )
    present = [k for k in CHANGE_COLORS if first.eq(k).any()]
    maps.add_legend(
        m, [maps.legend_html(T("change"), [(T(f"change_{k}"), CHANGE_COLORS[k]) for k in present])]
    )
    return maps.finish(m)


def _downloads(c, res) -> None:
    import io
    import tempfile
    from pathlib import Path

    a, b, d = st.columns(3)
    a.download_button(
        T("download_yaml"),
        res.scenario.text.encode("utf-8"),
        file_name=f"{res.name}.yaml",
        mime="text/yaml",
        key="sc_dl_yaml_res",
    )
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        c.table.to_excel(xw, sheet_name="情景对比")
        pd.DataFrame(
            [
                {
                    "scenario": r.name,
                    **{k: v for k, v in r.provenance.items() if not isinstance(v, dict)},
                }
                for r in c.results
            ]
        ).to_excel(xw, sheet_name="provenance", index=False)
    b.download_button(
        T("download_comparison"),
        buf.getvalue(),
        file_name="情景对比.xlsx",
        key="sc_dl_cmp",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    if d.button(T("prepare_results"), key="sc_prep_gpkg"):
        with tempfile.TemporaryDirectory(prefix="geoplan_sc_") as tmp:
            st.session_state["sc_gpkg"] = Path(res.write(Path(tmp) / "results.gpkg")).read_bytes()
    if st.session_state.get("sc_gpkg"):
        d.download_button(
            T("download_results"),
            st.session_state["sc_gpkg"],
            file_name=f"{res.name}.gpkg",
            key="sc_dl_res",
            mime="application/geopackage+sqlite3",
        )


def _save(res) -> None:
    with st.expander(T("store_save_scenario"), expanded=False):
        st.caption(T("store_where", where=C.store_label()))
        name = st.text_input(T("store_name"), value=res.name, key="sc_store_name")
        user = st.text_input(
            T("store_user"), key="store_user", value=st.session_state.get("store_user", "")
        )
        msg = st.text_input(T("store_message"), key="sc_store_msg")
        if st.button(T("store_save"), key="sc_store_save"):
            base = st.session_state.get(f"sc_base_version_{name}")
            v = C.store_save(
                "scenario", name, res.scenario.text, user=user, message=msg, expected_version=base
            )
            if v:
                C.store_save("result", name, res.store_payload(), user=user, message=msg)
                st.session_state[f"sc_base_version_{name}"] = v
                st.success(T("store_saved", name=name, v=v))


# --- page ----------------------------------------------------------------------------------------


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("page_scenario"))
    zone = C.zone()
    zone_arg = zone if st.session_state.get("user_layers") else None  # the sample: catalog caches
    c1, c2 = st.columns([1, 2])
    pick, text, _ = _editor(c1)
    ykey = f"sc_yaml_{pick}"
    with c1:
        st.caption(T("draw_hint"))
        use = st.selectbox(
            T("expansion_use"),
            EXPANSION_USES,
            key=C.wkey("sc_use"),
            format_func=lambda c: f"{c} {landuse.name(c, lang)}",
        )
        far = st.number_input(T("expansion_far"), 0.1, 10.0, 1.5, 0.1, key="sc_far")
        industry = st.selectbox(
            T("industry"), list(INDUSTRIES), index=INDUSTRIES.index("智能制造"), key="sc_industry"
        )
    with c2:
        out = C.show_map(
            _draw_map(zone, C.zone_key(), lang, basemap),
            key="sc_map",
            returned=["last_active_drawing"],
            height=520,
        )
    drawn = _drawn_polygon(out, basemap)
    old = st.session_state.get("sc_drawn")
    if drawn is not None and (
        old is None or not drawn.geometry.iloc[0].equals(old.geometry.iloc[0])
    ):
        st.session_state["sc_drawn"] = (
            drawn  # a new drawing (the map returns the last one on every rerun)
        )
        st.session_state["sc_drawn_added"] = False
    drawn = st.session_state.get("sc_drawn")
    if drawn is not None:
        c1.metric(T("drawn_area"), f"{float(drawn.area.sum()) / settings.M2_PER_MU:,.0f} {T('mu')}")
        c1.button(
            T("add_to_scenario"),
            key="sc_add",
            on_click=_append_add_land,
            args=(ykey, drawn, use, far, industry),
        )
        if not st.session_state.get("sc_drawn_added"):
            c1.caption(T("drawn_not_added"))
    examples = list(_examples())
    compare_with = st.multiselect(
        T("compare_with"), examples, default=examples[:1], key="sc_compare", help=T("compare_help")
    )
    a, b = st.columns([1, 3])
    run = a.button(T("run_scenario"), type="primary", key="sc_run")
    b.download_button(
        T("download_yaml"), text.encode("utf-8"), file_name="scenario.yaml", key="sc_dl_yaml"
    )
    if run:
        st.session_state.pop("sc_gpkg", None)
        _run(text, compare_with, zone_arg)
    results = st.session_state.get("sc_results")
    if results:
        _show(results, lang, basemap)


C.guard(body)
