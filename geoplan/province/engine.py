"""亩均 evaluation and 低效用地 screening for a province's land: in memory, or distributed on dask.

Both engines run the same steps on the same functions:

1. read parcels (GeoParquet: one file or a folder of parts) and firms (Parquet);
2. crosswalk the land-use codes to 用地用海 2023 (:func:`geoplan.standards.crosswalks.convert`);
3. project to the working CRS (a local TM at the extent's centre, :mod:`geoplan.data.crs`) and
   compute the areas there;
4. join parcels to the evaluation units (plates) and evaluate with
   :func:`geoplan.analysis.land_yield.evaluate` (land shares, indicators, T rules);
5. score, classify, 低效用地 (:mod:`geoplan.analysis.low_efficiency`), aggregates by unit;
6. write the results atomically: a temporary folder beside ``out`` renamed into place at the end.

The **dask engine** (dask-geopandas on ``dask.distributed``; a ``LocalCluster`` unless a scheduler
address is given) Hilbert-shuffles the parcels (``spatial_shuffle``) into spatially compact
partitions, moves each firm to the partition of its parcel, and evaluates per partition. The steps
that depend on all firms are global passes over thin columns:

- benchmarks (mean/median of each indicator per 规模 group) from the valid values of every
  partition; then per partition ``_score_group`` with those benchmarks fixed;
- the 均值替代 of missing indicators (mean contribution over the whole group): partial sums;
- classes (rank percentiles within unit × group): :func:`assign_classes` on the gathered
  ``(unit, group, score)`` columns (24 bytes per firm), the classes sent back to the partitions;
- the plate medians of 亩均税收 / 亩均增加值 that 低效用地 compares with: gathered per plate.

So the dask engine gives the in-memory engine's classes, scores (to float rounding) and
低效用地 set by construction; ``tests/test_province_engine.py`` checks it on 200,000 parcels.
Limits: ratio schemes only (min-max needs global min/max inside ``_score_group``), tenant rule
``share`` only. On a real cluster every worker must see the input and output paths (shared FS).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.errors import CRSError, GeoplanError, LoadError

logger = logging.getLogger(__name__)

ENGINES = ("memory", "dask")
#: Per-unit sums written to ``by_unit.parquet`` (ratios are derived from them).
UNIT_SUMS = (
    "firms",
    "n_A",
    "n_B",
    "n_C",
    "n_D",
    "n_T",
    "parcels",
    "area_mu",
    "tax",
    "value_added",
    "revenue",
    "low_parcels",
    "low_area_mu",
)


@dataclass(frozen=True)
class ScreenOptions:
    scheme: str = "dalian_default"
    year: int | None = None
    codes: str = "ydyh2023"
    lon0: float | None = None
    tenant_rule: str = "share"
    scheduler: str | None = None
    workers: int = 2
    threads_per_worker: int = 1
    memory_limit: str = "6GB"
    connect_timeout: str = "10s"
    partitions: int | None = None
    #: fault injection for the tests: the worker running pass 1 of this partition dies
    crash_partition: int | None = None


# ------------------------------------------------------------------------------------------
# Input checks (before any work: a bad part must fail with its name, not deep in a worker)
# ------------------------------------------------------------------------------------------


def part_files(path: str | Path, what: str) -> list[Path]:
    """The Parquet files of *path* (a file, or a folder of ``*.parquet`` parts, sorted)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(x for x in p.rglob("*.parquet") if x.is_file())
        if not files:
            msg = f"{what}: folder {p} holds no .parquet part"
            raise LoadError(msg)
        return files
    if not p.is_file():
        msg = f"{what}: {p} not found"
        raise LoadError(msg)
    return [p]


def _geo_crs(schema: Any, f: Path, what: str) -> Any:
    from pyproj import CRS

    meta = (schema.metadata or {}).get(b"geo")
    if meta is None:
        msg = (
            f"{what}: {f} is not GeoParquet (no 'geo' metadata); write it with GeoPandas to_parquet"
        )
        raise LoadError(msg)
    geo = json.loads(meta)
    col = geo["columns"][geo["primary_column"]]
    crs = col.get("crs", "OGC:CRS84")  # GeoParquet: an absent crs means OGC:CRS84
    if crs is None:
        msg = f"{what}: {f} has no CRS; set one (e.g. EPSG:4490) before screening"
        raise CRSError(msg)
    return CRS.from_user_input(crs)


