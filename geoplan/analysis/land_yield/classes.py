"""Classes from scores: rank shares within the evaluation unit, or score thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.schemes import Scheme


def assign_classes(
    score: np.ndarray, unit: np.ndarray, group: np.ndarray, scheme: Scheme
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class per scored firm as codes 0–3 (A–D): rank percentiles within (unit, group) or score
    thresholds.

    Ties share the better rank (``rank(method="min")``), so classes never depend on row order.
    Returns ``(class_code, rank, unit_n)``.
    """
    n = len(score)
    if n == 0:
        return np.zeros(0, np.int8), np.zeros(0), np.zeros(0)
    key = np.round(score, 9)
    df = pd.DataFrame({"u": unit, "g": group, "s": key})
    grp = df.groupby(["u", "g"], sort=False, dropna=False)["s"]
    rank = grp.rank(method="min", ascending=False).to_numpy()
    size = grp.transform("size").to_numpy()
    rule = scheme.classes
    if rule.rule == "percentile":
        p = (rank - 1.0) / size
        sh = rule.shares
        cuts = (sh["A"], sh["A"] + sh["B"], sh["A"] + sh["B"] + sh["C"])
        eps = 1e-9
        cls = np.select([p < cuts[0] - eps, p < cuts[1] - eps, p < cuts[2] - eps], [0, 1, 2], 3)
    else:
        t = rule.thresholds
        cls = np.select([key >= t["A"], key >= t["B"], key >= t["C"]], [0, 1, 2], 3)
    return cls.astype(np.int8), rank, size
