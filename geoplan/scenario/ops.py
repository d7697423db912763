"""Applying scenario operations to a working copy of the zone.

:class:`State` holds the scenario's own copies of the layers (parcels, firms, substations,
sewage plants, roads) plus a change log per parcel. Each ``apply_<op>`` function edits the state
and returns a short summary for the run report. References into the zone (parcel ids, facility
names, layer features) are resolved here and errors name the scenario line and field.

Yields of new or replaced firms come from **profiles**: per industry, the median (or another
quantile) of the base evaluation's per-floor-area figures of scored firms — by default of the
A-class firms (``median_A``). Floor area is the firm's land share × FAR, so 工业上楼 raises output
with floor area at the same intensity.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

from geoplan.analysis import infrastructure as infra
from geoplan.data import crs as gcrs
from geoplan.data.catalog import LAYER_TYPES
from geoplan.errors import GeoplanError
from geoplan.scenario.spec import PHASE_ORDER, GeometrySpec, Operation
from geoplan.settings import M2_PER_MU

logger = logging.getLogger(__name__)

#: A polygon more than this far from the zone is taken for a coordinate mistake (swapped lon/lat,
#: wrong CRS) rather than an expansion area.
MAX_OUTSIDE_M = 5000.0
#: Land uses whose parcels host firms (用地用海 prefixes): industry, storage, research, commerce.
ECONOMIC_PREFIXES = ("10", "11", "0802", "09")
#: Default building coverage (建筑系数) of new land by use prefix.
DEFAULT_COVERAGE = {
    "10": 0.45,
    "11": 0.45,
    "0802": 0.35,
    "09": 0.35,
    "07": 0.25,
    "08": 0.3,
    "14": 0.0,
}
#: Statistical maturity given to new firms so the evaluation does not class them T (new firm).
MATURE_YEARS = 10
#: Typical land per firm on new land (亩), by use prefix: 标准地-sized industrial plots, research
#: campuses shared by several institutes, commercial buildings with several tenants. Assumption.
TYPICAL_FIRM_MU = {"10": 50.0, "11": 50.0, "0802": 20.0, "09": 10.0}


@dataclass
class State:
    """The scenario's working copy of the zone. The base zone is never touched."""

    layers: dict[str, pd.DataFrame]
    phase: str
    year: int
    base_eval: Any  # geoplan.analysis.land_yield.Evaluation of the base zone
    changes: dict[str, list[str]] = field(default_factory=dict)  # parcel_id → change notes
    warnings: list[str] = field(default_factory=list)
    unplaced: list[dict] = field(default_factory=list)
    op_reports: list[dict] = field(default_factory=list)
    _seq: dict[str, int] = field(default_factory=dict)

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        return self.layers["parcels"]

    @property
    def firms(self) -> pd.DataFrame:
        return self.layers["firms"]

    def note(self, ids, text: str) -> None:
        for pid in ids:
            self.changes.setdefault(str(pid), []).append(text)

    def next_id(self, prefix: str, existing: set[str]) -> str:
        return self.next_ids(prefix, existing, 1)[0]

    def next_ids(self, prefix: str, existing: set[str], k: int) -> list[str]:
        """*k* new ids ``<prefix>001`` … that are not in *existing* (nor issued before)."""
        n = self._seq.get(prefix, 0)
        out = []
        while len(out) < k:
            n += 1
            cand = f"{prefix}{n:03d}"
            if cand not in existing:
                out.append(cand)
        self._seq[prefix] = n
        return out


# ==========================================================================================
# Geometry resolution
# ==========================================================================================


def resolve_geometry(spec: GeometrySpec, state: State, op: Operation, key: str) -> gpd.GeoSeries:
    """The geometry of an operation field in the working CRS (validated)."""
    if spec.kind == "layer":
        layer = state.layers.get(spec.layer)
        if layer is None:
            op.fail(key, f"the zone has no '{spec.layer}' layer")
        id_field = LAYER_TYPES[spec.layer].id_field if spec.layer in LAYER_TYPES else None
        sel = np.zeros(len(layer), dtype=bool)
        missing = []
        for v in spec.ids:
            hit = (
                layer[id_field].astype(str).to_numpy() == v
                if id_field in layer
                else np.zeros(len(layer), bool)
            )
            missing += [v] if not hit.any() else []
            sel |= hit
        for v in spec.names:
            hit = (
                layer["name"].astype(str).to_numpy() == v
                if "name" in layer
                else np.zeros(len(layer), bool)
            )
            missing += [v] if not hit.any() else []
            sel |= hit
        if missing:
            known = ", ".join(layer[id_field].astype(str).head(20)) if id_field in layer else ""
            op.fail(
                key, f"no feature {', '.join(missing)} in layer '{spec.layer}' (ids: {known} …)"
            )
        geoms = layer.geometry[sel]
        return gpd.GeoSeries(geoms.to_numpy(), crs=layer.crs)
    if spec.kind == "file":
        from geoplan.data.io import read_vector

        try:
            frame = read_vector(spec.path)
        except GeoplanError as exc:
            op.fail(key, str(exc))
        if frame.crs is None:
            if not spec.crs:
                op.fail(
                    key, f"{spec.path.name} has no CRS; add 'crs: EPSG:4326' (or the file's CRS)"
                )
            frame = frame.set_crs(spec.crs)
    else:
        frame = gpd.GeoDataFrame(geometry=list(spec.geoms), crs=spec.crs or "EPSG:4326")
    if spec.coord_system != "wgs84":
        frame = gcrs.convert_offset(frame, spec.coord_system, "wgs84")
    try:
        frame = gcrs.to_working(frame)
    except GeoplanError as exc:
        op.fail(key, str(exc))
    geoms = frame.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        op.fail(
            key,
            f"invalid geometry ({shapely.is_valid_reason(geoms[bad][0])}); "
            "fix the polygon (no self-intersections)",
        )
    return gpd.GeoSeries(geoms, crs=frame.crs)


