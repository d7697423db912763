"""Classes from scores: rank shares within (unit, list), or score thresholds.

Rank shares are cumulative counts: in a (unit, list) of *n* firms the best ``round(n × A)`` are
A, down to ``round(n × (A + B))`` B and ``round(n × (A + B + C))`` C; the rest are D. **Ties go
to the worse class**: every firm of a tie takes the last position of the tie
(``rank(method="max")``), so a tie that straddles a cut falls wholly below it and no firm is
lifted by sharing a score (the 454 zero-tax 规下 firms of issue #15 are D, not C). Classes never
depend on row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.schemes import ClassRule, Scheme


def _round_half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5 + 1e-9)


def share_cuts(n: np.ndarray, rule: ClassRule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last rank of A, B and C for groups of *n* firms (cumulative, rounded half up)."""
    sh = rule.shares
    a = _round_half_up(n * sh["A"])
    ab = _round_half_up(n * (sh["A"] + sh["B"]))
    abc = _round_half_up(n * (sh["A"] + sh["B"] + sh["C"]))
    return a, ab, abc


def assign_classes(
    score: np.ndarray, unit: np.ndarray, group: np.ndarray, scheme: Scheme | ClassRule
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class per scored firm as codes 0–3 (A–D) within (unit, group), and ``(rank, unit_n)``.

    ``rank`` is the worst position of the firm's tie (1 = best); ``unit_n`` the firms ranked.
    """
    n = len(score)
    if n == 0:
        return np.zeros(0, np.int8), np.zeros(0), np.zeros(0)
    rule = scheme.classes if isinstance(scheme, Scheme) else scheme
    key = np.round(score, 9)
    df = pd.DataFrame({"u": unit, "g": group, "s": key})
    grp = df.groupby(["u", "g"], sort=False, dropna=False)["s"]
    rank = grp.rank(method="max", ascending=False).to_numpy()
    size = grp.transform("size").to_numpy()
    if rule.rule == "percentile":
        a, ab, abc = share_cuts(size, rule)
        cls = np.select([rank <= a, rank <= ab, rank <= abc], [0, 1, 2], 3)
    else:
        t = rule.thresholds
        cls = np.select([key >= t["A"], key >= t["B"], key >= t["C"]], [0, 1, 2], 3)
    return cls.astype(np.int8), rank, size