def check_parts(files: list[Path], what: str, *, geo: bool) -> Any:
    """Every part has the first part's columns and types (and CRS): else an error naming the
    parts and the columns. Returns the CRS (geo) or None."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schemas = [pq.read_schema(f) for f in files]
    except (OSError, pa.ArrowException) as exc:
        msg = f"{what}: cannot read a Parquet part ({exc})"
        raise LoadError(msg) from None
    first = schemas[0]
    ref = {n: str(first.field(n).type) for n in first.names}
    for f, s in zip(files[1:], schemas[1:], strict=True):
        cols = {n: str(s.field(n).type) for n in s.names}
        if cols != ref:
            missing = sorted(set(ref) - set(cols))
            extra = sorted(set(cols) - set(ref))
            typed = sorted(n for n in set(ref) & set(cols) if ref[n] != cols[n])
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"extra {', '.join(extra)}")
            if typed:
                parts.append(
                    "types differ: " + ", ".join(f"{n} {ref[n]} vs {cols[n]}" for n in typed)
                )
            msg = f"{what}: part {f} does not match {files[0]} ({'; '.join(parts)})"
            raise LoadError(msg)
    if not geo:
        return None
    crss = [_geo_crs(s, f, what) for f, s in zip(files, schemas, strict=True)]
    for f, c in zip(files[1:], crss[1:], strict=True):
        if not c.equals(crss[0], ignore_axis_order=True):
            msg = (
                f"{what}: mixed CRSs — {files[0]} is {crss[0].to_string()}, {f} is {c.to_string()}; "
                "reproject the parts to one CRS"
            )
            raise CRSError(msg)
    return crss[0]


# ------------------------------------------------------------------------------------------
# Per-partition steps (shared by both engines)
# ------------------------------------------------------------------------------------------


def metadata_bounds(files: list[Path]) -> np.ndarray | None:
    """The union of the parts' ``bbox`` in their GeoParquet metadata (None when one lacks it)."""
    import pyarrow.parquet as pq

    boxes = []
    for f in files:
        meta = (pq.read_schema(f).metadata or {}).get(b"geo")
        geo = json.loads(meta) if meta else {}
        bbox = geo.get("columns", {}).get(geo.get("primary_column", ""), {}).get("bbox")
        if not bbox or len(bbox) != 4:
            return None
        boxes.append(bbox)
    b = np.asarray(boxes, dtype=float)
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


def working_crs(bounds: np.ndarray, crs: Any, lon0: float | None) -> Any:
    """Local TM at the centre of *bounds* (in *crs*), or at *lon0*."""
    from pyproj import Transformer

    from geoplan.data.crs import local_tm

    if lon0 is None:
        tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        xs, _ = tr.transform(
            [bounds[0], bounds[2], bounds[0], bounds[2]],
            [bounds[1], bounds[1], bounds[3], bounds[3]],
        )
        lon0 = round((min(xs) + max(xs)) / 2.0, 2)
    return local_tm(lon0)


def prepare_parcels(gdf: gpd.GeoDataFrame, codes: str, crs: Any) -> gpd.GeoDataFrame:
    """Crosswalk ``land_use`` to 用地用海 2023 (original in ``land_use_src``), project to the
    working CRS, areas there (``area_m2``, ``area_mu``)."""
    from geoplan.settings import M2_PER_MU
    from geoplan.standards.crosswalks import convert

    out = gdf.copy()
    if "land_use" not in out.columns:
        msg = "parcels: column land_use missing"
        raise GeoplanError(msg)
    conv = convert(out["land_use"].astype(object), codes)
    out["land_use_src"] = out["land_use"].astype(str)
    out["land_use"] = conv.codes.astype(object).where(conv.codes.notna(), "")
    out = out.to_crs(crs)
    out["area_m2"] = out.geometry.area
    out["area_mu"] = out["area_m2"] / M2_PER_MU
    return out


def unit_sums(firms: pd.DataFrame, parcels: pd.DataFrame, low: pd.DataFrame) -> pd.DataFrame:
    """Per unit (plate) sums of one partition (or of everything): :data:`UNIT_SUMS`."""
    key = "plate"
    pu = parcels[key].fillna("(无板块)").astype(str)
    fu = (
        firms[key].fillna("(无板块)").astype(str)
        if key in firms.columns
        else pd.Series([], dtype=str)
    )
    cls = firms["class"].fillna("").astype(str)
    f = pd.DataFrame({"unit": fu.to_numpy(), "firms": 1})
    for c in ("A", "B", "C", "D", "T"):
        f[f"n_{c}"] = (cls == c).to_numpy().astype(np.int64)
    p = pd.DataFrame(
        {
            "unit": pu.to_numpy(),
            "parcels": 1,
            "area_mu": pd.to_numeric(parcels["area_mu"]).to_numpy(dtype=float),
            "tax": np.nan_to_num(pd.to_numeric(parcels["tax"]).to_numpy(dtype=float)),
            "value_added": np.nan_to_num(
                pd.to_numeric(parcels["value_added"]).to_numpy(dtype=float)
            ),
            "revenue": np.nan_to_num(pd.to_numeric(parcels["revenue"]).to_numpy(dtype=float)),
        }
    )
    lu = low["plate"].fillna("(无板块)").astype(str) if len(low) else pd.Series([], dtype=str)
    lo = pd.DataFrame(
        {
            "unit": lu.to_numpy(),
            "low_parcels": 1,
            "low_area_mu": pd.to_numeric(low["area_mu"]).to_numpy(dtype=float) if len(low) else [],
        }
    )
    out = pd.concat(
        [f.groupby("unit").sum(), p.groupby("unit").sum(), lo.groupby("unit").sum()], axis=1
    )
    return out.reindex(columns=list(UNIT_SUMS)).fillna(0)