def hard_union(state: State) -> shapely.Geometry | None:
    """Union of the hard constraints (刚性管控: forest park, water source, coastal setback …)."""
    if "_hard" not in state.__dict__:
        cons = state.layers.get("constraints")
        hard = None
        if cons is not None and len(cons) and "hard" in cons:
            sel = cons["hard"].astype(bool).to_numpy()
            hard = shapely.union_all(cons.geometry.to_numpy()[sel]) if sel.any() else None
        state.__dict__["_hard"] = hard
    return state.__dict__["_hard"]


def minus_parcels(geoms: np.ndarray, parcels: gpd.GeoDataFrame) -> np.ndarray:
    """Each geometry minus the parcels it overlaps (only those: no zone-wide union)."""
    gi, pi = parcels.sindex.query(geoms, predicate="intersects")
    out = np.asarray(geoms, dtype=object).copy()
    if len(gi):
        pg = parcels.geometry.to_numpy()
        order = np.argsort(gi, kind="stable")
        gi, pi = gi[order], pi[order]
        starts = np.flatnonzero(np.r_[True, gi[1:] != gi[:-1]])
        ends = np.r_[starts[1:], len(gi)]
        cover = [shapely.union_all(pg[pi[a:b]]) for a, b in zip(starts, ends, strict=True)]
        idx = gi[starts]
        out[idx] = shapely.difference(out[idx], np.asarray(cover, dtype=object))
    return out


def check_near_zone(geoms: gpd.GeoSeries, state: State, op: Operation, key: str) -> None:
    """A geometry far from the zone is a coordinate mistake, not an expansion area."""
    zone = state.layers.get("zone")
    if zone is None or zone.empty:
        return
    z = shapely.union_all(zone.geometry.to_numpy())
    d = float(shapely.distance(shapely.union_all(geoms.to_numpy()), z))
    if d > MAX_OUTSIDE_M:
        op.fail(
            key,
            f"the geometry lies {d / 1000:.1f} km outside the zone (more than "
            f"{MAX_OUTSIDE_M / 1000:.0f} km): check the coordinates (longitude first, EPSG:4326) "
            "or give 'crs'",
        )


def polygons_of(geoms: gpd.GeoSeries, op: Operation, key: str) -> shapely.Geometry:
    polys = [
        g for g in geoms.to_numpy() if g is not None and g.geom_type in ("Polygon", "MultiPolygon")
    ]
    if not polys:
        op.fail(key, "needs a polygon (got " + ", ".join(sorted(set(geoms.geom_type))) + ")")
    return shapely.union_all(polys)


# ==========================================================================================
# Selections
# ==========================================================================================


def select_parcels(where: dict, state: State, op: Operation, key: str = "where") -> np.ndarray:
    """Boolean mask over the state's parcels."""
    p = state.parcels
    m = np.ones(len(p), dtype=bool)
    if "parcels" in where:
        ids = p["parcel_id"].astype(str).to_numpy()
        missing = sorted(set(where["parcels"]) - set(ids))
        if missing:
            k = "parcels" if key != "where" or "parcels" not in where else f"{key}.parcels"
            op.fail(
                k if key == "where" else key,
                f"unknown parcel id(s): {', '.join(missing[:10])}"
                + (f" … ({len(missing)} in all)" if len(missing) > 10 else ""),
            )
        m &= np.isin(ids, list(where["parcels"]))
    if "plate" in where:
        known = set(p["plate"].astype(str))
        bad = [x for x in where["plate"] if x not in known]
        if bad:
            op.fail(f"{key}.plate", f"unknown plate {bad[0]!r}; plates: {', '.join(sorted(known))}")
        m &= p["plate"].astype(str).isin(where["plate"]).to_numpy()
    if "land_use" in where:
        codes = p["land_use"].astype(str)
        hit = np.zeros(len(p), dtype=bool)
        for c in where["land_use"]:
            hit |= codes.str.startswith(c).to_numpy()
        m &= hit
    if "status" in where:
        m &= p["status"].isin(where["status"]).to_numpy()
    if "far_below" in where:
        m &= pd.to_numeric(p["far"], errors="coerce").fillna(0).to_numpy() < where["far_below"]
    if "structure" in where:
        st = state.layers.get("structure")
        sel = st[
            st["element_id"].astype(str).isin(where["structure"])
            | st["name"].astype(str).isin(where["structure"])
        ]
        if sel.empty:
            op.fail(f"{key}.structure", f"unknown structure element {where['structure'][0]!r}")
        m &= _inside(p, shapely.union_all(sel.geometry.to_numpy()))
    if "within" in where:
        g = polygons_of(
            resolve_geometry(where["within"], state, op, f"{key}.within"), op, f"{key}.within"
        )
        m &= _inside(p, g)
    if "class" in where or "industry" in where:
        ev = state.base_eval.parcels
        cls = p["parcel_id"].map(ev.set_index("parcel_id")["class"]) if "class" in where else None
        if cls is not None:
            m &= cls.isin(where["class"]).to_numpy()
        if "industry" in where:
            ind = p["parcel_id"].map(ev.set_index("parcel_id")["industry"])
            m &= ind.isin(where["industry"]).to_numpy()
    return m


