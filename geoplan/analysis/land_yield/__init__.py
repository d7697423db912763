"""亩产效益 (亩均效益综合评价) evaluation: indicators, land shares, scores, classes, audit, what-if.

Entry points (stable contract, used by the scenario engine and the app):

- :func:`evaluate` → :class:`Evaluation` (firms, parcels, aggregates, 低效用地, compliance,
  unscored firms) for a scheme from :mod:`geoplan.analysis.land_yield.schemes`;
- :func:`explain` → the per-indicator breakdown of one firm's score (value, benchmark, normalized
  score, weight, contribution; contributions add up exactly to the score) and, per indicator, the
  smallest single change that lifts the firm to the next class;
- :func:`summary` → the JSON-ready summary printed by ``geoplan evaluate --json``.

Land per firm
-------------
A firm that holds its parcel (``tenure == "own"``) is evaluated on the parcel. A tenant
(``tenure == "rent"``) takes the share ``rented_floor_m2 / (far × area_m2) × area_mu``; the holder
keeps what the tenants do not take (land is conserved per parcel). With ``tenant_rule="holder"``
(the Jiangshan practice) tenants are not scored themselves: they take the land holder's class and
the holder is evaluated on the whole parcel. A firm with no usable land (unknown parcel, zero
area, tenant without floor figures, building with no floor area) is listed in
``Evaluation.unscored`` with the reason — never divided by zero, never silently scored.

Everything is vectorised over firms (numpy + pandas groupby); 10⁶ firms run in seconds.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.land_yield.schemes import CLASS_LABELS, INDICATORS, Scheme, load_scheme
from geoplan.errors import GeoplanError
from geoplan.settings import M2_PER_MU

logger = logging.getLogger(__name__)

#: Statistical year of the bundled sample's firm figures (``geoplan.sample.DATA_YEAR``); the
#: default evaluation year when neither the caller nor ``firms.attrs["year"]`` says otherwise.
DEFAULT_YEAR = 2023

#: 2011 national development-zone averages (341 zones), 万元/公顷 (domain anchors A.8).
NATIONAL_INDUSTRIAL_OUTPUT_PER_HA = 12_984.94
NATIONAL_HIGH_TECH_OUTPUT_PER_HA = 26_668.11
MU_PER_HA = 15.0

CLASS_ORDER = ("A", "B", "C", "D")
ALL_CLASSES = ("A", "B", "C", "D", "T")
INDUSTRIAL_PREFIX = "1001"
SUM_FIELDS = (
    "tax",
    "revenue",
    "value_added",
    "energy_tce",
    "employees",
    "fixed_investment",
    "rd_spend",
)
_FIRM_OPTIONAL = {
    "emissions_t": np.nan,
    "electricity_mwh": np.nan,
    "rd_spend": np.nan,
    "fixed_investment": np.nan,
    "tenure": "own",
    "rented_floor_m2": np.nan,
    "founded": np.nan,
    "high_tech": False,
    "sector": "",
}


@dataclass
class Evaluation:
    """The result of :func:`evaluate`.

    Attributes
    ----------
    firms
        One row per firm: ``land_mu`` (land used), ``land_rule`` (own/share/holder), every indicator
        of :data:`geoplan.analysis.land_yield.schemes.INDICATORS`, ``group`` (规上/规下), ``unit`` (evaluation unit),
        ``score``, ``class`` (A/B/C/D/T; empty for unscored), ``class_source`` (score/holder/
        exclusion), ``t_reason``, ``substituted`` (indicators given the average score), ``rank``
        and ``unit_n``.
    parcels
        GeoDataFrame: parcel fields plus summed firm figures, parcel indicators (亩均税收 …),
        ``industry`` (of the largest land user), ``class`` (of the largest land user).
    aggregates
        ``{"plate", "structure", "industry", "cluster", "zone"}`` → DataFrames.
    low_efficiency
        GeoDataFrame of flagged parcels (:mod:`geoplan.analysis.low_efficiency`).
    compliance
        Long DataFrame, one row per parcel × check (:mod:`geoplan.analysis.compliance`).
    unscored
        Firms without usable land, with ``reason``.
    scheme
        The scheme name; ``scheme_obj`` holds the :class:`~geoplan.analysis.land_yield.schemes.Scheme`.
    """

    firms: pd.DataFrame
    parcels: gpd.GeoDataFrame
    aggregates: dict[str, pd.DataFrame]
    low_efficiency: gpd.GeoDataFrame
    compliance: pd.DataFrame
    unscored: pd.DataFrame
    scheme: str
    scheme_obj: Scheme | None = None
    year: int = DEFAULT_YEAR
    tenant_rule: str = "share"
    parts: dict[str, Any] = field(default_factory=dict, repr=False)

    def firm_results(self) -> pd.DataFrame:
        """The result columns for firms (ids, land, the scheme's indicators, score, class, audit
        fields) without copies of the input figures — what the bench writes; join to the firm
        table by ``firm_id`` for names and figures."""
        ind = self.scheme_obj.indicator_ids if self.scheme_obj else []
        cols = [
            "firm_id",
            "parcel_id",
            "group",
            "unit",
            "land_mu",
            "land_rule",
            *ind,
            "score",
            "class",
            "class_source",
            "t_reason",
            "substituted",
            "rank",
            "unit_n",
        ]
        return self.firms[[c for c in dict.fromkeys(cols) if c in self.firms.columns]]

    def to_payload(self) -> dict:
        """What the project store keeps of an evaluation (kind ``evaluation``): the JSON summary,
        firm and parcel results, aggregates, 低效用地 and compliance tables."""
        import json

        aggs = {k: v.drop(columns="geometry", errors="ignore") for k, v in self.aggregates.items()}
        return {
            "summary": json.loads(json.dumps(summary(self), default=str)),
            "scheme": self.scheme,
            "year": self.year,
            "tenant_rule": self.tenant_rule,
            "firms": self.firm_results(),
            "parcels": self.parcel_results(),
            "aggregates": aggs,
            "low_efficiency": self.low_efficiency,
            "compliance": self.compliance,
            "unscored": self.unscored,
        }

    def parcel_results(self) -> gpd.GeoDataFrame:
        """The computed parcel columns with geometry (sums, 亩均 indicators, class, main user),
        without copies of the input attributes; join to the parcels by ``parcel_id`` for those."""
        cols = [
            "parcel_id",
            "plate",
            "n_firms",
            "n_tenants",
            "tax",
            "revenue",
            "value_added",
            "tax_per_mu",
            "revenue_per_mu",
            "va_per_mu",
            "investment_per_mu",
            "class",
            "industry",
            "main_firm",
        ]
        keep = [c for c in cols if c in self.parcels.columns]
        if isinstance(self.parcels, gpd.GeoDataFrame):
            keep.append(self.parcels.geometry.name)
        return self.parcels[keep]

    def class_counts(self) -> dict[str, int]:
        vc = self.firms["class"].value_counts()
        return {k: int(vc.get(k, 0)) for k in ALL_CLASSES}


# ------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------


def _need(frame: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        msg = f"{what}: required column(s) missing: {', '.join(missing)} (see `geoplan layers --docs`)"
        raise GeoplanError(msg)


def inner_points(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A point inside each polygon as ``(x, y)``: the bounding-box centre where it falls inside
    the polygon (almost always, and far cheaper than a centroid), else a point on the surface.
    Empty or missing geometries give NaN."""
    b = shapely.bounds(geoms)
    x = (b[:, 0] + b[:, 2]) / 2.0
    y = (b[:, 1] + b[:, 3]) / 2.0
    ok = np.isfinite(x)
    inside = np.zeros(len(geoms), bool)
    inside[ok] = shapely.contains_xy(geoms[ok], x[ok], y[ok])
    redo = np.flatnonzero(ok & ~inside)
    if len(redo):
        xy = shapely.get_coordinates(shapely.point_on_surface(geoms[redo]))
        x[redo], y[redo] = xy[:, 0], xy[:, 1]
    return x, y


