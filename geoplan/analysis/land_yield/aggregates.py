"""Parcel sums and 亩均 figures; aggregates by plate, structure, cluster, industry and zone."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.land_yield.common import (
    ALL_CLASSES,
    MU_PER_HA,
    NATIONAL_HIGH_TECH_OUTPUT_PER_HA,
    NATIONAL_INDUSTRIAL_OUTPUT_PER_HA,
    SUM_FIELDS,
    _div,
    _num,
    _take_str,
)
from geoplan.analysis.land_yield.plates import inner_points
from geoplan.analysis.land_yield.tenants import _main_user
from geoplan.standards import landuse


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

    out["zone"] = pd.DataFrame([_zone_totals(pe, fi)])
    return out


def _zone_totals(pe: gpd.GeoDataFrame, fi: pd.DataFrame) -> dict:
    """Zone totals, 亩均 figures and land productivity against the 2011 national averages."""
    # zone totals and national benchmarks
    has = pe["n_firms"].to_numpy() > 0
    occ = float(_num(pe["area_mu"])[has].sum())
    built = (
        (pe["status"] == "built").to_numpy(dtype=bool)
        if "status" in pe.columns
        else np.ones(len(pe), bool)
    )
    ind_land = landuse.is_industrial(pe["land_use"]) & built
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
    return zone