def _inside(frame: gpd.GeoDataFrame, geom: shapely.Geometry) -> np.ndarray:
    """Parcels whose representative point lies inside *geom*."""
    shapely.prepare(geom)
    return shapely.contains(geom, frame.geometry.representative_point().to_numpy())


def select_firms(where: dict, state: State, op: Operation) -> np.ndarray:
    f = state.firms
    m = np.ones(len(f), dtype=bool)
    parcel_keys = {"parcels", "plate", "land_use", "status", "structure", "within", "far_below"}
    pw = {k: v for k, v in where.items() if k in parcel_keys}
    if pw:
        pm = select_parcels(pw, state, op)
        ids = set(state.parcels["parcel_id"].astype(str).to_numpy()[pm])
        m &= f["parcel_id"].astype(str).isin(ids).to_numpy()
    if "industry" in where:
        m &= f["industry"].isin(where["industry"]).to_numpy()
    if "scale" in where:
        m &= f["scale"].isin(where["scale"]).to_numpy()
    if "class" in where:
        cls = f["firm_id"].map(state.base_eval.firms.set_index("firm_id")["class"])
        m &= cls.isin(where["class"]).to_numpy()
    return m


# ==========================================================================================
# Profiles and synthetic firms
# ==========================================================================================


@dataclass(frozen=True)
class Profile:
    """Per-floor-area yields of an industry (万元/m², 人/m², tce/m²) and its reference 亩均 figures."""

    industry: str
    level: str
    per_m2: dict[
        str, float
    ]  # tax, revenue, value_added, employees, energy_tce, rd_spend, electricity_mwh, fixed_investment
    ref_far: float
    n_firms: int
    land_mu_median: float

    def per_mu(self, far: float | None = None) -> dict[str, float]:
        f = (far or self.ref_far) * M2_PER_MU
        return {
            "tax_per_mu": self.per_m2["tax"] * f,
            "revenue_per_mu": self.per_m2["revenue"] * f,
            "va_per_mu": self.per_m2["value_added"] * f,
            "employees_per_mu": self.per_m2["employees"] * f,
            "energy_tce_per_mu": self.per_m2["energy_tce"] * f,
        }


_FIGURES = (
    "tax",
    "revenue",
    "value_added",
    "employees",
    "energy_tce",
    "rd_spend",
    "electricity_mwh",
    "fixed_investment",
    "emissions_t",
)
_QUANTILE = {"median": 0.5, "median_A": 0.5, "median_B": 0.5, "p75": 0.75, "p90": 0.9}


def profile_for(spec: dict, state: State, op: Operation, key: str = "profile") -> Profile:
    """A :class:`Profile` from the base evaluation (industry, level) or from explicit figures."""
    if spec.get("explicit"):
        e = spec["explicit"]
        far = spec.get("far") or 1.5
        f = far * M2_PER_MU
        per = {
            "tax": e["tax_per_mu"] / f,
            "revenue": e["revenue_per_mu"] / f,
            "value_added": e["va_per_mu"] / f,
            "employees": e["employees_per_mu"] / f,
            "energy_tce": e["energy_tce_per_mu"] / f,
        }
        per |= {
            "rd_spend": 0.03 * per["revenue"],
            "electricity_mwh": per["energy_tce"] / 0.1229,
            "fixed_investment": 2.0 * per["revenue"],
            "emissions_t": 0.0,
        }
        return Profile(spec.get("industry") or "数字技术", "explicit", per, far, 0, 50.0)
    cache = state.__dict__.setdefault("_profiles", {})
    k = (spec["industry"], spec["level"])
    if k in cache:
        return cache[k]
    ev = state.base_eval.firms
    sel = (
        (ev["industry"] == spec["industry"])
        & ev["class"].isin(["A", "B", "C", "D"])
        & (ev["land_mu"] > 0)
    )
    if spec["level"] in ("median_A", "median_B"):
        sel &= ev["class"] == spec["level"][-1]
    f = ev[sel]
    if len(f) < 3:
        op.fail(
            f"{key}.industry",
            f"too few evaluated {spec['industry']} firms"
            + (
                f" of class {spec['level'][-1]}"
                if spec["level"] in ("median_A", "median_B")
                else ""
            )
            + f" in the base ({len(f)}) to build a profile; give explicit figures instead",
        )
    far = pd.to_numeric(f["far"], errors="coerce").fillna(0).to_numpy()
    floor = f["land_mu"].to_numpy() * M2_PER_MU * np.where(far > 0, far, 1.0)
    q = _QUANTILE[spec["level"]]
    per = {
        c: float(
            np.nanquantile(pd.to_numeric(f[c], errors="coerce").fillna(0).to_numpy() / floor, q)
        )
        for c in _FIGURES
        if c in f
    }
    prof = Profile(
        spec["industry"],
        spec["level"],
        per,
        float(np.median(np.where(far > 0, far, 1.0))),
        len(f),
        float(np.median(f["land_mu"])),
    )
    cache[k] = prof
    return prof