def finish_units(sums: pd.DataFrame) -> pd.DataFrame:
    out = sums.groupby(level=0).sum().sort_index()
    for c in UNIT_SUMS:
        if c not in ("area_mu", "tax", "value_added", "revenue", "low_area_mu"):
            out[c] = out[c].astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["tax_per_mu"] = np.where(out["area_mu"] > 0, out["tax"] / out["area_mu"], np.nan)
        out["va_per_mu"] = np.where(out["area_mu"] > 0, out["value_added"] / out["area_mu"], np.nan)
    out.index.name = "unit"
    return out.reset_index()


FIRM_COLS = ("firm_id", "parcel_id", "plate", "group", "unit", "land_mu", "score", "class")
PARCEL_COLS = (
    "parcel_id",
    "land_use",
    "land_use_src",
    "plate",
    "area_mu",
    "n_firms",
    "tax_per_mu",
    "va_per_mu",
    "class",
)
LOW_COLS = ("parcel_id", "plate", "area_mu", "class", "criteria", "route", "gain_tax")


def _results(firms: pd.DataFrame, parcels: gpd.GeoDataFrame, low: gpd.GeoDataFrame):
    f = firms[
        [
            c
            for c in (*FIRM_COLS, "rank", "unit_n", "class_source", "t_reason")
            if c in firms.columns
        ]
    ]
    p = parcels[[c for c in PARCEL_COLS if c in parcels.columns] + [parcels.geometry.name]]
    lo = low[[c for c in LOW_COLS if c in low.columns] + ([low.geometry.name] if len(low) else [])]
    return f, p, lo


def _write_part(folder: Path, i: int, firms, parcels, low) -> None:
    f, p, lo = _results(firms, parcels, low)
    for name, frame in (("firms", f), ("parcels", p), ("low_efficiency", lo)):
        d = folder / name
        d.mkdir(parents=True, exist_ok=True)
        frame = frame.reset_index(drop=True)
        frame.to_parquet(d / f"part-{i:05d}.parquet", index=False)


