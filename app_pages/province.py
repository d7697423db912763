"""省级对标 — the province's high-tech zones side by side (seed 003): benchmarking table, map of the
15 zones (approximate points), the 003:L196 evaluation with yellow cards / 摘牌, and the zones that
have their own zone folder drilled into (亩均 classes, 低效用地, infrastructure)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _common as C

T = C.T
CARD_COLOURS = {"none": "#2e7d32", "yellow": "#f9a825", "delist": "#c62828", None: "#757575"}


@st.cache_data(show_spinner=False, max_entries=2)
def _report() -> dict:
    from geoplan.province.project import load_project, report

    return report(load_project())


def _card(v: str | None) -> str:
    return T(f"prov_card_{v or 'missing'}")


def _table(doc: dict, lang: str) -> pd.DataFrame:
    rows = []
    for z in doc["zones"]:
        last = z["evaluation"][-1] if z["evaluation"] else None
        one = z["one_zone_one_industry"]
        rows.append(
            {
                T("prov_col_zone"): z["name"] if lang == "zh" else f"{z['name_en']} ({z['name']})",
                T("prov_col_city"): z["city"],
                T("prov_col_level"): T(f"prov_level_{z['level']}"),
                T("prov_col_mgmt"): T(f"prov_mgmt_{z['management']}"),
                T("prov_col_lead_n"): one["count"],
                T("prov_col_one"): T("prov_ok" if one["ok"] else "prov_not_ok"),
                T("prov_col_lead"): "、".join(z["lead_industries"]["items"]) or T("prov_dash"),
                T("prov_col_clusters"): len(z["clusters"]["items"]),
                T("prov_col_makers"): len(z["makerspaces"]["items"]),
                T("prov_col_platforms"): len(z["platforms"]["items"]),
                T("prov_col_funds"): "、".join(z["funds"]["items"]) or T("prov_dash"),
                T("prov_col_year"): str(last["year"]) if last else T("prov_dash"),
                T("prov_col_score"): f"{last['score']:.1f}" if last else T("prov_dash"),
                T("prov_col_card"): _card(z["latest_card"]),
                T("prov_col_folder"): T("prov_has_folder") if z["zone_folder"] else T("prov_dash"),
            }
        )
    return pd.DataFrame(rows)


@st.cache_resource(show_spinner=False, max_entries=4)
def _map(lang: str, basemap: str):
    import folium

    from geoplan.present.maps import base_map, finish, html_escape

    doc = _report()
    lons = [z["location"]["lon"] for z in doc["zones"]]
    lats = [z["location"]["lat"] for z in doc["zones"]]
    m = base_map(
        (min(lons) - 0.3, min(lats) - 0.3, max(lons) + 0.3, max(lats) + 0.3),
        basemap=basemap,
        height=520,
    )
    for z in doc["zones"]:
        name = z["name"] if lang == "zh" else z["name_en"]
        level = C.tl(lang, "prov_level_" + z["level"])
        card = C.tl(lang, "prov_card_" + (z["latest_card"] or "missing"))
        tip = f"{name} · {level} · {card}"
        folium.CircleMarker(
            [z["location"]["lat"], z["location"]["lon"]],
            radius=9 if z["level"] == "national" else 6,
            color=CARD_COLOURS[z["latest_card"]],
            fill=True,
            fill_opacity=0.85,
            tooltip=html_escape(tip),
        ).add_to(m)
    return finish(m, layer_control=False)


def _eval_table(doc: dict, lang: str) -> pd.DataFrame:
    rows = []
    dims = doc["evaluation_rule"]["dimensions"]
    for z in doc["zones"]:
        for y in z["evaluation"]:
            rows.append(
                {
                    T("prov_col_zone"): z["name"] if lang == "zh" else z["name_en"],
                    T("prov_col_year"): str(y["year"]),
                    **{d: y["values"][d] for d in dims},
                    T("prov_col_score"): round(y["score"], 1),
                    T("prov_col_card"): _card(y["card"]),
                }
            )
    return pd.DataFrame(rows)


def _pct(v) -> str:
    return f"{v:.0%}" if isinstance(v, int | float) else T("prov_dash")


def _drill(doc: dict, lang: str) -> pd.DataFrame | None:
    names = {z["id"]: (z["name"] if lang == "zh" else z["name_en"]) for z in doc["zones"]}
    rows = []
    for zid, d in doc["drill_in"].items():
        if "error" in d:
            continue
        infra = d.get("infrastructure") or {}
        row = {T("prov_col_zone"): names[zid]}
        for c in ("A", "B", "C", "D", "T"):
            row[T("prov_col_class", c=c)] = d["classes"][c]
        row[T("prov_col_low_n")] = d["low_efficiency"]["parcels"]
        row[T("prov_col_low_mu")] = round(d["low_efficiency"]["area_mu"], 1)
        row[T("prov_col_power")] = _pct((infra.get("substation") or {}).get("utilisation"))
        row[T("prov_col_sewage")] = _pct((infra.get("sewage_plant") or {}).get("utilisation"))
        rows.append(row)
    return pd.DataFrame(rows) if rows else None


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    doc = _report()
    st.header(T("prov_title", province=doc["province"]))
    st.caption(T("prov_intro", n=doc["zones_n"]))
    if doc["sample"]:
        st.info(T("prov_sample"))
    cols = st.columns(6)
    cols[0].metric(T("prov_m_zones"), doc["zones_n"])
    cols[1].metric(T("prov_m_levels"), f"{doc['national']} / {doc['provincial']}")
    cols[2].metric(T("prov_m_area"), f"{doc['total_area_km2']['value']:,}")
    cols[3].metric(
        T("prov_m_one_industry"), f"{doc['one_zone_one_industry']['meeting']} / {doc['zones_n']}"
    )
    cols[4].metric(T("prov_m_yellow"), len(doc["at_risk"]["yellow"]))
    cols[5].metric(T("prov_m_delist"), len(doc["at_risk"]["delist"]))
    st.subheader(T("prov_table"))
    st.dataframe(_table(doc, lang), hide_index=True, width="stretch")
    st.subheader(T("prov_map"))
    C.show_map(_map(lang, basemap), key=f"prov_map_{lang}_{basemap}", returned=[], height=520)
    st.caption(T("prov_map_note"))
    st.subheader(T("prov_eval"))
    r = doc["evaluation_rule"]
    weights = "、".join(f"{k} {v:g}" for k, v in r["weights"].items())
    st.caption(
        T("prov_eval_rule", source=r["source"], weights=weights, fail=f"{r['fail_below']:g}")
    )
    st.dataframe(_eval_table(doc, lang), hide_index=True, width="stretch")
    st.subheader(T("prov_drill"))
    drill = _drill(doc, lang)
    if drill is None:
        st.info(T("prov_drill_none"))
    else:
        st.dataframe(drill, hide_index=True, width="stretch")


C.guard(body)