def synthetic_firms(
    prof: Profile,
    parcel_ids: np.ndarray,
    floor_m2: np.ndarray,
    land_mu: np.ndarray,
    *,
    state: State,
    label: str,
    tenant: bool = False,
    codes=None,
) -> pd.DataFrame:
    """New firms on parcels at the profile's per-floor-area yields: one firm per typical land
    holding of the parcel's use (:data:`TYPICAL_FIRM_MU`), or one tenant each (*tenant*)."""
    if tenant:
        n_each = np.ones(len(parcel_ids), dtype=int)
    else:
        typical = np.array(
            [
                _typical_mu(str(c))
                for c in (codes if codes is not None else ["10"] * len(parcel_ids))
            ]
        )
        n_each = np.maximum(1, np.round(land_mu / typical)).astype(int)
    rows = np.repeat(np.arange(len(parcel_ids)), n_each)
    share = 1.0 / n_each[rows]
    fl = floor_m2[rows] * share
    # ids are checked against the base firms once; later ids continue the state's own sequence
    existing = state.__dict__.get("_base_firm_ids")
    if existing is None:
        existing = state.__dict__["_base_firm_ids"] = set(state.firms["firm_id"].astype(str))
    ids = state.next_ids("SCF", existing, len(rows))
    out = pd.DataFrame(
        {
            "firm_id": ids,
            "parcel_id": parcel_ids[rows],
            "name": [f"{label}·{prof.industry}新引进{i + 1:02d}" for i in range(len(rows))],
            "industry": prof.industry,
        }
    )
    for c in _FIGURES:
        if c in prof.per_m2:
            out[c] = fl * prof.per_m2[c]
    out["employees"] = np.round(out["employees"]).astype("int64")
    out["scale"] = np.where(out["revenue"] >= 2000, "规上", "规下")
    multi = (n_each[rows] > 1) | tenant
    out["tenure"] = np.where(multi, "rent", "own")
    out["rented_floor_m2"] = np.where(multi, fl, np.nan)
    out["founded"] = state.year - MATURE_YEARS
    out["high_tech"] = False
    # the sector follows the land: manufacturers on industrial/storage land, services elsewhere
    if codes is not None:
        land = pd.Series(np.asarray(codes, dtype=object)[rows]).astype(str)
        out["sector"] = np.where(land.str.startswith(("10", "11")), "industry", "service")
    else:
        out["sector"] = (
            "industry"
            if prof.industry in ("智能制造", "新材料", "洁净能源", "生命健康")
            else "service"
        )
    return out


def _typical_mu(code: str) -> float:
    for pre in sorted(TYPICAL_FIRM_MU, key=len, reverse=True):
        if code.startswith(pre):
            return TYPICAL_FIRM_MU[pre]
    return 20.0


def add_firms(state: State, new: pd.DataFrame) -> None:
    if len(new):
        state.layers["firms"] = pd.concat([state.firms, new], ignore_index=True)


def drop_firms(state: State, mask: np.ndarray) -> int:
    n = int(mask.sum())
    if n:
        state.layers["firms"] = state.firms[~mask].reset_index(drop=True)
    return n


def floor_of(parcels: pd.DataFrame) -> np.ndarray:
    far = pd.to_numeric(parcels["far"], errors="coerce").fillna(0).to_numpy()
    return pd.to_numeric(parcels["area_m2"], errors="coerce").fillna(0).to_numpy() * far


def is_economic(codes) -> np.ndarray:
    s = pd.Series(codes, dtype=object).astype(str)
    return np.logical_or.reduce([s.str.startswith(p).to_numpy() for p in ECONOMIC_PREFIXES])


def default_coverage(code: str) -> float:
    for pre in sorted(DEFAULT_COVERAGE, key=len, reverse=True):
        if code.startswith(pre):
            return DEFAULT_COVERAGE[pre]
    return 0.3


def planned_far(code: str) -> float:
    std = infra.load_standards()
    row = infra.lookup_codes(pd.Series([code]), std.coefficients)[0]
    return float(std.coefficients["planned_far"].iloc[row]) if row >= 0 else 1.0


# ==========================================================================================
# Splitting land
# ==========================================================================================