class _Out:
    """An output folder written atomically: a hidden temporary folder beside it, renamed at the end;
    removed on any error (no partial output)."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out).resolve()
        if self.out.exists() and (not self.out.is_dir() or any(self.out.iterdir())):
            msg = f"--out {self.out}: exists and is not an empty folder; choose a new folder"
            raise GeoplanError(msg)
        if not self.out.parent.is_dir():
            msg = f"--out {self.out}: folder {self.out.parent} does not exist"
            raise GeoplanError(msg)
        self.tmp = self.out.parent / f".{self.out.name}.tmp-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> Path:
        self.tmp.mkdir()
        return self.tmp

    def __exit__(self, et, ev, tb) -> None:
        if et is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if self.out.exists():
            self.out.rmdir()  # empty (checked above)
        os.replace(self.tmp, self.out)


# ------------------------------------------------------------------------------------------
# In memory
# ------------------------------------------------------------------------------------------


def _read_all(files: list[Path]) -> pd.DataFrame:
    frames = [pd.read_parquet(f) for f in files]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _read_units(units: str | Path | None, crs: Any) -> gpd.GeoDataFrame | None:
    if units is None:
        return None
    from geoplan.data import io

    u = io.read_vector(units)
    if u.crs is None:
        msg = f"--units {units}: no CRS"
        raise CRSError(msg)
    if "name" not in u.columns:
        msg = f"--units {units}: a column 'name' (the unit's name) is needed"
        raise GeoplanError(msg)
    return u.to_crs(crs)[["name", u.geometry.name]]


def run_memory(
    parcel_files: list[Path], firm_files: list[Path], units, opts: ScreenOptions, out_tmp: Path
) -> dict[str, Any]:
    from geoplan.analysis.land_yield import evaluate

    crs_src = check_parts(parcel_files, "parcels", geo=True)
    check_parts(firm_files, "firms", geo=False)
    parcels = gpd.GeoDataFrame(
        pd.concat([gpd.read_parquet(f) for f in parcel_files], ignore_index=True)
    )
    parcels = parcels.set_crs(crs_src, allow_override=True)
    crs = working_crs(parcels.total_bounds, crs_src, opts.lon0)
    parcels = prepare_parcels(parcels, opts.codes, crs)
    firms = _read_all(firm_files)
    plates = _read_units(units, crs)
    ev = evaluate(
        parcels, firms, opts.scheme, plates=plates, year=opts.year, tenant_rule=opts.tenant_rule
    )
    _write_part(out_tmp, 0, ev.firms, ev.parcels, ev.low_efficiency)
    sums = unit_sums(ev.firms, ev.parcels, ev.low_efficiency)
    return {
        "partitions": 1,
        "firms": len(ev.firms),
        "parcels": len(ev.parcels),
        "by_unit": finish_units(sums),
        "scheme": ev.scheme,
        "year": ev.year,
        "crs": crs.to_string(),
    }


# ------------------------------------------------------------------------------------------
# dask
# ------------------------------------------------------------------------------------------


#: The distributed passes were written against the per-group scoring of the 亩均 method before its
#: rework (issue 15: lists, Σ/Σ benchmarks, ties); until they are ported the engine refuses to run
#: rather than give results that differ from the in-memory path.
PORTED = False


def _check_scheme(opts: ScreenOptions):
    from geoplan.analysis.land_yield.schemes import load_scheme

    sch = load_scheme(opts.scheme)
    if not PORTED:
        msg = (
            "the dask engine is not yet ported to the reworked 亩均 method (lists, Σ/Σ benchmarks, "
            "ties to the worse class): use --engine memory"
        )
        raise GeoplanError(msg)
    if sch.method != "ratio":
        msg = (
            f"scheme {sch.name}: the dask engine runs ratio schemes; {sch.method} needs the global "
            "min/max inside the scoring — use --engine memory"
        )
        raise GeoplanError(msg)
    if opts.tenant_rule != "share":
        msg = "the dask engine runs tenant rule 'share'; use --engine memory for 'holder'"
        raise GeoplanError(msg)
    return sch


def _pass1(parcels, firms, plates, scheme, year, tenant_rule, i, crash):
    """Evaluate one partition (plates join, land shares, indicators, T rules); return the state
    and, per group × indicator, the valid values the benchmarks need."""
    from geoplan.analysis.land_yield import evaluate

    if crash is not None and crash == i:
        os._exit(17)  # fault injection (tests): this worker dies
    if "_part" in firms.columns or firms.index.name == "_part":
        part = firms.index.to_numpy() if firms.index.name == "_part" else firms["_part"].to_numpy()
        if len(part) and not (part == i).all():
            msg = f"internal: partition {i} holds firms of partition(s) {sorted(set(part) - {i})}"
            raise RuntimeError(msg)
        firms = firms.reset_index(drop=True).drop(columns=["_part"], errors="ignore")
    ev = evaluate(
        parcels.reset_index(drop=True),
        firms,
        scheme,
        plates=plates,
        year=year,
        tenant_rule=tenant_rule,
        with_extras=False,
    )
    f = ev.firms
    scored = (f["class_source"] == "score").to_numpy(dtype=bool)
    stats: dict[tuple[str, str], np.ndarray] = {}
    for gname, g in scheme.groups.items():
        members = scored & (f["group"] == gname).to_numpy(dtype=bool)
        for spec in g.indicators:
            x = f[spec.id].to_numpy(dtype="float64")[members]
            valid = np.isfinite(x)
            if spec.direction == "cost":
                valid &= x > 0
            stats[(gname, spec.id)] = x[valid]
    return {"parcels": ev.parcels, "firms": f, "scored": scored}, stats


def _benchmarks(stats_parts: list[dict], scheme) -> dict[tuple[str, str], float]:
    """The ratio method's benchmarks over all partitions (the rule of ``_score_group``)."""
    out = {}
    for gname, g in scheme.groups.items():
        for spec in g.indicators:
            if spec.benchmark is not None:
                b = float(spec.benchmark)
            else:
                xv = np.concatenate([s[(gname, spec.id)] for s in stats_parts])
                stat = (
                    float(np.median(xv))
                    if spec.derive_stat == "median"
                    else float(np.mean(xv))
                    if len(xv)
                    else np.nan
                )
                b = spec.derive_k * stat
            out[(gname, spec.id)] = b if (np.isfinite(b) and b > 0) else np.nan
    return out


