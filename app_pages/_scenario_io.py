"""The 情景分析 page's inputs and outputs: the scenario picker and editor, run alerts, downloads
and saving to the project store."""

from __future__ import annotations

import streamlit as st

from app_pages import _common as C

T = C.T


def scenarios_dir():
    """The chosen zone's ``scenarios/`` folder (its examples; relative paths resolve there)."""
    return C.profile().scenarios_dir


def examples() -> dict[str, str]:
    d = scenarios_dir()
    if not d.exists():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.y*ml"))}


def _sources() -> dict[str, tuple[str, str, int]]:
    """Label → (kind, text, store version) for examples, this session's text and saved scenarios."""
    out = {T("src_example", name=name): ("example", text, 0) for name, text in examples().items()}
    for item in C.store_items("scenario"):
        label = T("src_store", name=item["name"], v=item["version"])
        out[label] = ("store", item["name"], int(item["version"]))
    out[T("custom_scenario")] = ("custom", T("custom_scenario_yaml"), 0)
    return out


def editor(col) -> tuple[str, str]:
    """The scenario picker and its YAML editor; returns (picked label, current text)."""
    src = _sources()
    with col:
        pick = st.selectbox(T("scenario_pick"), list(src), key="sc_pick")
        kind, payload, version = src[pick]
        ykey = f"sc_yaml_{pick}"
        if ykey not in st.session_state:
            if kind == "store":
                st.session_state[ykey] = C.store_load("scenario", payload, version)["text"]
                st.session_state[f"sc_base_version_{payload}"] = version
            else:
                st.session_state[ykey] = payload
        text = st.text_area(T("scenario_edit"), height=300, key=ykey)
    return pick, text


def alerts(res, lang: str) -> None:
    for u in res.unplaced:
        reasons = "; ".join(
            T("unplaced_reason", label=r["label"], mu=C.fmt_num(r["blocked_mu"], 0))
            + (f": {', '.join(r['facilities'][:4])}" if r["facilities"] else "")
            for r in u["reasons"]
        )
        msg = T("unplaced_msg", industry=u["industry"], mu=u["unplaced_mu"], demand=u["demand_mu"])
        st.warning(f"{msg} — {reasons}")
    errors = [a for a in res.alerts if a["severity"] == "error"]
    if errors:
        with st.expander(T("alerts_n", n=len(errors), total=len(res.alerts)), expanded=False):
            for a in errors:
                st.markdown(
                    f"- {a.get('message_en' if lang == 'en' else 'message') or a['message']}"
                )


def downloads(c, res) -> None:
    import tempfile
    from pathlib import Path

    from geoplan.present.report import comparison_workbook

    a, b, d = st.columns(3)
    a.download_button(
        T("download_yaml"),
        res.scenario.text.encode("utf-8"),
        file_name=f"{res.name}.yaml",
        mime="text/yaml",
        key="sc_dl_yaml_res",
    )
    b.download_button(
        T("download_comparison"),
        data=lambda: comparison_workbook(c),
        file_name="情景对比.xlsx",
        key="sc_dl_cmp",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
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


def save(res) -> None:
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


def run(text: str, compare_with: list[str], zone_arg) -> None:
    from geoplan import scenario as S

    texts, results = examples(), []
    with st.status(T("running"), expanded=True) as status:
        try:
            mine = S.parse_scenario(text, source=T("scenario_edit"), folder=scenarios_dir())
            jobs = [
                S.parse_scenario(texts[n], source=n, folder=scenarios_dir())
                for n in compare_with
                if texts.get(n, "").strip() != text.strip()
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


def add_drawn(ykey: str, drawn, use: str, far: float, industry: str) -> None:
    from geoplan.scenario.edit import append_add_land

    st.session_state[ykey] = append_add_land(
        st.session_state.get(ykey, ""),
        drawn,
        land_use=use,
        far=far,
        industry=industry,
        op_name=T("drawn_op_name"),
        default_name=T("custom_scenario"),
        suffix=T("edited_suffix"),
    )
    st.session_state["sc_drawn_added"] = True
