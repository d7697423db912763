"""Audit of one firm's score (exact contributions) and the what-if to the next class."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoplan.analysis.land_yield.common import CLASS_ORDER, _f
from geoplan.analysis.land_yield.schemes import CLASS_LABELS, INDICATORS
from geoplan.errors import GeoplanError

if TYPE_CHECKING:
    from geoplan.analysis.land_yield.evaluation import Evaluation


def _row(evaluation: Evaluation, firm_id: str) -> int:
    pos = evaluation.parts["row_of"].get_indexer([str(firm_id)])[0]
    if pos < 0:
        msg = (
            f"unknown firm id {firm_id!r} (企业编号不存在); ids look like {evaluation.firms['firm_id'].iloc[0]!r}"
            if len(evaluation.firms)
            else f"unknown firm id {firm_id!r}"
        )
        raise GeoplanError(msg)
    return int(pos)


def _int(v: Any) -> int | None:
    x = _f(v)
    return None if x is None else int(x)


def _label(ev: Evaluation, cls: str | None) -> str:
    labels = ev.scheme_obj.labels if ev.scheme_obj else CLASS_LABELS
    return labels.get(cls or "", CLASS_LABELS.get(cls or "", ""))


def explain(evaluation: Evaluation, firm_id: str) -> dict:
    """Breakdown of one firm's score, and the what-if to the next class.

    ``components``: one entry per indicator with ``value``, ``benchmark``, ``normalized`` (0–100
    scale: value/benchmark × 100 for ratio schemes, the 20–100 band for min-max), ``weight`` and
    ``contribution`` (= normalized × weight / 100, after caps and average substitution). The
    contributions add up exactly (left to right) to ``score``.

    ``to_next_class``: for each indicator, the value (and the firm figure, e.g. 税收) that alone
    would lift the score to the lowest score of the next better class in the firm's evaluation
    unit (percentile rule) or to the next threshold — holding benchmarks and other firms fixed.
    """
    i = _row(evaluation, firm_id)
    fr = evaluation.firms.iloc[i]
    base = {
        "firm_id": str(fr["firm_id"]),
        "name": fr["name"],
        "scheme": evaluation.scheme,
        "parcel_id": fr["parcel_id"],
        "plate": fr["plate"],
        "scale": fr["scale"],
        "land_mu": _f(fr["land_mu"]),
        "land_rule": fr["land_rule"],
    }
    cls = fr["class"] or None
    if not evaluation.parts["scored_mask"][i]:
        reason = fr["t_reason"] or ""
        if cls is None:
            hit = evaluation.unscored.loc[evaluation.unscored["firm_id"] == str(firm_id), "reason"]
            reason = hit.iloc[0] if len(hit) else ""
        note = {
            "holder": "随宗地主定级 / class follows the land holder",
            "scope": "不在方案评价名单范围 / outside every list of the scheme",
        }.get(str(fr["class_source"] or ""), "")
        return {
            **base,
            "components": [],
            "score": None,
            "class": cls,
            "class_label": _label(evaluation, cls),
            "class_source": fr["class_source"] or None,
            "list": fr["list"] or None,
            "reason": reason or note,
            "to_next_class": [],
        }
    gname = fr["group"]
    res = evaluation.parts["groups"][gname]
    j = int(np.searchsorted(res["idx"], i))
    sch = evaluation.scheme_obj
    assert sch is not None  # evaluate() always records the scheme it used
    comps = [_component(evaluation, res, j, k, fr) for k in range(len(res["bench"]))]
    if "adj" in res:
        lst = sch.groups[gname]
        items = [a for a in sch.adjustments if a.kind != "veto"]
        for q, a in enumerate(items):
            pts = float(res["adj"][j, q])
            if pts != 0.0:
                comps.append(
                    {
                        "indicator": a.item,
                        "kind": "adjustment",
                        "label_zh": a.label_zh,
                        "unit": "分",
                        "value": None,
                        "benchmark": None,
                        "benchmark_rule": f"{a.kind} {a.points:g} 分/次"
                        + (f", ≤ {a.max_points:g}" if a.max_points is not None else ""),
                        "normalized": None,
                        "weight": None,
                        "contribution": pts,
                        "substituted": False,
                        "list": lst.name,
                    }
                )
    score = float(res["score"][j])
    veto = str(fr.get("veto") or "")
    return {
        **base,
        "components": comps,
        "score": score,
        "class": cls,
        "class_label": _label(evaluation, cls),
        "list": fr["list"],
        "class_source": fr["class_source"],
        "veto": veto or None,
        "rank": _int(fr["rank"]),
        "unit": fr["unit"],
        "unit_n": _int(fr["unit_n"]),
        "method": sch.method,
        "to_next_class": _to_next_class(evaluation, i, j, res, score, str(cls)),
    }


def _component(ev: Evaluation, res: dict, j: int, k: int, fr: Any) -> dict:
    """One indicator of a firm's score, with the benchmark, its rule and Σnum/Σden of the unit."""
    info = res["bench"][k]
    d = INDICATORS[info["id"]]
    u_code = (
        int(ev.parts["unit_labels"].index(fr["unit"]))
        if fr["unit"] in ev.parts["unit_labels"]
        else -1
    )
    urow = next((r for r in info.get("units", []) if r["unit"] == u_code), None)
    out: dict[str, Any] = {
        "indicator": d.id,
        "kind": "indicator",
        "label_zh": d.label_zh,
        "unit": d.unit,
        "value": _f(fr[d.id]),
        "benchmark": _f(res["b"][j, k]),
        "benchmark_rule": info.get("rule_text"),
        "benchmark_source": info.get("source") or None,
        "normalized": float(res["norm"][j, k]),
        "weight": float(info["weight"]),
        "contribution": float(res["contrib"][j, k]),
        "substituted": bool(res["subst"][j, k]),
    }
    if info.get("rule") == "aggregate" and urow is not None:
        out.update(
            benchmark_year=urow["year"],
            benchmark_numerator=d.numerator if d.denominator != "parcel" else f"{d.id}×land_mu",
            benchmark_denominator=d.denominator if d.denominator != "parcel" else "land_mu",
            benchmark_num_sum=urow["num_sum"],
            benchmark_den_sum=urow["den_sum"],
            benchmark_firms=urow["n_firms"],
            benchmark_k=info.get("k"),
        )
    elif info.get("rule") == "min-max":
        out.update(min=_f(res["lo"][j, k]), max=_f(res["hi"][j, k]))
    return out