def _fixed_scheme(scheme, bench: dict):
    groups = {
        gname: replace(
            g,
            indicators=tuple(
                replace(s, benchmark=bench[(gname, s.id)], derive_stat=None) for s in g.indicators
            ),
        )
        for gname, g in scheme.groups.items()
    }
    return replace(scheme, groups=groups, missing="zero")


def _pass2(state, fixed):
    """Score each group with the global benchmarks (missing → 0 for now); partial sums of the
    contributions for the group-wide 均值替代."""
    from geoplan.analysis.land_yield import scoring

    _score_group = scoring._score_group  # type: ignore[attr-defined]  # see PORTED

    f = state["firms"]
    values = {
        s.id: f[s.id].to_numpy(dtype="float64") for g in fixed.groups.values() for s in g.indicators
    }
    res: dict[str, Any] = {}
    sums: dict[tuple[str, str], tuple[float, int]] = {}
    for gname, g in fixed.groups.items():
        members = state["scored"] & (f["group"] == gname).to_numpy(dtype=bool)
        if not members.any():
            for s in g.indicators:
                sums[(gname, s.id)] = (0.0, 0)
            continue
        r = _score_group(values, members, fixed, gname)
        res[gname] = r
        for j, s in enumerate(g.indicators):
            ok = ~r["subst"][:, j]
            sums[(gname, s.id)] = (float(r["contrib"][ok, j].sum()), int(ok.sum()))
    return {**state, "groups": res}, sums


def _pass3(state, fill: dict, scheme):
    """Missing contributions → the group's mean (``missing: average``), score as the
    left-to-right sum; return the thin ``(unit, group, score)`` columns of scored firms."""
    f = state["firms"]
    score = np.full(len(f), np.nan)
    for gname, r in state["groups"].items():
        contrib = r["contrib"].copy()
        for j, sid in enumerate(r["indicators"]):
            miss = r["subst"][:, j]
            if miss.any():
                contrib[miss, j] = fill[(gname, sid)]
        s = np.zeros(len(r["idx"]))
        for j in range(contrib.shape[1]):
            s = s + contrib[:, j]
        score[r["idx"]] = s
    scored = state["scored"]
    thin = pd.DataFrame(
        {
            "unit": f["unit"].to_numpy(dtype=object)[scored],
            "group": f["group"].to_numpy(dtype=object)[scored],
            "score": score[scored],
        }
    )
    return {**state, "score": score}, thin


def _pass4(state, cls, rank, size, edition="2023"):
    """Classes back into the firm table; parcel indicators and compliance; the thin columns for
    the plate medians of 低效用地."""
    from geoplan.analysis import compliance as gcompliance
    from geoplan.analysis import low_efficiency as glow
    from geoplan.analysis.land_yield import ALL_CLASSES, parcel_indicators
    from geoplan.analysis.land_yield.common import _index_of

    f = state["firms"].copy()
    scored = state["scored"]
    idx = np.flatnonzero(scored)
    score = np.where(scored, state["score"], np.nan)
    f["score"] = score
    klass = f["class"].astype(object).to_numpy(copy=True)
    klass[idx] = np.asarray(ALL_CLASSES, dtype=object)[cls]
    f["class"] = pd.Series(klass, index=f.index).astype(f["class"].dtype)
    r = np.full(len(f), np.nan)
    r[idx] = rank
    n = np.full(len(f), np.nan)
    n[idx] = size
    f["rank"], f["unit_n"] = r, n
    p = state["parcels"]
    pidx = _index_of(f["parcel_id"].astype(str), p["parcel_id"].astype(str))
    parcels = parcel_indicators(p, f, pidx)
    comp = gcompliance.check(parcels, edition=edition)
    lu = parcels["land_use"].astype(str)
    business = lu.str.startswith(glow.BUSINESS_PREFIXES).to_numpy() & (
        parcels["n_firms"].to_numpy() > 0
    )
    thin = pd.DataFrame(
        {
            "plate": parcels["plate"].to_numpy(dtype=object)[business],
            "land_use": lu.to_numpy(dtype=object)[business],
            "n_firms": parcels["n_firms"].to_numpy()[business],
            "tax_per_mu": parcels["tax_per_mu"].to_numpy(dtype="float64")[business],
            "va_per_mu": parcels["va_per_mu"].to_numpy(dtype="float64")[business],
        }
    )
    return {"firms": f, "parcels": parcels, "compliance": comp}, thin