def split_by_shares(geom: shapely.Geometry, shares: list[float]) -> list[shapely.Geometry]:
    """Cut *geom* into strips across its long axis with areas proportional to *shares*.

    Cut positions are found by bisection on the clipped area (exact to 0.01 %), so each piece's
    area matches its share of the whole; the pieces tile the geometry without overlap.
    """
    total = sum(shares)
    if len(shares) == 1 or geom.is_empty:
        return [geom]
    rect = shapely.minimum_rotated_rectangle(geom)
    c = np.asarray(rect.exterior.coords)[:4]
    e1, e2 = c[1] - c[0], c[2] - c[1]
    axis = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    axis = axis / np.hypot(*axis)
    normal = np.array([-axis[1], axis[0]])
    proj = c @ axis
    lo, hi = float(proj.min()), float(proj.max())
    span = float(np.abs(c @ normal).max() + np.abs(proj).max()) * 4 + 1.0
    area = geom.area

    def part(t0: float, t1: float) -> shapely.Geometry:
        p0, p1 = axis * t0, axis * t1
        box = shapely.Polygon(
            [p0 - normal * span, p1 - normal * span, p1 + normal * span, p0 + normal * span]
        )
        return shapely.intersection(geom, box)

    cuts = [lo]
    acc = 0.0
    for s in shares[:-1]:
        acc += s / total
        a, b = cuts[-1], hi
        for _ in range(60):
            mid = (a + b) / 2
            if part(lo, mid).area < acc * area:
                a = mid
            else:
                b = mid
            if b - a < 1e-3:
                break
        cuts.append((a + b) / 2)
    cuts.append(hi + 1.0)
    cuts[0] = lo - 1.0
    return [part(cuts[i], cuts[i + 1]) for i in range(len(shares))]


def subdivide(geom: shapely.Geometry, plot_mu: float) -> list[shapely.Geometry]:
    """Cut land into plots of about *plot_mu* 亩 along a grid aligned with its long axis; slivers
    under a third of a plot join their largest neighbour, so every plot is usable."""
    target = plot_mu * M2_PER_MU
    if geom.area <= 1.5 * target:
        return [geom]
    rect = shapely.minimum_rotated_rectangle(geom)
    c = np.asarray(rect.exterior.coords)[:4]
    e1 = c[1] - c[0]
    ax = e1 / np.hypot(*e1)
    angle = float(np.degrees(np.arctan2(ax[1], ax[0])))
    origin = shapely.Point(c[0])
    g = shapely.affinity.rotate(geom, -angle, origin=origin)
    x0, y0, x1, y1 = g.bounds
    side = float(np.sqrt(target))
    xs = np.arange(x0, x1, side)
    ys = np.arange(y0, y1, side)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + side, gy.ravel() + side)
    parts = shapely.intersection(cells, g)
    parts = [q for q in parts if not q.is_empty and q.area > 0]
    polys = []
    for q in parts:
        polys += [x for x in shapely.get_parts(q) if x.geom_type == "Polygon" and x.area > 1.0]
    small = [q for q in polys if q.area < target / 3]
    keep = [q for q in polys if q.area >= target / 3]
    if not keep:
        return [geom]
    tree = shapely.STRtree(keep)
    for q in small:  # merge each sliver into the plot it shares the longest edge with
        cand = tree.query(q, predicate="intersects")
        if len(cand):
            shared = [
                shapely.length(shapely.intersection(q.boundary, keep[j].boundary)) for j in cand
            ]
            j = int(cand[int(np.argmax(shared))])
            keep[j] = shapely.union(keep[j], q)
        else:
            keep.append(q)
    out = [shapely.affinity.rotate(q, angle, origin=origin) for q in keep]
    return [shapely.make_valid(q) for q in out]


def plate_of(geoms: np.ndarray, state: State, default: str) -> np.ndarray:
    """Name of the plate covering the largest part of each geometry (*default* outside all)."""
    plates = state.layers.get("plates")
    out = np.full(len(geoms), default, dtype=object)
    if plates is None or plates.empty or not len(geoms):
        return out
    gi, pi = plates.sindex.query(geoms, predicate="intersects")
    if len(gi):
        a = shapely.area(shapely.intersection(geoms[gi], plates.geometry.to_numpy()[pi]))
        df = (
            pd.DataFrame({"g": gi, "p": pi, "a": a})
            .sort_values("a", ascending=False)
            .drop_duplicates("g")
        )
        df = df[df["a"] > 0.25 * shapely.area(geoms[df["g"].to_numpy()])]
        out[df["g"].to_numpy()] = plates["name"].to_numpy()[df["p"].to_numpy()]
    return out


def new_parcels(
    state: State,
    geoms: list,
    codes: list[str],
    fars: list[float],
    covs: list[float],
    status: str,
    plates: np.ndarray,
    prefix: str,
    label: str,
) -> gpd.GeoDataFrame:
    base = state.parcels
    existing = set(base["parcel_id"].astype(str))
    ids = state.next_ids(prefix, existing, len(geoms))
    area = shapely.area(np.asarray(geoms, dtype=object))
    rows = {
        "parcel_id": ids,
        "land_use": codes,
        "area_m2": area,
        "area_mu": area / M2_PER_MU,
        "far": fars,
        "coverage": covs,
        "status": status,
        "plate": plates,
        "source": "scenario",
        "assumption": f"情景新增: {label}",
    }
    frame = gpd.GeoDataFrame(rows, geometry=list(geoms), crs=base.crs)
    return frame