def assign_plates(
    parcels: gpd.GeoDataFrame, plates: gpd.GeoDataFrame, *, name_field: str = "name"
) -> np.ndarray:
    """Plate name for each parcel: the plate containing a point inside the parcel (:func:`inner_points`).

    Vectorised (prepared point-in-polygon per plate, or one STRtree query when there are many
    plates); the first plate in layer order wins. Parcels outside every plate get ``None``.
    """
    codes = plate_codes(parcels, plates)
    names = np.append(plates[name_field].to_numpy(dtype=object), None)
    return names[np.where(codes < 0, len(names) - 1, codes)]


def plate_codes(parcels: gpd.GeoDataFrame, plates: gpd.GeoDataFrame) -> np.ndarray:
    """Row of the plate holding each parcel (−1 outside every plate); see :func:`assign_plates`."""
    from geoplan.data.crs import check_same_crs

    check_same_crs(parcels, plates)
    geoms = parcels.geometry.to_numpy()
    px, py = inner_points(geoms)
    pgeoms = plates.geometry.to_numpy()
    out = np.full(len(parcels), -1, dtype=np.int64)
    todo = np.flatnonzero(np.isfinite(px))
    if len(pgeoms) <= 64:  # few plates: prepared point-in-polygon per plate beats a tree query
        shapely.prepare(pgeoms)
        xs, ys = px[todo], py[todo]
        bounds = shapely.bounds(pgeoms)
        for k, poly in enumerate(pgeoms):
            if poly is None or not len(todo):
                continue
            x0, y0, x1, y1 = bounds[k]
            near = np.flatnonzero((xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1))
            hit = np.zeros(len(todo), bool)
            hit[near] = shapely.contains_xy(poly, xs[near], ys[near])
            out[todo[hit]] = k
            todo, xs, ys = todo[~hit], xs[~hit], ys[~hit]
    else:
        src, dst = shapely.STRtree(pgeoms).query(
            shapely.points(px[todo], py[todo]), predicate="within"
        )
        first = np.unique(src, return_index=True)
        out[todo[first[0]]] = dst[first[1]]
    return out


def _prepare_firms(firms: pd.DataFrame) -> pd.DataFrame:
    _need(
        firms,
        (
            "firm_id",
            "parcel_id",
            "scale",
            "tax",
            "revenue",
            "value_added",
            "energy_tce",
            "employees",
        ),
        "firms",
    )
    f = pd.DataFrame(firms).reset_index(
        drop=True
    )  # copy-on-write: the caller's frame is never changed
    for col, default in _FIRM_OPTIONAL.items():
        if col not in f.columns:
            f[col] = default
    for col in ("name", "industry"):
        if col not in f.columns:
            f[col] = ""
    return f


