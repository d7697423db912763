"""Scores: benchmarks, the two normalisation families (ratio, min-max), caps, weights, missing data."""

from __future__ import annotations

from typing import Any

import numpy as np

from geoplan.analysis.land_yield.schemes import Scheme


def _score_group(
    values: dict[str, np.ndarray], members: np.ndarray, scheme: Scheme, gname: str
) -> dict[str, Any]:
    """Score the firms in *members* (bool mask) with the group's indicator set.

    Returns arrays over the members: contributions (n × k), normalized (n × k), substituted
    (n × k bool), score (n), plus per-indicator benchmark info.
    """
    g = scheme.groups[gname]
    k = len(g.indicators)
    idx = np.flatnonzero(members)
    m = len(idx)
    contrib = np.zeros((m, k))
    norm = np.zeros((m, k))
    subst = np.zeros((m, k), dtype=bool)
    bench_info: list[dict] = []
    for j, spec in enumerate(g.indicators):
        x = values[spec.id][idx]
        valid = np.isfinite(x)
        if spec.direction == "cost":
            valid &= x > 0
        xv = x[valid]
        info: dict[str, Any] = {
            "id": spec.id,
            "weight": spec.weight,
            "direction": spec.direction,
            "cap": spec.cap,
        }
        if scheme.method == "ratio":
            if spec.benchmark is not None:
                b = spec.benchmark
                info["benchmark_rule"] = "fixed"
            else:
                stat = (
                    float(np.median(xv))
                    if spec.derive_stat == "median"
                    else float(np.mean(xv))
                    if len(xv)
                    else np.nan
                )
                b = spec.derive_k * stat
                info["benchmark_rule"] = f"{spec.derive_k:g} × {spec.derive_stat}"
            if not (np.isfinite(b) and b > 0):
                b = np.nan
            info["benchmark"] = b
            with np.errstate(divide="ignore", invalid="ignore"):
                r = (x / b) if spec.direction == "benefit" else (b / x)
            nv = np.where(valid & np.isfinite(r), np.maximum(r, 0.0) * 100.0, np.nan)
            if spec.cap is not None:
                nv = np.minimum(nv, spec.cap * 100.0)
                info["max_normalized"] = spec.cap * 100.0
            else:
                info["max_normalized"] = np.inf
        else:  # min-max to the 20–100 band
            if len(xv):
                if scheme.clip_quantiles is not None:
                    lo, hi = (float(v) for v in np.quantile(xv, scheme.clip_quantiles))
                else:
                    lo, hi = float(xv.min()), float(xv.max())
            else:
                lo = hi = np.nan
            info.update(
                min=lo,
                max=hi,
                benchmark=hi if spec.direction == "benefit" else lo,
                benchmark_rule="min-max",
            )
            xc = np.clip(x, lo, hi)
            if hi > lo:
                t = (xc - lo) / (hi - lo)
                t = t if spec.direction == "benefit" else 1.0 - t
                nv = 20.0 + 80.0 * t
            else:
                nv = np.full(m, 100.0)
            nv = np.where(valid, nv, np.nan)
            info["max_normalized"] = 100.0
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
        "score": score,
        "indicators": [s.id for s in g.indicators],
        "bench": bench_info,
    }