def append_parcels(state: State, frame: gpd.GeoDataFrame) -> None:
    if len(frame):
        state.layers["parcels"] = pd.concat([state.parcels, frame], ignore_index=True)


def developed_status(state: State, phase: str) -> str:
    """New land developed by the scenario's phase counts as built; later land stays reserve."""
    return "built" if PHASE_ORDER[phase] <= PHASE_ORDER[state.phase] else "reserve"


# ==========================================================================================
# Operations
# ==========================================================================================


def apply_add_land(op: Operation, state: State) -> dict:
    p = op.params
    geoms = resolve_geometry(p["geometry"], state, op, "geometry")
    check_near_zone(geoms, state, op, "geometry")
    land = polygons_of(geoms, op, "geometry")
    requested = land.area
    land = minus_parcels(np.array([land], dtype=object), state.parcels)[0]
    clipped = requested - land.area
    avoided = 0.0
    hard = hard_union(state)
    if p["avoid_constraints"] and hard is not None:
        before = land.area
        land = shapely.difference(land, hard)
        avoided = before - land.area
    land = shapely.make_valid(land)
    if land.is_empty or land.area < M2_PER_MU:
        op.fail(
            "geometry",
            f"no free land left: the polygon ({requested / M2_PER_MU:,.0f} 亩) lies on existing "
            "parcels" + (" and hard constraints" if avoided else ""),
        )
    uses = list(p["uses"])
    strips = split_by_shares(land, [p["uses"][c] for c in uses])
    pieces, codes = [], []
    for code, strip in zip(uses, strips, strict=True):
        plots = subdivide(strip, _typical_mu(code)) if is_economic([code])[0] else [strip]
        pieces += plots
        codes += [code] * len(plots)
    fars = [p["far"][c] if p["far"][c] is not None else planned_far(c) for c in codes]
    covs = [
        p["coverage"][c] if p["coverage"][c] is not None else default_coverage(c) for c in codes
    ]
    garr = np.asarray(pieces, dtype=object)
    plates = (
        np.full(len(pieces), p["plate"], dtype=object)
        if p["plate"]
        else plate_of(garr, state, "扩区")
    )
    label = op.label
    frame = new_parcels(
        state,
        pieces,
        codes,
        fars,
        covs,
        developed_status(state, p["phase"]),
        plates,
        p["id_prefix"] or f"SC{op.index + 1:02d}-",
        label,
    )
    append_parcels(state, frame)
    state.note(frame["parcel_id"], f"新增用地 ({label})")
    n_firms = 0
    if p["profile"] and frame["status"].iloc[0] == "built":
        prof = profile_for(p["profile"], state, op)
        econ = is_economic(frame["land_use"])
        if econ.any():
            f = frame[econ]
            new = synthetic_firms(
                prof,
                f["parcel_id"].to_numpy(),
                floor_of(f),
                f["area_mu"].to_numpy(),
                state=state,
                label=label,
                codes=f["land_use"].to_numpy(),
            )
            add_firms(state, new)
            n_firms = len(new)
    return {
        "parcels_added": len(frame),
        "area_mu": round(float(frame["area_mu"].sum()), 1),
        "clipped_mu": round(clipped / M2_PER_MU, 1),
        "avoided_constraints_mu": round(avoided / M2_PER_MU, 1),
        "firms_added": n_firms,
    }


def apply_change_use(op: Operation, state: State) -> dict:
    p = op.params
    m = select_parcels(
        p["where"],
        state,
        op,
        next(iter(p["where"]))
        if len(p["where"]) == 1 and next(iter(p["where"])) in ("parcels", "within")
        else "where",
    )
    if not m.any():
        op.fail("where" if "where" in p["where"] else next(iter(p["where"])), "selects no parcel")
    parcels = state.parcels.copy()
    idx = np.flatnonzero(m)
    changed = []
    if p["land_use"]:
        parcels.loc[idx, "land_use"] = p["land_use"]
        changed.append(f"用途→{p['land_use']}")
    if p["far"] is not None:
        parcels.loc[idx, "far"] = p["far"]
        changed.append(f"容积率→{p['far']:g}")
    if p["coverage"] is not None:
        parcels.loc[idx, "coverage"] = p["coverage"]
    if p["status"]:
        parcels.loc[idx, "status"] = p["status"]
    elif p["land_use"] or p["far"] is not None:
        # redeveloped land: idle/reserve parcels become developed land in the scenario
        st = parcels.loc[idx, "status"].to_numpy()
        parcels.loc[idx, "status"] = np.where(np.isin(st, ["idle", "reserve"]), "built", st)
    state.layers["parcels"] = parcels
    ids = set(parcels["parcel_id"].to_numpy()[idx])
    fm = state.firms["parcel_id"].isin(ids).to_numpy()
    removed = drop_firms(state, fm) if p["firms"] in ("remove", "replace") else 0
    added = 0
    if p["firms"] == "replace" and p["profile"]:
        prof = profile_for(p["profile"], state, op)
        sel = parcels.iloc[idx]
        sel = sel[is_economic(sel["land_use"])]
        new = synthetic_firms(
            prof,
            sel["parcel_id"].to_numpy(),
            floor_of(sel),
            sel["area_mu"].to_numpy(),
            state=state,
            label=op.label,
            codes=sel["land_use"].to_numpy(),
        )
        add_firms(state, new)
        added = len(new)
    state.note(ids, "改变用途 " + ", ".join(changed) if changed else "改变属性")
    return {
        "parcels_changed": len(idx),
        "area_mu": round(float(parcels["area_mu"].to_numpy()[idx].sum()), 1),
        "firms_removed": removed,
        "firms_added": added,
    }