def _index_of(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Row of each value in *keys* (−1 where absent): an Arrow hash lookup for string columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        v = pa.array(values.astype(str).array)
        k = pa.array(keys.astype(str).array)
        return pc.index_in(v, value_set=k).fill_null(-1).to_numpy().astype(np.int64)
    except (pa.ArrowException, TypeError, ValueError):
        return pd.Index(keys.astype(str)).get_indexer(values.astype(str))


def _take_str(
    series: pd.Series, rows: np.ndarray, missing: str | None = None, *, low_cardinality: bool = True
) -> pd.Series:
    """``series`` values at positional *rows* (−1 → *missing*), as a string Series, via Arrow."""
    import pyarrow as pa

    codes, uniq = pd.factorize(series.astype(str)) if low_cardinality else (None, None)
    if (
        codes is not None and len(uniq) < 4096
    ):  # take from the small dictionary, not the full column
        arr = pa.array([str(u) for u in uniq], type=pa.large_string())
        sub = np.where(rows >= 0, codes[np.maximum(rows, 0)], -1)
        idx = pa.array(sub, mask=sub < 0, type=pa.int64())
    else:
        arr = (
            pa.array(series.astype(str).array)
            if len(series)
            else pa.array([], type=pa.large_string())
        )
        idx = pa.array(rows, mask=rows < 0, type=pa.int64())
    out = arr.take(idx)
    if missing is not None:
        out = out.fill_null(missing)
    return pd.Series(out, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _num(s: pd.Series | np.ndarray) -> np.ndarray:
    if isinstance(s, pd.Series) and s.dtype == np.float64:
        return s.to_numpy()
    return pd.to_numeric(pd.Series(s), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _div(num: np.ndarray, den: np.ndarray, factor: float = 1.0) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num * factor / den
    out[~(np.isfinite(den) & (den > 0))] = np.nan
    return out


# ------------------------------------------------------------------------------------------
# Land per firm
# ------------------------------------------------------------------------------------------


#: Land rules (``Evaluation.firms.land_rule``).
LAND_RULES = ("own", "share", "holder")
#: Why a firm has no usable land (``Evaluation.unscored.reason``); index 0 = it has land.
UNSCORED_REASONS = (
    "",
    "地块不存在 / parcel_id not found in parcels",
    "地块面积为零或缺失 / parcel has no land area",
    "承租企业无租用建筑面积 / tenant has no rented floor area",
    "地块无建筑面积(容积率为0) / the building has no floor area",
    "租户已占满地块, 权利人无剩余用地 / tenants take the whole parcel",
    "地块无土地使用权人企业, 承租企业无法随宗地主 / no land holder on the parcel",
    "宗地主未评价 / the land holder was not evaluated",
)


def land_shares(
    firms: pd.DataFrame, parcels: pd.DataFrame, *, tenant_rule: str = "share"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Land (亩) each firm is evaluated on.

    Returns ``(pidx, land_mu, rule, reason)``: the parcel row of each firm (−1 if unknown), its
    land in 亩 (NaN when it has none), the rule used (codes into :data:`LAND_RULES`) and why a
    firm has no land (codes into :data:`UNSCORED_REASONS`, 0 = it has land).
    """
    if tenant_rule not in ("share", "holder"):
        msg = f"tenant_rule must be 'share' or 'holder', got {tenant_rule!r}"
        raise GeoplanError(msg)
    n = len(firms)
    pidx = _index_of(firms["parcel_id"], parcels["parcel_id"])
    known = pidx >= 0
    area_mu = _num(parcels["area_mu"])
    if "area_m2" in parcels.columns:
        area_m2 = _num(parcels["area_m2"])
        area_m2 = np.where(np.isfinite(area_m2), area_m2, area_mu * M2_PER_MU)
    else:
        area_m2 = area_mu * M2_PER_MU
    floor_m2 = _num(parcels["far"]) * area_m2
    safe_p = np.maximum(pidx, 0)
    p_area = np.where(known, area_mu[safe_p], np.nan)
    p_floor = np.where(known, floor_m2[safe_p], np.nan)
    tenant = (firms["tenure"] == "rent").fillna(False).to_numpy(dtype=bool)
    rented = _num(firms["rented_floor_m2"])

    reason = np.zeros(n, dtype=np.int8)
    reason[~known] = 1
    reason[known & ~(np.isfinite(p_area) & (p_area > 0))] = 2
    land = np.full(n, np.nan)
    rule = tenant.astype(np.int8)  # 0 own, 1 share
    np_ = len(parcels)
    if tenant_rule == "share":
        ok = reason == 0
        has_rent = np.isfinite(rented) & (rented > 0)
        has_floor = np.isfinite(p_floor) & (p_floor > 0)
        reason[ok & tenant & ~has_rent] = 3
        reason[ok & tenant & has_rent & ~has_floor] = 4
        t_ok = ok & tenant & has_rent & has_floor
        share = np.where(t_ok, rented / np.where(t_ok, p_floor, 1.0), 0.0)
        # tenants together cannot take more than the parcel: scale down where they would
        tot = np.bincount(safe_p[t_ok], weights=share[t_ok], minlength=np_)
        scale = np.where(tot > 1.0, 1.0 / np.where(tot > 0, tot, 1.0), 1.0)
        share = share * scale[safe_p]
        land[t_ok] = share[t_ok] * p_area[t_ok]
        taken = np.minimum(tot, 1.0)
        owners = ok & ~tenant
        n_own = np.bincount(safe_p[owners], minlength=np_)
        rest = (1.0 - taken[safe_p]) * p_area / np.maximum(n_own[safe_p], 1)
        land[owners] = rest[owners]
        zero = owners & ~(rest > 1e-9)
        reason[zero] = 5
        land[zero] = np.nan
    else:
        ok = reason == 0
        owners = ok & ~tenant
        n_own = np.bincount(safe_p[owners], minlength=np_)
        land[owners] = (p_area / np.maximum(n_own[safe_p], 1))[owners]
        rule[ok & tenant] = 2
        reason[ok & tenant & ~(n_own[safe_p] > 0)] = 6
    return pidx, land, rule, reason


def _labels(
    codes: np.ndarray, labels: tuple[str, ...] | list[str], missing: str | None = ""
) -> pd.Series:
    """A string Series from integer codes into *labels* (−1 → *missing*), built in Arrow."""
    import pyarrow as pa

    cats = [*labels, missing]
    c = np.where(codes < 0, len(labels), codes).astype(np.int64)
    return pd.Series(
        pa.array(cats, type=pa.large_string()).take(pa.array(c)),
        dtype=pd.StringDtype("pyarrow", na_value=np.nan),
    )


# ------------------------------------------------------------------------------------------
# Indicators and scoring
# ------------------------------------------------------------------------------------------


#: The indicators every evaluation reports (issue item 1); others only when a scheme uses them.
CORE_INDICATORS = (
    "tax_per_mu",
    "revenue_per_mu",
    "va_per_mu",
    "va_per_energy",
    "va_per_emission",
    "rd_ratio",
    "labour_productivity",
    "investment_per_mu",
    "far",
    "coverage",
)


def compute_indicators(
    firms: pd.DataFrame,
    land_mu: np.ndarray,
    p_far: np.ndarray,
    p_cov: np.ndarray,
    ids: list[str] | tuple[str, ...] | None = None,
) -> dict[str, np.ndarray]:
    """Indicators per firm (NaN where the denominator is 0 or missing): *ids*, by default every
    indicator of :data:`INDICATORS`."""
    cols: dict[str, np.ndarray] = {"land_mu": land_mu, "far": p_far, "coverage": p_cov}
    out: dict[str, np.ndarray] = {}
    cache: dict[str, np.ndarray] = {}

    def col(name: str) -> np.ndarray:
        if name in cols:
            return cols[name]
        if name not in cache:
            cache[name] = _num(firms[name])
        return cache[name]

    for d in INDICATORS.values():
        if ids is not None and d.id not in ids:
            continue
        if d.denominator == "parcel":
            out[d.id] = col(d.numerator).copy()
        else:
            out[d.id] = _div(col(d.numerator), col(d.denominator), d.factor)
    return out


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


# ------------------------------------------------------------------------------------------
# evaluate
# ------------------------------------------------------------------------------------------


def evaluate(
    parcels: gpd.GeoDataFrame,
    firms: pd.DataFrame,
    scheme: Scheme | str | Path = "dalian_default",
    *,
    plates: gpd.GeoDataFrame | None = None,
    structure: gpd.GeoDataFrame | None = None,
    clusters: gpd.GeoDataFrame | None = None,
    year: int | None = None,
    tenant_rule: str = "share",
    compliance_edition: str = "2023",
    with_extras: bool = True,
) -> Evaluation:
    """Evaluate every firm and parcel under *scheme*.

    Parameters
    ----------
    parcels, firms
        Validated layers (:func:`geoplan.data.layers.load_layer`), parcels in the working CRS. Inputs
        are not modified.
    scheme
        A :class:`~geoplan.analysis.land_yield.schemes.Scheme`, a shipped name (``zhejiang_county``, ``jiangsu``,
        ``anhui_minmax``, ``dalian_default``) or a YAML path.
    plates
        When given, parcels are joined to plates spatially (centroid within plate) wherever
        ``parcels.plate`` is missing; otherwise ``parcels.plate`` is used.
    structure, clusters
        Optional polygon layers for aggregates by 十四五 structure element / cluster.
    year
        Evaluation year (T-class "founded < N years"); default ``firms.attrs["year"]`` or
        :data:`DEFAULT_YEAR`.
    tenant_rule
        ``"share"`` (tenants get rented floor / building floor × parcel land) or ``"holder"``
        (tenants take the land holder's class).
    compliance_edition
        ``"2023"`` (建筑系数 ≥ 40 %) or ``"2008"`` (≥ 30 %) 工业项目建设用地控制指标.
    with_extras
        Compute compliance and 低效用地 (default). The bench and quick what-ifs may skip them.
    """
    from geoplan.analysis import compliance as gcompliance
    from geoplan.analysis import low_efficiency as glow

    ticks: list[tuple[str, float]] = [("start", time.perf_counter())]

    def tick(label: str) -> None:
        ticks.append((label, time.perf_counter()))

    sch = load_scheme(scheme)
    year = int(year if year is not None else firms.attrs.get("year", DEFAULT_YEAR))
    _need(parcels, ("parcel_id", "area_mu", "far", "coverage", "land_use"), "parcels")
    f = _prepare_firms(firms)
    p = (
        parcels.reset_index(drop=True)
        if isinstance(parcels, gpd.GeoDataFrame)
        else gpd.GeoDataFrame(parcels.reset_index(drop=True))
    )
    if "plate" not in p.columns:
        p["plate"] = None
    if plates is not None and p["plate"].isna().any():
        joined = _labels(plate_codes(p, plates), [str(x) for x in plates["name"]], None)
        p["plate"] = (
            joined
            if p["plate"].isna().all()
            else p["plate"].astype(object).where(p["plate"].notna(), joined.astype(object))
        )
    if "status" not in p.columns:
        p["status"] = "built"

    tick("plates")
    pidx, land, rule, reason = land_shares(f, p, tenant_rule=tenant_rule)
    tick("land_shares")
    known = pidx >= 0
    sp = np.maximum(pidx, 0)
    n = len(f)

    p_far = np.where(known, _num(p["far"])[sp], np.nan)
    p_cov = np.where(known, _num(p["coverage"])[sp], np.nan)
    plate_codes_p, plate_names = pd.factorize(p["plate"])
    plate_code = np.where(known, plate_codes_p[sp], -1)
    ind_ids = list(dict.fromkeys([*CORE_INDICATORS, *sch.indicator_ids]))
    values = compute_indicators(f, land, p_far, p_cov, ind_ids)

    scale_codes, scale_names = pd.factorize(f["scale"].astype(str))
    scale_names = [str(x) for x in scale_names]
    unscored = reason != 0
    # --- T class: outside the scheme or excluded by its rules (codes into t_labels) ----------
    ex = sch.exclusions
    t_labels: list[str] = [""]
    t_code = np.zeros(n, dtype=np.int16)

    def t_add(mask: np.ndarray, text: str) -> None:
        t_labels.append(text)
        t_code[mask & (t_code == 0)] = len(t_labels) - 1

    founded = _num(f["founded"])
    if ex.founded_within_years is not None:
        t_add(
            np.isfinite(founded) & (year - founded < ex.founded_within_years),
            f"成立不满{ex.founded_within_years}年 / founded < {ex.founded_within_years} years before {year}",
        )
    if ex.sectors:
        t_add(f["sector"].isin(list(ex.sectors)).to_numpy(dtype=bool), "公用事业(水电气) / utility")
    if ex.land_uses:
        lu_p = p["land_use"].astype(str).isin(list(ex.land_uses)).to_numpy(dtype=bool)
        t_add(known & lu_p[sp], "公用设施用地 / utility land")
    group_code = {g: scale_names.index(g) if g in scale_names else -2 for g in sch.groups}
    in_scheme = np.isin(scale_codes, [c for c in group_code.values() if c >= 0])
    t_add(~in_scheme, "方案不评价该规模组 / the scheme has no indicators for this scale")
    for gname, g in sch.groups.items():
        if g.min_land_mu:
            t_add(
                (scale_codes == group_code[gname])
                & (np.nan_to_num(land, nan=0.0) < g.min_land_mu)
                & ~unscored,
                f"{gname}用地不足{g.min_land_mu:g}亩 / below {g.min_land_mu:g} 亩",
            )
    holder_mode_tenant = (rule == 2) & ~unscored  # tenants in holder mode follow the holder (below)
    t_code[holder_mode_tenant | unscored] = 0
    is_t = t_code > 0
    scored = ~unscored & ~is_t & ~holder_mode_tenant

    if sch.classes.unit == "plate":
        unit_code = plate_code
        unit_labels = [str(x) for x in plate_names]
    else:
        unit_code = np.zeros(n, dtype=np.int64)
        unit_labels = ["zone"]

    score = np.full(n, np.nan)
    cls = np.full(n, -1, dtype=np.int8)  # 0–3 = A–D, 4 = T, −1 = none
    rank = np.full(n, np.nan)
    unit_n = np.full(n, np.nan)
    source = np.zeros(n, dtype=np.int8)  # 0 "", 1 score, 2 exclusion, 3 holder
    subst_code = np.full(n, -1, dtype=np.int64)
    subst_labels: list[str] = []
    parts: dict[str, Any] = {"groups": {}}
    for gname in sch.groups:
        members = scored & (scale_codes == group_code[gname])
        if not members.any():
            continue
        res = _score_group(values, members, sch, gname)
        score[res["idx"]] = res["score"]
        if res["subst"].any():
            bits = (res["subst"].astype(np.int64) << np.arange(res["subst"].shape[1])).sum(axis=1)
            u, inv = np.unique(bits, return_inverse=True)
            ids = res["indicators"]
            labels = [",".join(ids[j] for j in range(len(ids)) if (b >> j) & 1) for b in u]
            offs = len(subst_labels)
            subst_labels.extend(labels)
            subst_code[res["idx"]] = np.where(bits > 0, inv + offs, -1)
        parts["groups"][gname] = res
    tick("indicators+score")
    s_idx = np.flatnonzero(scored)
    c, r, sz = assign_classes(score[s_idx], unit_code[s_idx], scale_codes[s_idx], sch)
    cls[s_idx], rank[s_idx], unit_n[s_idx] = c, r, sz
    source[s_idx] = 1
    cls[is_t] = 4
    source[is_t] = 2
    if holder_mode_tenant.any():
        # tenant takes the class of the parcel's main land holder (largest land, then firm_id hash)
        first_p, main = _main_user(pidx, land, f["firm_id"].astype(str), ~unscored & (rule == 0))
        holder_cls = np.full(len(p), -1, dtype=np.int8)
        holder_cls[first_p] = cls[main]
        holder_t = np.zeros(len(p), dtype=np.int16)
        holder_t[first_p] = t_code[main]
        hm = holder_mode_tenant
        cls[hm] = holder_cls[sp[hm]]
        t_code[hm] = holder_t[sp[hm]]
        source[hm] = 3
        nohold = hm & (cls < 0)
        reason[nohold & (reason == 0)] = 7
        unscored = unscored | nohold
        source[nohold] = 0

    tick("classes")
    plate_lab = _labels(plate_code, [str(x) for x in plate_names], None)
    cols: dict[str, Any] = {
        "firm_id": f["firm_id"].astype(str),
        "name": f["name"],
        "parcel_id": f["parcel_id"].astype(str),
        "plate": plate_lab,
        "industry": f["industry"],
        "scale": f["scale"],
        "sector": f["sector"],
        "tenure": f["tenure"].fillna("own"),
        "high_tech": f["high_tech"].fillna(False).astype(bool),
        "land_use": _take_str(p["land_use"], np.where(known, sp, -1), ""),
        "land_mu": land,
        "land_rule": _labels(rule.astype(np.int64), LAND_RULES),
        "rented_floor_m2": _num(f["rented_floor_m2"]),
    }
    for col in (*SUM_FIELDS, "emissions_t", "electricity_mwh"):
        cols[col] = _num(f[col])
    for iid in ind_ids:
        cols[iid] = values[iid]
    cols.update(
        {
            "group": _labels(np.where(scored, scale_codes, -1), scale_names),
            "unit": _labels(np.where(scored, unit_code, -1), unit_labels),
            "score": score,
            "class": _labels(cls.astype(np.int64), ALL_CLASSES),
            "class_source": _labels(source.astype(np.int64) - 1, ("score", "exclusion", "holder")),
            "t_reason": _labels(t_code.astype(np.int64) - 1, t_labels[1:]),
            "substituted": _labels(subst_code, subst_labels),
            "rank": rank,
            "unit_n": unit_n,
        }
    )
    out = pd.DataFrame(cols, copy=False)
    u_idx = np.flatnonzero(unscored)
    unscored_df = out.iloc[u_idx][["firm_id", "name", "parcel_id", "tenure", "scale"]].reset_index(
        drop=True
    )
    unscored_df["reason"] = np.asarray(UNSCORED_REASONS, dtype=object)[reason[u_idx]]
    parts["row_of"] = pd.Index(out["firm_id"])
    parts["scored_mask"] = scored
    is_t = cls == 4

    tick("firm_table")
    parcels_out = parcel_indicators(p, out, pidx)
    tick("parcel_indicators")
    comp = (
        gcompliance.check(parcels_out, edition=compliance_edition)
        if with_extras
        else pd.DataFrame()
    )
    low = (
        glow.find_low_efficiency(parcels_out, sch.low_efficiency, year=year, compliance_table=comp)
        if with_extras
        else gpd.GeoDataFrame(geometry=[], crs=p.crs)
    )
    tick("compliance+low_efficiency")
    aggs = aggregate(out, parcels_out, structure=structure, clusters=clusters)
    tick("aggregates")
    logger.debug(
        "evaluate stages (s): %s",
        ", ".join(f"{b[0]} {b[1] - a[1]:.3f}" for a, b in itertools.pairwise(ticks)),
    )
    logger.info(
        "evaluated %d firms (%d scored, %d T, %d unscored) with %s",
        n,
        scored.sum(),
        is_t.sum(),
        unscored.sum(),
        sch.name,
    )
    return Evaluation(
        out, parcels_out, aggs, low, comp, unscored_df, sch.name, sch, year, tenant_rule, parts
    )


# ------------------------------------------------------------------------------------------
# Parcels and aggregates
# ------------------------------------------------------------------------------------------


def _main_user(
    pidx: np.ndarray, land: np.ndarray, firm_id: pd.Series, eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per parcel, the eligible firm using the most land; ties broken by a hash of ``firm_id``
    (deterministic and independent of row order). Returns ``(parcel_rows, firm_rows)``."""
    key = np.nan_to_num(land, nan=-1.0)
    sel = np.flatnonzero(eligible & (pidx >= 0))
    if not len(sel):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = sel[np.argsort(pidx[sel], kind="stable")]
    po = pidx[order]
    ko = key[order]
    first_i = np.flatnonzero(np.r_[True, po[1:] != po[:-1]])
    first_p = po[first_i]
    gmax = np.maximum.reduceat(ko, first_i)
    sizes = np.diff(np.r_[first_i, len(order)])
    at_max = ko == np.repeat(gmax, sizes)
    n_max = np.add.reduceat(at_max.astype(np.int64), first_i)
    cand = np.flatnonzero(at_max)  # positions in `order`, grouped by parcel
    grp = np.repeat(np.arange(len(first_i)), sizes)[cand]
    first_c = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    main = order[cand[first_c]]
    tied = np.flatnonzero(n_max > 1)
    if len(
        tied
    ):  # co-owners with the same land: the smallest firm_id hash wins, whatever the row order
        tc = cand[np.isin(grp, tied)]
        h = pd.util.hash_array(firm_id.to_numpy(dtype=object)[order[tc]])
        g = grp[np.isin(grp, tied)]
        o = np.lexsort((h, g))
        fi = np.flatnonzero(np.r_[True, g[o][1:] != g[o][:-1]])
        main[g[o][fi]] = order[tc[o][fi]]
    return first_p, main


def parcel_indicators(
    parcels: gpd.GeoDataFrame, firms_eval: pd.DataFrame, pidx: np.ndarray
) -> gpd.GeoDataFrame:
    """Sum firm figures per parcel; parcel 亩均 indicators on the parcel's own land; the class
    and industry of the parcel's largest land user (``main_firm``)."""
    n_p = len(parcels)
    ok = pidx >= 0
    sp = pidx[ok]
    new: dict[str, np.ndarray] = {}
    for col in SUM_FIELDS:
        v = np.nan_to_num(firms_eval[col].to_numpy(dtype="float64")[ok])
        new["firm_fixed_investment" if col == "fixed_investment" else col] = np.bincount(
            sp, weights=v, minlength=n_p
        )
    new["n_firms"] = np.bincount(sp, minlength=n_p)
    is_rent = (firms_eval["tenure"] == "rent").to_numpy(dtype=bool)[ok]
    new["n_tenants"] = np.bincount(sp, weights=is_rent.astype(float), minlength=n_p).astype(
        np.int64
    )
    rented = (
        np.nan_to_num(firms_eval["rented_floor_m2"].to_numpy(dtype="float64")[ok])
        if "rented_floor_m2" in firms_eval.columns
        else np.zeros(ok.sum())
    )
    new["tenant_floor_m2"] = np.bincount(sp, weights=rented * is_rent, minlength=n_p)
    area = _num(parcels["area_mu"])
    has = new["n_firms"] > 0
    for iid, num in (
        ("tax_per_mu", "tax"),
        ("revenue_per_mu", "revenue"),
        ("va_per_mu", "value_added"),
    ):
        new[iid] = np.where(has, _div(new[num], area), np.nan)
    inv = _num(parcels["investment"]) if "investment" in parcels.columns else np.full(n_p, np.nan)
    inv = np.where(np.isfinite(inv), inv, np.where(has, new["firm_fixed_investment"], np.nan))
    new["investment_per_mu"] = _div(inv, area)
    new["va_per_energy"] = np.where(has, _div(new["value_added"], new["energy_tce"]), np.nan)
    new["energy_per_va"] = np.where(has, _div(new["energy_tce"], new["value_added"]), np.nan)
    # largest land user per parcel → its class and industry
    first_p, main = _main_user(
        pidx,
        firms_eval["land_mu"].to_numpy(dtype="float64"),
        firms_eval["firm_id"],
        np.ones(len(pidx), bool),
    )
    rows = np.full(n_p, -1, dtype=np.int64)
    rows[first_p] = main
    for col, src, missing in (
        ("class", "class", ""),
        ("industry", "industry", None),
        ("main_sector", "sector", None),
        ("main_firm", "firm_id", None),
    ):
        new[col] = _take_str(
            firms_eval[src], rows, missing, low_cardinality=col != "main_firm"
        ).array
    frame = pd.DataFrame(new, index=parcels.index, copy=False)
    keep = parcels.drop(columns=[c for c in frame.columns if c in parcels.columns])
    out = pd.concat([keep, frame], axis=1)
    if isinstance(parcels, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(out, geometry=parcels.geometry.name, crs=parcels.crs)
    return out


def _class_counts(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Firms per class (n_A … n_T) for each value of *key* (factorize + bincount)."""
    codes, uniq = pd.factorize(frame[key])
    ccode = pd.Index(ALL_CLASSES).get_indexer(frame["class"].fillna(""))
    m = (codes >= 0) & (ccode >= 0)
    k = len(ALL_CLASSES)
    mat = np.bincount(codes[m] * k + ccode[m], minlength=len(uniq) * k).reshape(len(uniq), k)
    return pd.DataFrame(
        mat, index=pd.Index(uniq, name=key), columns=[f"n_{c}" for c in ALL_CLASSES]
    )


def _sums(parcels: pd.DataFrame, key: pd.Series | np.ndarray, name: str) -> pd.DataFrame:
    """Sum parcel land and firm figures by *key* (factorize + bincount), with 亩均 ratios."""
    codes, uniq = pd.factorize(
        pd.Series(np.asarray(key, dtype=object)) if not isinstance(key, pd.Series) else key,
        sort=True,
    )
    k = len(uniq)
    m = codes >= 0
    c = codes[m]
    has = (parcels["n_firms"].to_numpy() > 0)[m]
    area = np.nan_to_num(_num(parcels["area_mu"])[m])
    cols = {"area_mu": area, "occupied_mu": np.where(has, area, 0.0)}
    for col in ("tax", "revenue", "value_added", "employees"):
        cols[col] = np.nan_to_num(parcels[col].to_numpy(dtype="float64")[m])
    g = pd.DataFrame(
        {col: np.bincount(c, weights=v, minlength=k) for col, v in cols.items()},
        index=pd.Index([str(u) for u in uniq], name=name),
    )
    g["n_parcels"] = np.bincount(c, minlength=k)
    g["n_firms"] = np.bincount(
        c, weights=parcels["n_firms"].to_numpy()[m].astype(float), minlength=k
    ).astype(np.int64)
    occ = g["occupied_mu"].where(g["occupied_mu"] > 0)
    g["tax_per_mu"] = g["tax"] / occ
    g["va_per_mu"] = g["value_added"] / occ
    g["revenue_per_mu"] = g["revenue"] / occ
    return g


def _spatial_pairs(
    parcels: gpd.GeoDataFrame, polys: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    from geoplan.data.crs import check_same_crs

    keep = polys.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not keep.any() or not isinstance(parcels, gpd.GeoDataFrame) or parcels.crs is None:
        return np.zeros(0, int), np.zeros(0, int)
    check_same_crs(parcels, polys)
    tree = shapely.STRtree(polys.geometry.to_numpy()[keep])
    px, py = inner_points(parcels.geometry.to_numpy())
    src, dst = tree.query(shapely.points(px, py), predicate="within")
    return src, np.flatnonzero(keep)[dst]


def aggregate(
    firms_eval: pd.DataFrame,
    parcels_eval: gpd.GeoDataFrame,
    *,
    structure: gpd.GeoDataFrame | None = None,
    clusters: gpd.GeoDataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Aggregates by plate, 十四五 structure element, cluster, industry and for the zone.

    亩均 figures divide summed firm figures by the land of the parcels those firms occupy.
    The zone row compares land productivity with the 2011 national development-zone averages.
    """
    out: dict[str, pd.DataFrame] = {}
    pe = parcels_eval
    plate_key = pe["plate"].fillna("(无板块)").astype(str)
    g = _sums(pe, plate_key, "plate")
    fplate = firms_eval.assign(plate=firms_eval["plate"].fillna("(无板块)"))
    out["plate"] = (
        g.join(_class_counts(fplate, "plate"), how="left")
        .fillna({f"n_{k}": 0 for k in ALL_CLASSES})
        .reset_index()
    )

    for layer_name, layer, id_col in (
        ("structure", structure, "element_id"),
        ("cluster", clusters, "cluster_id"),
    ):
        if layer is None or len(layer) == 0:
            out[layer_name] = pd.DataFrame()
            continue
        src, dst = _spatial_pairs(pe, layer)
        if len(src) == 0:
            out[layer_name] = pd.DataFrame()
            continue
        sub = pe.iloc[src]
        key = layer[id_col].astype(str).to_numpy()[dst]
        gg = _sums(sub, key, id_col)
        pid_key = pd.DataFrame({"parcel_id": sub["parcel_id"].to_numpy(), id_col: key})
        fk = firms_eval[["parcel_id", "class"]].merge(pid_key, on="parcel_id")
        gg = gg.join(_class_counts(fk, id_col), how="left").fillna(
            {f"n_{k}": 0 for k in ALL_CLASSES}
        )
        names = layer.set_index(layer[id_col].astype(str))["name"]
        gg.insert(0, "name", names.reindex(gg.index).to_numpy())
        out[layer_name] = gg.reset_index()

    fi = firms_eval
    icode, inames = pd.factorize(fi["industry"].fillna("").astype(str))
    k = len(inames)
    gi = pd.DataFrame(
        {
            "land_mu": np.bincount(
                icode, weights=np.nan_to_num(fi["land_mu"].to_numpy(dtype="float64")), minlength=k
            )
        },
        index=pd.Index([str(x) for x in inames], name="industry"),
    )
    for col in ("tax", "revenue", "value_added"):
        gi[col] = np.bincount(
            icode, weights=np.nan_to_num(fi[col].to_numpy(dtype="float64")), minlength=k
        )
    gi["n_firms"] = np.bincount(icode, minlength=k)
    for iid, num in (
        ("tax_per_mu", "tax"),
        ("va_per_mu", "value_added"),
        ("revenue_per_mu", "revenue"),
    ):
        gi[iid] = gi[num] / gi["land_mu"].where(gi["land_mu"] > 0)
    cc = _class_counts(pd.DataFrame({"industry": icode, "class": fi["class"]}), "industry")
    cc.index = [str(inames[c]) for c in cc.index]
    gi = gi.join(cc, how="left").fillna({f"n_{c}": 0 for c in ALL_CLASSES}).sort_index()
    gi.index.name = "industry"
    if clusters is not None and len(clusters) and "industry" in clusters.columns:
        cl = clusters.groupby(clusters["industry"].astype(str))["name"].agg(
            lambda s: "; ".join(map(str, s))
        )
        gi.insert(0, "clusters", cl.reindex(gi.index).to_numpy())
    out["industry"] = gi.reset_index()

    # zone totals and national benchmarks
    has = pe["n_firms"].to_numpy() > 0
    occ = float(_num(pe["area_mu"])[has].sum())
    built = (
        (pe["status"] == "built").to_numpy(dtype=bool)
        if "status" in pe.columns
        else np.ones(len(pe), bool)
    )
    ind_land = (
        pe["land_use"].astype(str).str.startswith(INDUSTRIAL_PREFIX).to_numpy(dtype=bool) & built
    )
    ind_ha = float(_num(pe["area_mu"])[ind_land].sum()) / MU_PER_HA
    ind_rev = float(pe["revenue"].to_numpy(dtype="float64")[ind_land].sum())
    ht = fi["high_tech"].to_numpy(dtype=bool) & (fi["land_mu"].fillna(0).to_numpy() > 0)
    ht_ha = float(fi["land_mu"].to_numpy()[ht].sum()) / MU_PER_HA
    ht_rev = float(fi["revenue"].to_numpy(dtype="float64")[ht].sum())
    ind_out = ind_rev / ind_ha if ind_ha > 0 else np.nan
    ht_out = ht_rev / ht_ha if ht_ha > 0 else np.nan
    counts = fi["class"].value_counts()
    zone = {
        "occupied_mu": occ,
        "area_mu": float(_num(pe["area_mu"]).sum()),
        "tax": float(pe["tax"].sum()),
        "revenue": float(pe["revenue"].sum()),
        "value_added": float(pe["value_added"].sum()),
        "tax_per_mu": float(pe["tax"].sum()) / occ if occ > 0 else np.nan,
        "va_per_mu": float(pe["value_added"].sum()) / occ if occ > 0 else np.nan,
        "industrial_land_ha": ind_ha,
        "industrial_output_per_ha": ind_out,
        "national_industrial_output_per_ha": NATIONAL_INDUSTRIAL_OUTPUT_PER_HA,
        "industrial_vs_national": ind_out / NATIONAL_INDUSTRIAL_OUTPUT_PER_HA
        if np.isfinite(ind_out)
        else np.nan,
        "high_tech_land_ha": ht_ha,
        "high_tech_output_per_ha": ht_out,
        "national_high_tech_output_per_ha": NATIONAL_HIGH_TECH_OUTPUT_PER_HA,
        "high_tech_vs_national": ht_out / NATIONAL_HIGH_TECH_OUTPUT_PER_HA
        if np.isfinite(ht_out)
        else np.nan,
        "output_note": "产出 = 营业收入 (revenue) as the output proxy; 2011 national development-zone averages",
        **{f"n_{k}": int(counts.get(k, 0)) for k in ALL_CLASSES},
    }
    out["zone"] = pd.DataFrame([zone])
    return out


# ------------------------------------------------------------------------------------------
# Audit and what-if
# ------------------------------------------------------------------------------------------


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


def _f(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


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
        note = (
            "随宗地主定级 / class follows the land holder" if fr["class_source"] == "holder" else ""
        )
        return {
            **base,
            "components": [],
            "score": None,
            "class": cls,
            "class_label": CLASS_LABELS.get(cls or "", ""),
            "reason": reason or note,
            "to_next_class": [],
        }
    gname = fr["group"]
    res = evaluation.parts["groups"][gname]
    j = int(np.searchsorted(res["idx"], i))
    sch = evaluation.scheme_obj
    comps = []
    for k, info in enumerate(res["bench"]):
        d = INDICATORS[info["id"]]
        comps.append(
            {
                "indicator": d.id,
                "label_zh": d.label_zh,
                "unit": d.unit,
                "value": _f(fr[d.id]),
                "benchmark": _f(info.get("benchmark")),
                "benchmark_rule": info.get("benchmark_rule"),
                "normalized": float(res["norm"][j, k]),
                "weight": float(info["weight"]),
                "contribution": float(res["contrib"][j, k]),
                "substituted": bool(res["subst"][j, k]),
            }
        )
    score = float(res["score"][j])
    return {
        **base,
        "components": comps,
        "score": score,
        "class": cls,
        "class_label": CLASS_LABELS.get(cls, ""),
        "rank": int(fr["rank"]),
        "unit": fr["unit"],
        "unit_n": int(fr["unit_n"]),
        "method": sch.method if sch else None,
        "to_next_class": _to_next_class(evaluation, i, j, res, score, cls),
    }


def _to_next_class(ev: Evaluation, i: int, j: int, res: dict, score: float, cls: str) -> list[dict]:
    if cls == "A":
        return []
    nxt = CLASS_ORDER[CLASS_ORDER.index(cls) - 1]
    sch = ev.scheme_obj
    fr = ev.firms.iloc[i]
    if sch.classes.rule == "threshold":
        target = float(sch.classes.thresholds[nxt])
    else:
        peers = ev.firms[
            (ev.firms["unit"] == fr["unit"])
            & (ev.firms["group"] == fr["group"])
            & (ev.firms["class"] == nxt)
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
            b = info["benchmark"]
            x = (
                n_req / 100.0 * b
                if info["direction"] == "benefit"
                else (b / (n_req / 100.0) if n_req > 0 else np.inf)
            )
        else:
            lo, hi = info["min"], info["max"]
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


# ------------------------------------------------------------------------------------------
# JSON summary (CLI and app)
# ------------------------------------------------------------------------------------------


def _r(v: Any, nd: int = 2) -> float | None:
    x = _f(v)
    return None if x is None else round(x, nd)


def summary(ev: Evaluation) -> dict:
    """The JSON summary of ``geoplan evaluate --json``."""
    by_plate = []
    for _, r in ev.aggregates["plate"].iterrows():  # a handful of plates
        counts = {k: int(r[f"n_{k}"]) for k in ALL_CLASSES}
        by_plate.append(
            {
                "plate": r["plate"],
                "tax_per_mu": _r(r["tax_per_mu"]),
                "va_per_mu": _r(r["va_per_mu"]),
                "亩均税收": _r(r["tax_per_mu"]),
                "亩均增加值": _r(r["va_per_mu"]),
                "occupied_mu": _r(r["occupied_mu"], 1),
                "n_firms": int(r["n_firms"]),
                "classes": counts,
            }
        )
    z = ev.aggregates["zone"].iloc[0]
    low = ev.low_efficiency
    return {
        "scheme": ev.scheme,
        "year": ev.year,
        "tenant_rule": ev.tenant_rule,
        "firms_total": len(ev.firms),
        "firms_evaluated": int(ev.firms["class"].isin(ALL_CLASSES).sum()),
        "firms_scored": int(ev.parts["scored_mask"].sum()),
        "firms_unscored": len(ev.unscored),
        "unscored_reasons": {
            str(k): int(v) for k, v in ev.unscored["reason"].value_counts().items()
        },
        "classes": ev.class_counts(),
        "by_plate": by_plate,
        "zone": {
            "tax_per_mu": _r(z["tax_per_mu"]),
            "va_per_mu": _r(z["va_per_mu"]),
            "industrial_output_per_ha": _r(z["industrial_output_per_ha"]),
            "national_industrial_output_per_ha": NATIONAL_INDUSTRIAL_OUTPUT_PER_HA,
            "industrial_vs_national": _r(z["industrial_vs_national"], 3),
            "high_tech_output_per_ha": _r(z["high_tech_output_per_ha"]),
            "national_high_tech_output_per_ha": NATIONAL_HIGH_TECH_OUTPUT_PER_HA,
            "high_tech_vs_national": _r(z["high_tech_vs_national"], 3),
        },
        "low_efficiency": {
            "parcels": len(low),
            "area_mu": _r(low["area_mu"].sum() if len(low) else 0.0, 1),
            "by_criterion": {
                k: int(v)
                for k, v in (
                    low["criteria"].str.split(",").explode().value_counts().items()
                    if len(low)
                    else []
                )
            },
            "by_route": {
                k: int(v) for k, v in (low["route"].value_counts().items() if len(low) else [])
            },
            "gain_tax_wan": _r(low["gain_tax"].sum() if len(low) else 0.0, 1),
        },
        "compliance": {
            "checks": len(ev.compliance),
            "failed": int(ev.compliance["passed"].eq(False).sum()) if len(ev.compliance) else 0,
            "parcels_failing": int(
                ev.compliance.loc[ev.compliance["passed"].eq(False), "parcel_id"].nunique()
            )
            if len(ev.compliance)
            else 0,
        },
    }