def _to_next_class(ev: Evaluation, i: int, j: int, res: dict, score: float, cls: str) -> list[dict]:
    if cls == "A":
        return []
    fr0 = ev.firms.iloc[i]
    if fr0["class_source"] == "veto":
        return [
            {
                "next_class": None,
                "reachable": False,
                "note": "一票否决: 指标提升不改变等级 / vetoed: no indicator change lifts the class",
            }
        ]
    nxt = CLASS_ORDER[CLASS_ORDER.index(cls) - 1]
    sch = ev.scheme_obj
    assert sch is not None  # evaluate() always records the scheme it used
    fr = ev.firms.iloc[i]
    rule = sch.class_rule(sch.groups[fr["group"]])
    strict = rule.rule == "percentile"  # ties go to the worse class: the score must exceed it
    if rule.rule == "threshold":
        target = float(rule.thresholds[nxt])
    else:
        peers = ev.firms[
            (ev.firms["unit"] == fr["unit"])
            & (ev.firms["group"] == fr["group"])
            & (ev.firms["class"] == nxt)
            & (ev.firms["class_source"] == "score")
        ]
        if peers.empty:
            return [
                {
                    "next_class": nxt,
                    "reachable": False,
                    "note": "该单元无更高一级企业 / no firm holds the next class in this unit",
                }
            ]
        target = float(peers["score"].min())
    need = target - score
    out = []
    for k, info in enumerate(res["bench"]):
        d = INDICATORS[info["id"]]
        w = float(info["weight"])
        c_now = float(res["contrib"][j, k])
        c_req = c_now + need
        n_req = c_req * 100.0 / w
        item: dict[str, Any] = {
            "indicator": d.id,
            "label_zh": d.label_zh,
            "next_class": nxt,
            "target_score": target,
            "strictly_above": strict,
            "current_value": _f(fr[d.id]),
            "unit": d.unit,
        }
        if n_req > info["max_normalized"] + 1e-12:
            item.update(
                reachable=False,
                note="单项已达上限, 仅提升此项无法升级 / capped: this indicator alone cannot reach the next class",
            )
            out.append(item)
            continue
        if sch.method == "ratio":
            b = float(res["b"][j, k])
            x = (
                n_req / 100.0 * b
                if info["direction"] == "benefit"
                else (b / (n_req / 100.0) if n_req > 0 else np.inf)
            )
        else:
            lo, hi = float(res["lo"][j, k]), float(res["hi"][j, k])
            t = (n_req - 20.0) / 80.0
            x = lo + t * (hi - lo) if info["direction"] == "benefit" else hi - t * (hi - lo)
        if not np.isfinite(x):
            item.update(reachable=False, note="无法计算 / not computable")
            out.append(item)
            continue
        cur = _f(fr[d.id])
        item.update(
            reachable=True,
            required_value=float(x),
            change=(float(x) - cur) if cur is not None else None,
        )
        if d.denominator != "parcel":
            den = _f(fr[d.denominator])
            if den:
                raw_now = _f(fr[d.numerator])
                raw_req = float(x) * den / d.factor
                item.update(
                    field=d.numerator,
                    required_field_value=raw_req,
                    field_change=(raw_req - raw_now) if raw_now is not None else None,
                )
        out.append(item)
    return out