def apply_replace_firms(op: Operation, state: State) -> dict:
    p = op.params
    m = select_firms(p["where"], state, op)
    if not m.any():
        op.fail("where", "selects no firm (the classes come from the base evaluation)")
    old = state.firms[m]
    ev = state.base_eval.firms.set_index("firm_id")
    land = old["firm_id"].map(ev["land_mu"]).fillna(0).to_numpy()
    pf = state.parcels.set_index("parcel_id")["far"]
    far = pd.to_numeric(old["parcel_id"].map(pf), errors="coerce").fillna(0).to_numpy()
    floor = land * M2_PER_MU * np.where(far > 0, far, 1.0)
    new_parts = []
    industries = (
        sorted(old["industry"].unique()) if p["keep_industry"] else [p["profile"]["industry"]]
    )
    for ind in industries:
        prof = profile_for(p["profile"] | {"industry": ind}, state, op)
        sel = (
            (old["industry"] == ind).to_numpy()
            if p["keep_industry"]
            else np.ones(len(old), dtype=bool)
        )
        new = synthetic_firms(
            prof,
            old["parcel_id"].to_numpy()[sel],
            floor[sel],
            land[sel],
            state=state,
            label=op.label,
            tenant=True,
        )
        # the newcomer takes the old firm's place: same tenure and floor (so the same land share)
        new["tenure"] = old["tenure"].to_numpy()[sel] if "tenure" in old else "own"
        new["rented_floor_m2"] = (
            old["rented_floor_m2"].to_numpy()[sel] if "rented_floor_m2" in old else np.nan
        )
        new_parts.append(new)
    drop_firms(state, m)
    new = pd.concat(new_parts, ignore_index=True)
    add_firms(state, new)
    state.note(old["parcel_id"].unique(), f"腾笼换鸟 ({op.label})")
    return {
        "firms_replaced": int(m.sum()),
        "parcels": int(old["parcel_id"].nunique()),
        "land_mu": round(float(land.sum()), 1),
        "tax_before_wan": round(float(old["tax"].sum()), 1),
        "tax_after_wan": round(float(new["tax"].sum()), 1),
    }


def apply_raise_far(op: Operation, state: State) -> dict:
    p = op.params
    key = next(iter(p["where"])) if next(iter(p["where"])) in ("parcels", "within") else "where"
    m = select_parcels(p["where"], state, op, key)
    if not m.any():
        op.fail(key, "selects no parcel")
    parcels = state.parcels.copy()
    idx = np.flatnonzero(m)
    old = pd.to_numeric(parcels["far"], errors="coerce").fillna(0).to_numpy()[idx]
    new = np.maximum(old, p["far"]) if p["far"] is not None else old * p["factor"]
    parcels.loc[idx, "far"] = new
    state.layers["parcels"] = parcels
    gain = (new - old) * parcels["area_m2"].to_numpy()[idx]
    grow = gain > 0
    added = 0
    if grow.any():
        ids = parcels["parcel_id"].to_numpy()[idx][grow]
        ind = (
            pd.Series(ids)
            .map(state.base_eval.parcels.set_index("parcel_id")["industry"])
            .fillna("")
        )
        parts = []
        for industry in sorted(set(ind)):
            spec = p["profile"] or {
                "industry": industry or "智能制造",
                "level": "median",
                "explicit": None,
            }
            if p["profile"] and not p["profile"].get("industry"):
                spec = p["profile"] | {"industry": industry or "智能制造"}
            prof = profile_for(spec, state, op)
            sel = (ind == industry).to_numpy()
            new_f = synthetic_firms(
                prof,
                ids[sel],
                gain[grow][sel],
                np.zeros(sel.sum()),
                state=state,
                label=op.label + "·工业上楼",
                tenant=True,
            )
            parts.append(new_f)
        if parts:
            nf = pd.concat(parts, ignore_index=True)
            add_firms(state, nf)
            added = len(nf)
    state.note(parcels["parcel_id"].to_numpy()[idx][grow], f"工业上楼/提高容积率 ({op.label})")
    return {
        "parcels": int(grow.sum()),
        "floor_added_m2": round(float(gain.sum()), 0),
        "firms_added": added,
    }