def _pass5(state, scheme, year, medians, folder, i):
    """低效用地 with the global plate medians; unit sums; write this partition's results."""
    from geoplan.analysis.low_efficiency import find_low_efficiency

    low = find_low_efficiency(
        state["parcels"],
        scheme.low_efficiency,
        year=year,
        compliance_table=state["compliance"],
        medians=medians,
    )
    _write_part(Path(folder), i, state["firms"], state["parcels"], low)
    return (
        unit_sums(state["firms"], state["parcels"], low),
        len(state["firms"]),
        len(state["parcels"]),
    )


def _medians(thin: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Plate medians over all partitions, with the function 低效用地 uses in memory."""
    from geoplan.analysis.low_efficiency import plate_medians

    out: dict[str, dict[str, float]] = {}
    plate = thin["plate"].fillna("(无板块)").astype(str).to_numpy()
    for col in ("tax_per_mu", "va_per_mu"):
        med = plate_medians(thin, col)
        out[col] = dict(zip(plate, med.tolist(), strict=True))
    return out


def _bounds_of(part: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(part.total_bounds) if len(part) else np.full(4, np.nan)


def _hilbert_of(part: gpd.GeoDataFrame, total_bounds: np.ndarray) -> np.ndarray:
    from dask_geopandas.hilbert_distance import _hilbert_distance

    if not len(part):
        return np.zeros(0, dtype=np.int64)
    return _hilbert_distance(part, total_bounds, 16).to_numpy(dtype=np.int64)


def _split(part: gpd.GeoDataFrame, h: np.ndarray, cuts: np.ndarray) -> list[gpd.GeoDataFrame]:
    k = np.searchsorted(cuts, h, side="right")
    order = np.argsort(k, kind="stable")
    edges = np.searchsorted(k[order], np.arange(len(cuts) + 2))
    return [part.iloc[order[edges[j] : edges[j + 1]]] for j in range(len(cuts) + 1)]


def _concat(*pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = pd.concat(pieces, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry=pieces[0].geometry.name, crs=pieces[0].crs)


def hilbert_shuffle(client, parts: list, nparts: int) -> list:
    """Repartition GeoDataFrame futures along the Hilbert curve (the order of dask-geopandas'
    ``spatial_shuffle``: its ``_hilbert_distance`` of the geometries' midpoints, level 16) into
    *nparts* spatially compact partitions of about equal size. A direct all-to-all of futures:
    each input part is split by the global quantiles of the distances, each output part
    concatenates its pieces; only the distances (8 bytes per patch) come to the client."""
    b = np.vstack(client.gather([client.submit(_bounds_of, p, pure=False) for p in parts]))
    total = np.array(
        [np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]), np.nanmax(b[:, 3])]
    )
    hs = [client.submit(_hilbert_of, p, total, pure=False) for p in parts]
    allh = np.concatenate(client.gather(hs))
    cuts = (
        np.quantile(allh, np.arange(1, nparts) / nparts, method="lower")
        if len(allh)
        else np.zeros(0)
    )
    del allh
    splits = [client.submit(_split, p, h, cuts, pure=False) for p, h in zip(parts, hs, strict=True)]
    pieces = [
        [client.submit(lambda s, j=j: s[j], sp, pure=False) for j in range(nparts)] for sp in splits
    ]
    out = [
        client.submit(_concat, *[pieces[i][j] for i in range(len(parts))], pure=False)
        for j in range(nparts)
    ]
    del splits, pieces, hs
    return out


def _ids(part: pd.DataFrame):
    import pyarrow as pa

    return pa.array(part["parcel_id"].astype(str).array, type=pa.large_string())


def _match(firms: pd.DataFrame, ids) -> np.ndarray:
    """Which firms' parcel is among *ids* (an Arrow hash lookup, ~50× the pandas object path)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    v = pa.array(firms["parcel_id"].astype(str).array, type=pa.large_string())
    return pc.is_in(v, value_set=ids).fill_null(False).to_numpy(zero_copy_only=False)


def _route(firms: pd.DataFrame, *masks: np.ndarray) -> list[pd.DataFrame]:
    """Firms of one input part → one piece per parcel partition (no known parcel → piece 0)."""
    hit = np.zeros(len(firms), dtype=bool)
    out = []
    for m in masks:
        m = m & ~hit  # a parcel id is in one partition; the first wins if the input repeats it
        hit |= m
        out.append(firms[m])
    out[0] = pd.concat([out[0], firms[~hit]])
    return out


def _concat_frames(*pieces: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(pieces, ignore_index=True)


def co_partition(client, firm_parts: list, parcel_parts: list) -> list:
    """Move every firm to the partition of its parcel (firms whose parcel is unknown go to
    partition 0, where the evaluation lists them as unscored, as in memory)."""
    ids = [client.submit(_ids, p, pure=False) for p in parcel_parts]
    n = len(parcel_parts)
    routed = []
    for f in firm_parts:
        masks = [client.submit(_match, f, i, pure=False) for i in ids]
        routed.append(client.submit(_route, f, *masks, pure=False))
    pieces = [[client.submit(lambda r, j=j: r[j], r, pure=False) for j in range(n)] for r in routed]
    out = [
        client.submit(_concat_frames, *[pieces[k][j] for k in range(len(firm_parts))], pure=False)
        for j in range(n)
    ]
    del ids, routed, pieces
    return out


def connect(opts: ScreenOptions):
    """A dask client: the scheduler at ``opts.scheduler``, else a LocalCluster."""
    import dask
    from distributed import Client, LocalCluster

    if opts.scheduler:
        try:
            return Client(opts.scheduler, timeout=opts.connect_timeout), None
        except (OSError, TimeoutError, ValueError) as exc:
            msg = (
                f"--scheduler {opts.scheduler}: cannot reach the dask scheduler ({exc}); start one "
                "with `dask scheduler` and `dask worker ADDRESS` on the cluster, or leave "
                "--scheduler out for a LocalCluster on this machine"
            )
            raise GeoplanError(msg) from None
    # the shuffle plugin logs every shuffle at WARNING: not news for a user
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(
            n_workers=opts.workers,
            threads_per_worker=opts.threads_per_worker,
            memory_limit=opts.memory_limit,
            processes=True,
            dashboard_address=":0",
        )
    return Client(cluster), cluster


def run_dask(
    parcel_files: list[Path],
    firm_files: list[Path],
    units,
    opts: ScreenOptions,
    out_tmp: Path,
    client,
) -> dict[str, Any]:
    import dask
    import dask.dataframe as dd
    import dask_geopandas
    from distributed import wait

    from geoplan.analysis.land_yield import assign_classes

    sch = _check_scheme(opts)
    crs_src = check_parts(parcel_files, "parcels", geo=True)
    check_parts(firm_files, "firms", geo=False)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def tick(name: str) -> None:
        nonlocal t0
        timings[name] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()

    pdd = dask_geopandas.read_parquet([str(f) for f in parcel_files])
    pdd = pdd.set_crs(crs_src, allow_override=True) if pdd.crs is None else pdd
    bounds = metadata_bounds(parcel_files)
    if bounds is None:  # no bbox in the GeoParquet metadata: one pass over the geometries
        bounds = np.asarray(pdd.total_bounds.compute())
    crs = working_crs(bounds, crs_src, opts.lon0)
    nparts = opts.partitions or max(pdd.npartitions, 2 * len(client.scheduler_info()["workers"]))
    meta = prepare_parcels(pdd._meta, opts.codes, crs)
    # read + crosswalk + project once (persisted), then the Hilbert shuffle works from memory
    prepared = pdd.map_partitions(prepare_parcels, opts.codes, crs, meta=meta).persist()
    wait(prepared)
    tick("read+crosswalk+project")
    pdel = hilbert_shuffle(client, client.compute(prepared.to_delayed()), nparts)
    wait(pdel)
    pdd = prepared
    del prepared
    tick("hilbert_shuffle")

    fdd = dd.read_parquet([str(f) for f in firm_files])
    fdel = co_partition(client, client.compute(fdd.to_delayed()), pdel)
    wait(fdel)
    tick("co-partition firms")

    year = _year(opts)
    plates = _read_units(units, crs)
    plates_f = client.scatter(plates, broadcast=True) if plates is not None else None
    p1 = client.compute(
        [
            dask.delayed(_pass1)(
                pdel[i], fdel[i], plates_f, sch, year, opts.tenant_rule, i, opts.crash_partition
            )
            for i in range(nparts)
        ]
    )
    st1 = [client.submit(lambda r: r[0], x, pure=False) for x in p1]
    stats = client.gather([client.submit(lambda r: r[1], x, pure=False) for x in p1])
    wait(st1)
    # the partition states now hold everything: release the shuffled inputs (worker memory)
    del p1, pdd, pdel, fdd, fdel
    bench = _benchmarks(stats, sch)
    fixed = _fixed_scheme(sch, bench)
    tick("pass1 evaluate + benchmarks")

    p2 = [client.submit(_pass2, s, fixed, pure=False) for s in st1]
    st2 = [client.submit(lambda r: r[0], x, pure=False) for x in p2]
    sums = client.gather([client.submit(lambda r: r[1], x, pure=False) for x in p2])
    del p2, st1
    fill = {}
    for key in bench:
        tot = sum(s[key][0] for s in sums)
        cnt = sum(s[key][1] for s in sums)
        fill[key] = tot / cnt if (sch.missing == "average" and cnt > 0) else 0.0
    p3 = [client.submit(_pass3, s, fill, sch, pure=False) for s in st2]
    st3 = [client.submit(lambda r: r[0], x, pure=False) for x in p3]
    thins = client.gather([client.submit(lambda r: r[1], x, pure=False) for x in p3])
    del p3, st2
    tick("pass2-3 score")

    allthin = pd.concat(thins, ignore_index=True)
    ucode, _ = pd.factorize(allthin["unit"])
    gcode, _ = pd.factorize(allthin["group"])
    cls, rank, size = assign_classes(allthin["score"].to_numpy(), ucode, gcode, sch)
    bounds_ = np.cumsum([0, *[len(t) for t in thins]])
    del allthin, thins
    tick("classes (global rank)")

    p4 = [
        client.submit(
            _pass4,
            s,
            cls[bounds_[i] : bounds_[i + 1]],
            rank[bounds_[i] : bounds_[i + 1]],
            size[bounds_[i] : bounds_[i + 1]],
            pure=False,
        )
        for i, s in enumerate(st3)
    ]
    st4 = [client.submit(lambda r: r[0], x, pure=False) for x in p4]
    mthin = pd.concat(
        client.gather([client.submit(lambda r: r[1], x, pure=False) for x in p4]), ignore_index=True
    )
    del p4, st3
    medians = _medians(mthin)
    del mthin
    p5 = [
        client.submit(_pass5, s, sch, year, medians, str(out_tmp), i, pure=False)
        for i, s in enumerate(st4)
    ]
    res = client.gather(p5)
    del st4, p5
    tick("pass4-5 parcels, 低效用地, write")
    by_unit = finish_units(pd.concat([r[0] for r in res]))
    return {
        "partitions": nparts,
        "firms": int(sum(r[1] for r in res)),
        "parcels": int(sum(r[2] for r in res)),
        "by_unit": by_unit,
        "scheme": sch.name,
        "year": year,
        "crs": crs.to_string(),
        "timings_s": timings,
        "workers": len(client.scheduler_info()["workers"]),
    }


def _year(opts: ScreenOptions) -> int:
    from geoplan.analysis.land_yield import DEFAULT_YEAR

    return int(opts.year) if opts.year is not None else DEFAULT_YEAR


# ------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------


def screen(
    parcels: str | Path,
    firms: str | Path,
    out: str | Path,
    *,
    units: str | Path | None = None,
    engine: str = "dask",
    options: ScreenOptions | None = None,
    client=None,
) -> dict[str, Any]:
    """Run the screening with *engine* and write ``out/`` atomically: ``firms/``, ``parcels/``,
    ``low_efficiency/`` (Parquet parts), ``by_unit.parquet`` and ``summary.json``."""
    opts = options or ScreenOptions()
    if engine not in ENGINES:
        msg = f"--engine {engine!r}: use one of {', '.join(ENGINES)}"
        raise GeoplanError(msg)
    pf = part_files(parcels, "parcels")
    ff = part_files(firms, "firms")
    target = _Out(out)
    t = time.perf_counter()
    own = None
    with target as tmp:
        if engine == "memory":
            doc = run_memory(pf, ff, units, opts, tmp)
        else:
            from distributed.client import FutureCancelledError
            from distributed.scheduler import KilledWorker

            if client is None:
                _check_scheme(opts)  # before starting a cluster
                client, own = connect(opts)
            try:
                doc = run_dask(pf, ff, units, opts, tmp, client)
            except (KilledWorker, FutureCancelledError) as exc:
                # a worker died: either its task failed on every retry (KilledWorker) or results it
                # held were already released to save memory and cannot be recomputed (cancelled)
                task = exc.args[0] if exc.args else "?"
                msg = (
                    f"a dask worker died while running task {task}; nothing was written to {out} "
                    "(check the workers' memory limit and logs, then run again)"
                )
                raise GeoplanError(msg) from None
            finally:
                if own is not None:
                    client.close()
                    own.close()
        by_unit = doc.pop("by_unit")
        by_unit.to_parquet(tmp / "by_unit.parquet", index=False)
        total = by_unit[list(UNIT_SUMS)].sum()
        doc = {
            "engine": engine,
            **doc,
            "classes": {c: int(total[f"n_{c}"]) for c in ("A", "B", "C", "D", "T")},
            "low_efficiency": {
                "parcels": int(total["low_parcels"]),
                "area_mu": round(float(total["low_area_mu"]), 2),
            },
            "by_unit": json.loads(by_unit.to_json(orient="records", force_ascii=False)),
            "seconds": round(time.perf_counter() - t, 2),
            "out": str(target.out),
        }
        (tmp / "summary.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
    return doc
