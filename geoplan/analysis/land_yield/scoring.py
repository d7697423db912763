"""Scores of one list: benchmarks per unit, the two normalisation families (ratio, min-max),
caps, weights and the missing-data rule.

Per indicator the normalized value is on a 0–100 scale (value ÷ benchmark × 100 for ratio
schemes, the 20–100 band for min-max) and the contribution is ``normalized × weight / 100``;
the score is the left-to-right sum of the contributions, so :func:`explain` reproduces it exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geoplan.analysis.land_yield.benchmarks import Figures, aggregate_benchmarks, benchmark_year
from geoplan.analysis.land_yield.schemes import IndicatorSpec, ListSpec, Scheme


def _ratio(
    spec: IndicatorSpec, x: np.ndarray, valid: np.ndarray, b: np.ndarray, info: dict[str, Any]
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (x / b) if spec.direction == "benefit" else (b / x)
    nv = np.where(valid & np.isfinite(r), np.maximum(r, 0.0) * 100.0, np.nan)
    if spec.cap is not None:
        nv = np.minimum(nv, spec.cap * 100.0)
        info["max_normalized"] = spec.cap * 100.0
    else:
        info["max_normalized"] = np.inf
    return nv


def _minmax(
    spec: IndicatorSpec,
    x: np.ndarray,
    valid: np.ndarray,
    u: np.ndarray,
    clip: tuple[float, float] | None,
    info: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min-max to the 20–100 band within each unit; returns (normalized, lo, hi) per member."""
    m = len(x)
    lo = np.full(m, np.nan)
    hi = np.full(m, np.nan)
    rows = []
    for k in np.unique(u):
        sel = u == k
        xv = x[sel & valid]
        if len(xv):
            a, c = (
                (float(q) for q in np.quantile(xv, clip))
                if clip is not None
                else (float(xv.min()), float(xv.max()))
            )
        else:
            a = c = np.nan
        lo[sel], hi[sel] = a, c
        rows.append({"unit": int(k), "min": a, "max": c, "n_firms": len(xv)})
    xc = np.clip(x, lo, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (xc - lo) / (hi - lo)
    t = t if spec.direction == "benefit" else 1.0 - t
    nv = np.where(hi > lo, 20.0 + 80.0 * t, 100.0)
    nv = np.where(valid, nv, np.nan)
    info.update(max_normalized=100.0, units=rows, rule="min-max")
    return nv, lo, hi


def score_list(
    values: dict[str, np.ndarray],
    members: np.ndarray,
    scheme: Scheme,
    lst: ListSpec,
    unit: np.ndarray,
    unit_labels: list[str],
    fig: Figures,
) -> dict[str, Any]:
    """Score the firms in *members* (bool mask) with the list's indicator set.

    Returns arrays over the members: contributions, normalized, substituted (n × k), the
    benchmark each member was compared with (``b``; the max/min for min-max), ``lo``/``hi``
    (min-max bounds), score (n), and per indicator the rule and its per-unit audit rows.
    """
    k = len(lst.indicators)
    idx = np.flatnonzero(members)
    m = len(idx)
    u = unit[idx]
    n_units = max(len(unit_labels), int(u.max()) + 1 if m else 0)
    contrib = np.zeros((m, k))
    norm = np.zeros((m, k))
    subst = np.zeros((m, k), dtype=bool)
    bmat = np.full((m, k), np.nan)
    lomat = np.full((m, k), np.nan)
    himat = np.full((m, k), np.nan)
    bench_info: list[dict] = []
    for j, spec in enumerate(lst.indicators):
        x = values[spec.id][idx]
        valid = np.isfinite(x)
        if spec.direction == "cost":
            valid &= x > 0
        info: dict[str, Any] = {
            "id": spec.id,
            "weight": spec.weight,
            "direction": spec.direction,
            "cap": spec.cap,
        }
        if scheme.method == "ratio":
            if spec.benchmark is not None:
                b = np.full(m, spec.benchmark)
                info.update(rule="fixed", source=spec.benchmark_source, units=[])
            else:
                per_unit, rows = aggregate_benchmarks(
                    spec, idx, unit, n_units, values[spec.id], fig, lst.name, unit_labels
                )
                b = per_unit[np.maximum(u, 0)] if m else np.zeros(0)
                b = np.where(u >= 0, b, np.nan)
                info.update(rule="aggregate", k=spec.derive_k, units=rows)
                info["year"] = benchmark_year(spec, fig.year)
            info["rule_text"] = spec.rule_text
            bmat[:, j] = b
            nv = _ratio(spec, x, valid, b, info)
        else:
            nv, lo, hi = _minmax(spec, x, valid, u, scheme.clip_quantiles, info)
            info["rule_text"] = "min-max (20–100) within the list and unit"
            lomat[:, j], himat[:, j] = lo, hi
            bmat[:, j] = hi if spec.direction == "benefit" else lo
        c = nv * (spec.weight / 100.0)
        miss = ~np.isfinite(c)
        if miss.any():
            if scheme.missing == "average" and (~miss).any():
                c[miss] = float(np.mean(c[~miss]))
                nv[miss] = float(np.mean(nv[~miss]))
            else:
                c[miss] = 0.0
                nv[miss] = 0.0
            subst[:, j] = miss
        info["substituted_value"] = float(c[miss][0]) if miss.any() else None
        contrib[:, j] = c
        norm[:, j] = nv
        bench_info.append(info)
    score = np.zeros(m)
    for j in range(k):  # left-to-right sum: explain() reproduces it exactly
        score = score + contrib[:, j]
    return {
        "idx": idx,
        "contrib": contrib,
        "norm": norm,
        "subst": subst,
        "b": bmat,
        "lo": lomat,
        "hi": himat,
        "score": score,
        "base_score": score.copy(),
        "indicators": [s.id for s in lst.indicators],
        "bench": bench_info,
    }