def apply_add_facility(op: Operation, state: State) -> dict:
    p = op.params
    kind = p["kind"]
    layer_name = infra.LAYER_OF[kind]
    layer = state.layers[layer_name]
    g = resolve_geometry(p["geometry"], state, op, "location")
    check_near_zone(g, state, op, "location")
    pt = g.to_numpy()[0]
    if pt.geom_type != "Point":
        pt = pt.representative_point()
    existing = set(layer["facility_id"].astype(str))
    fid = p["facility_id"] or state.next_id("SC-SS" if kind == "substation" else "SC-WW", existing)
    if fid in existing:
        op.fail("facility_id", f"{fid} already exists in {layer_name}")
    caps = _phase_capacities(p["capacity"], np.zeros(3))
    prefix = infra.CAPACITY_PREFIX[kind]
    row = {
        "facility_id": fid,
        "name": op.params.get("name") or fid,
        "status": "new",
        **{f"{prefix}_{ph}": c for ph, c in caps.items()},
        "plan_period": "情景",
        "source": "scenario",
        "assumption": f"情景新增设施: {op.label}",
    }
    if kind == "substation":
        row |= {"voltage_kv": p["voltage_kv"], "transformers": p["transformers"]}
    new = gpd.GeoDataFrame([row], geometry=[pt], crs=layer.crs)
    state.layers[layer_name] = pd.concat([layer, new], ignore_index=True)
    return {"facility_id": fid, "kind": kind, "capacity": caps}


def _phase_capacities(given: dict[str, float], current: np.ndarray) -> dict[str, float]:
    """Capacities per phase: given phases set, later phases inherit the latest given one (never
    below what they had)."""
    from geoplan.settings import PHASES

    out, last = {}, None
    for i, ph in enumerate(PHASES):
        if ph in given:
            last = given[ph]
            out[ph] = float(given[ph])
        elif last is not None:
            out[ph] = float(max(last, current[i]))
        else:
            out[ph] = float(current[i])
    return out


def apply_expand_facility(op: Operation, state: State) -> dict:
    from geoplan.settings import PHASES

    p = op.params
    for kind in infra.KINDS:
        name = infra.LAYER_OF[kind]
        layer = state.layers[name]
        hit = (layer["facility_id"].astype(str) == p["facility"]) | (
            layer["name"].astype(str) == p["facility"]
        )
        if hit.any():
            i = int(np.flatnonzero(hit.to_numpy())[0])
            prefix = infra.CAPACITY_PREFIX[kind]
            cur = np.array([float(layer[f"{prefix}_{ph}"].iloc[i]) for ph in PHASES])
            caps = _phase_capacities(p["capacity"], cur)
            layer = layer.copy()
            for ph, c in caps.items():
                layer.loc[layer.index[i], f"{prefix}_{ph}"] = c
            if layer["status"].iloc[i] == "existing":
                layer.loc[layer.index[i], "status"] = "expand"
            if p["transformers"] and kind == "substation":
                layer.loc[layer.index[i], "transformers"] = p["transformers"]
            state.layers[name] = layer
            return {
                "facility_id": layer["facility_id"].iloc[i],
                "kind": kind,
                "before": dict(zip(PHASES, cur.tolist(), strict=True)),
                "after": caps,
            }
    names = [
        n for k in infra.KINDS for n in state.layers[infra.LAYER_OF[k]]["name"].astype(str).head(8)
    ]
    op.fail(
        "facility",
        f"no substation or sewage plant {p['facility']!r} (e.g. {', '.join(names[:6])} …)",
    )
    raise AssertionError  # unreachable


def apply_add_road(op: Operation, state: State) -> dict:
    p = op.params
    g = resolve_geometry(p["geometry"], state, op, "geometry")
    check_near_zone(g, state, op, "geometry")
    lines = [x for x in g.to_numpy() if x.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        op.fail("geometry", "a road needs a LineString")
    roads = state.layers["roads"]
    rid = state.next_id("SC-R", set(roads["road_id"].astype(str)))
    row = {
        "road_id": rid,
        "name": op.params.get("name") or rid,
        "road_class": p["road_class"],
        "frame": "",
        "status": p["status"],
        "width_m": p["width_m"],
        "source": "scenario",
        "assumption": f"情景新增道路: {op.label}",
    }
    new = gpd.GeoDataFrame([row], geometry=[shapely.union_all(lines)], crs=roads.crs)
    state.layers["roads"] = pd.concat([roads, new], ignore_index=True)
    return {"road_id": rid, "length_km": round(float(new.length.sum()) / 1000, 2)}


def apply(op: Operation, state: State) -> dict:
    from geoplan.scenario.allocation import apply_allocate

    fn = {
        "add_land": apply_add_land,
        "change_use": apply_change_use,
        "replace_firms": apply_replace_firms,
        "raise_far": apply_raise_far,
        "add_facility": apply_add_facility,
        "expand_facility": apply_expand_facility,
        "add_road": apply_add_road,
        "allocate": apply_allocate,
    }[op.op]
    out = fn(op, state)
    rep = {"op": op.op, "name": op.label, **out}
    state.op_reports.append(rep)
    return rep


__all__ = ["Profile", "State", "apply", "profile_for", "split_by_shares", "subdivide"]
