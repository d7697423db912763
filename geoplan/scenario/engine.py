"""Running and comparing scenarios.

:func:`run_scenario` applies a scenario's operations in order to a private copy of the base zone
(the base is never modified), evaluates the result (亩均 evaluation, infrastructure balance of the
scenario's phase, constraint violations, park coverage) and returns a :class:`ScenarioResult`
with KPIs, alerts, unplaced demand, the changed parcels and provenance (input hashes, scheme,
versions, time). Given the same inputs the result is the same (nothing is random); only
``provenance["created"]`` differs between runs.

:func:`compare` puts any number of results side by side: one KPI row per indicator, a column per
scenario and deltas against the first; :func:`diff_layer` marks the parcels a scenario changed
against another.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import __version__
from geoplan.analysis import infrastructure as infra
from geoplan.errors import GeoplanError
from geoplan.scenario import kpis as K
from geoplan.scenario import ops
from geoplan.scenario.spec import Scenario, load_scenario, parse_scenario
from geoplan.scenario.state import State
from geoplan.text import both

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


@dataclass
class ScenarioResult:
    scenario: Scenario
    kpis: dict[str, float]
    balance: pd.DataFrame
    alerts: list[dict]
    unplaced: list[dict]
    operations: list[dict]
    changed: gpd.GeoDataFrame
    violations: pd.DataFrame
    provenance: dict
    layers: dict[str, pd.DataFrame] = field(repr=False)
    evaluation: Any = field(default=None, repr=False)
    infra: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.scenario.name

    def summary(self) -> dict:
        """JSON-ready: name, phase, kpis (with units), alerts, unplaced, operations, provenance."""
        return {
            "name": self.name,
            "description": self.scenario.description,
            "phase": self.scenario.phase,
            "kpis": {k: _r(v) for k, v in self.kpis.items()},
            "kpi_units": {k: K.KPI_BY_KEY[k].unit for k in self.kpis if k in K.KPI_BY_KEY},
            "alerts": self.alerts,
            "unplaced": self.unplaced,
            "operations": self.operations,
            "changed_parcels": len(self.changed),
            "violations": self.violations.groupby("constraint")["area_mu"].sum().round(1).to_dict()
            if len(self.violations)
            else {},
            "facilities": [
                {k: (_r(v) if isinstance(v, float) else v) for k, v in r.items()}
                for r in self.balance[
                    [
                        "kind",
                        "facility_id",
                        "name",
                        "capacity",
                        "demand",
                        "unit",
                        "utilisation",
                        "alert",
                    ]
                ].to_dict("records")
            ],
            "provenance": self.provenance,
        }

    def store_payload(self) -> dict:
        """What the project store keeps of a run (kind ``result``): the JSON summary, the KPI
        table, the facility balance, the changed parcels and the scenario's parcels."""
        kpi = (
            K.kpi_table({self.name: self.kpis})
            .reset_index(names="key")
            .rename(columns={self.name: "value"})
        )
        bal = self.balance.copy()
        return {
            "summary": json.loads(json.dumps(self.summary(), default=str)),
            "kpis": kpi,
            "balance": bal,
            "changed_parcels": _plain(self.changed),
            "parcels": _plain(self.layers["parcels"]),
        }

    def write(self, out: str | Path) -> Path:
        """Write the results atomically to a GeoPackage (a folder gets ``<name>.gpkg``)."""
        from geoplan.data.io import write_gpkg_atomic
        from geoplan.store import sanitize_filename

        p = Path(out)
        if p.suffix.lower() != ".gpkg":
            p.mkdir(parents=True, exist_ok=True)
            p = p / f"{sanitize_filename(self.name, default='scenario')}.gpkg"
        parcels = self.layers["parcels"].copy()
        parcels["scenario_change"] = (
            parcels["parcel_id"]
            .map(self.changed.set_index("parcel_id")["change"])
            .astype(object)
            .fillna("")
        )
        fac = pd.concat(
            [
                self.layers["substations"].assign(kind="substation"),
                self.layers["sewage_plants"].assign(kind="sewage_plant"),
            ],
            ignore_index=True,
        )
        bal = self.balance.drop(columns=["name", "status", "kind"]).rename(
            columns={"unit": "capacity_unit"}
        )
        fac = gpd.GeoDataFrame(
            fac.merge(bal, on="facility_id", how="left"), geometry="geometry", crs=parcels.crs
        )
        kpi = (
            K.kpi_table({self.name: self.kpis})
            .reset_index(names="key")
            .rename(columns={self.name: "value"})
        )
        layers = {
            "parcels": _plain(parcels),
            "changed_parcels": _plain(self.changed),
            "facilities": _plain(fac),
            "firms": _plain(self.layers["firms"]),
            "kpis": kpi,
            "unplaced": pd.DataFrame([{**u, "reasons": _json(u["reasons"])} for u in self.unplaced])
            if self.unplaced
            else pd.DataFrame({"industry": pd.Series(dtype=str)}),
            "alerts": pd.DataFrame(self.alerts)
            if self.alerts
            else pd.DataFrame({"message": pd.Series(dtype=str)}),
            "provenance": pd.DataFrame(
                {
                    "key": list(self.provenance),
                    "value": [_json(v) for v in self.provenance.values()],
                }
            ),
            "scenario_yaml": pd.DataFrame({"text": [self.scenario.text]}),
        }
        return write_gpkg_atomic(p, layers)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding lists/dicts become JSON text (GeoPackage columns are scalar)."""
    out = frame.copy()
    for c in out.columns:
        if (
            out[c].dtype == object
            and c != getattr(out, "_geometry_column_name", None)
            and out[c].map(lambda v: isinstance(v, list | dict | tuple)).any()
        ):
            out[c] = out[c].map(_json)
    return out


def _json(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, default=str)


def _r(v: Any, nd: int = 4) -> Any:
    if isinstance(v, float | np.floating):
        return None if not np.isfinite(v) else round(float(v), nd)
    return v


# ==========================================================================================
# Base zone and its evaluation (cached by content)
# ==========================================================================================

_EVAL: OrderedDict[str, Any] = OrderedDict()


def _evaluate(layers: dict, scheme: str, key: str | None = None):
    from geoplan.analysis import land_yield

    if key is not None and key in _EVAL:
        _EVAL.move_to_end(key)
        return _EVAL[key]
    ev = land_yield.evaluate(
        layers["parcels"],
        layers["firms"],
        scheme,
        plates=layers.get("plates"),
        structure=layers.get("structure"),
        clusters=layers.get("clusters"),
    )
    if key is not None:
        _EVAL[key] = ev
        while len(_EVAL) > 8:
            _EVAL.popitem(last=False)
    return ev


_SHARED: OrderedDict[tuple, Any] = OrderedDict()


def _shared(key: tuple, reusable: bool, make: Callable[[], Any]) -> Any:
    """*make()*, remembered under *key* (the base zone's cache key and the phase) when the
    scenario left the inputs as the base has them, so every scenario shares one computation."""
    if not reusable:
        return make()
    if key in _SHARED:
        _SHARED.move_to_end(key)
        return _SHARED[key]
    value = _SHARED[key] = make()
    while len(_SHARED) > 24:
        _SHARED.popitem(last=False)
    return value


def _content_key(layers: dict, scheme: str) -> str:
    """Cache key of an evaluation: the scheme and the content of parcels and firms."""
    h = hashlib.blake2b(digest_size=16)
    h.update(scheme.encode())
    p = layers["parcels"]
    h.update(infra.geometry_digest(p, *[c for c in p.columns if c != p.geometry.name]).encode())
    h.update(pd.util.hash_pandas_object(layers["firms"], index=False).to_numpy().tobytes())
    return h.hexdigest()


def base_zone(scenario: Scenario, zone=None):
    """The base zone (shared, read-only), its catalog (None for an in-memory zone) and a cache key."""
    from geoplan.zone import DEFAULT_CATALOG, load_zone, zone_stamp

    if zone is not None:
        return zone, None, None
    catalog = Path(scenario.base) if scenario.base else DEFAULT_CATALOG
    if not catalog.exists():
        msg = f"{scenario.source}: field 'base': layer catalog not found: {catalog}"
        raise GeoplanError(msg)
    stamp = zone_stamp(catalog)
    return (
        load_zone(catalog, copy=False),
        catalog,
        hashlib.blake2b(repr(stamp).encode(), digest_size=16).hexdigest(),
    )


def _file_hashes(zone, catalog) -> dict[str, str]:
    out = {}
    paths = zone.input_paths() if hasattr(zone, "input_paths") else []
    if catalog is not None:
        paths = [Path(catalog), *paths]
    for p in paths:
        try:
            out[str(p.name)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
        except OSError:
            continue
    return out


def _versions() -> dict[str, str]:
    import geopandas
    import numpy
    import pandas
    import pyproj
    import shapely as shp

    return {
        "geoplan": __version__,
        "python": platform.python_version(),
        "geopandas": geopandas.__version__,
        "shapely": shp.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "pyproj": pyproj.__version__,
    }


# ==========================================================================================
# Running
# ==========================================================================================


def scenario_alerts(
    infra_alerts: list[dict], viol: pd.DataFrame, unplaced: list[dict]
) -> list[dict]:
    """The infrastructure alerts, then one per hard constraint built on and one per industry
    whose demand was not all placed (texts: :mod:`geoplan.text.alerts`)."""
    alerts = list(infra_alerts)
    if len(viol):
        for name, a in viol.groupby("constraint")["area_mu"].sum().items():
            zh, en = both("scenario_alert_constraint", name=name, mu=a)
            alerts.append(_alert("error", "constraint", name, "constraint", zh, en))
    for u in unplaced:
        zh, en = both(
            "scenario_alert_unplaced",
            industry=u["industry"],
            demand=u["demand_mu"],
            unplaced=u["unplaced_mu"],
            reasons="; ".join(r["label"] for r in u["reasons"]),
        )
        alerts.append(_alert("warning", "allocation", u["industry"], "unplaced", zh, en))
    return alerts


def _alert(severity: str, kind: str, name: str, code: str, zh: str, en: str) -> dict:
    return {
        "severity": severity,
        "kind": kind,
        "facility_id": None,
        "name": name,
        "alert": code,
        "message": zh,
        "message_en": en,
    }


def run_scenario(
    scenario: Scenario | str | Path, zone=None, *, progress: Progress | None = None
) -> ScenarioResult:
    """Apply *scenario* to a copy of its base zone and compute its KPIs.

    *zone* overrides the scenario's ``base`` (the app passes the user's own layers). *progress*
    is called with (fraction done, message) as operations and analyses complete.
    """
    t0 = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    tell = progress or (lambda f, m: None)
    tell(0.0, "载入基础数据 / loading the base zone")
    z, catalog, stamp_key = base_zone(sc, zone)
    base_layers = dict(z.layers)
    for need in ("parcels", "firms", "substations", "sewage_plants", "roads"):
        if need not in base_layers:
            msg = f"{sc.source}: the base zone has no '{need}' layer"
            raise GeoplanError(msg)
    base_key = f"{stamp_key}:{sc.scheme}" if stamp_key else _content_key(base_layers, sc.scheme)
    base_ev = _evaluate(base_layers, sc.scheme, base_key)
    from geoplan.analysis.land_yield import DEFAULT_YEAR

    # operations never modify a frame in place: they replace the state's entry with a new frame,
    # so the state can start from the base frames themselves (nothing is copied up front)
    state = State(
        layers=dict(base_layers),
        phase=sc.phase,
        year=int(base_layers["firms"].attrs.get("year", DEFAULT_YEAR)),
        base_eval=base_ev,
        catalog=str(catalog) if catalog is not None else None,
        dem_path=getattr(z, "dem_path", None),
    )
    n = max(len(sc.operations), 1)
    for i, op in enumerate(sc.operations):
        tell(0.05 + 0.55 * i / n, f"{op.op}: {op.label}")
        ops.apply(op, state)
    tell(0.6, "亩均评价 / evaluating 亩均")
    layers = state.layers
    same = all(layers[k] is base_layers[k] for k in ("parcels", "firms"))
    ev = base_ev if same else _evaluate(layers, sc.scheme, _content_key(layers, sc.scheme))
    tell(0.75, "基础设施平衡 / infrastructure balance")
    # analyses of layers the scenario left as they were are shared with the base (per phase)
    untouched = {k for k, v in layers.items() if base_layers.get(k) is v}
    infra_in = {"parcels", "roads", "substations", "sewage_plants"} | ({"catchments"} & set(layers))
    ires = _shared(
        ("infra", base_key, sc.phase),
        infra_in <= untouched,
        lambda: infra.analyse(layers, sc.phase),
    )
    tell(0.85, "服务覆盖与管控 / coverage and constraints")

    def land_part():
        zone_geom = (
            shapely.union_all(layers["zone"].geometry.to_numpy()) if "zone" in layers else None
        )
        return (
            K.land_kpis(layers["parcels"], sc.phase, zone_geom),
            K.constraint_violations(layers["parcels"], layers.get("constraints"), sc.phase),
        )

    land, viol = _shared(
        ("land", base_key, sc.phase),
        {"parcels", "zone", "constraints"} & set(layers) <= untouched,
        land_part,
    )
    values = {
        **land,
        **K.economy_kpis(ev),
        **K.infra_kpis(ires),
        "constraint_violation_mu": float(viol["area_mu"].sum()) if len(viol) else 0.0,
    }
    if "facilities" in layers:
        values["park_500m_share"] = 100.0 * K.park_coverage(layers, sc.phase)
    kpi_values = {k.key: values[k.key] for k in K.KPIS if k.key in values}
    alerts = scenario_alerts(ires.alerts, viol, state.unplaced)
    changed = diff_layer(base_layers, layers, notes=state.changes)
    prov = {
        "scenario": sc.name,
        "scenario_source": sc.source,
        "scenario_sha256": sc.digest,
        "base": str(catalog) if catalog is not None else "in-memory zone",
        "inputs_sha256": _file_hashes(z, catalog)
        if catalog is not None
        else {"zone_content": base_key},
        "scheme": sc.scheme,
        "phase": sc.phase,
        "versions": _versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t0, 3),
        "standards": {"infrastructure": ires.standards.source, "verified": ires.standards.verified},
    }
    tell(1.0, "完成 / done")
    return ScenarioResult(
        sc,
        kpi_values,
        ires.balance,
        alerts,
        list(state.unplaced),
        list(state.op_reports),
        changed,
        viol,
        prov,
        layers,
        ev,
        ires,
    )


# ==========================================================================================
# Comparing
# ==========================================================================================


def diff_layer(
    before: dict, after: dict, *, notes: dict[str, list[str]] | None = None
) -> gpd.GeoDataFrame:
    """Parcels that differ between two zones: ``parcel_id``, ``change`` (added / removed /
    land_use / far / status / geometry / firms, comma-joined), ``note`` and the geometry (of the
    *after* state where it exists)."""
    a = before["parcels"].set_index("parcel_id")
    b = after["parcels"].set_index("parcel_id")
    if before["parcels"] is after["parcels"] and before["firms"] is after["firms"]:
        return gpd.GeoDataFrame(
            {"parcel_id": [], "change": [], "note": [], "land_use": [], "area_mu": []},
            geometry=[],
            crs=after["parcels"].crs,
        )
    ids_a, ids_b = set(a.index), set(b.index)
    rows: dict[str, list[str]] = {}
    for pid in ids_b - ids_a:
        rows[pid] = ["added"]
    for pid in ids_a - ids_b:
        rows[pid] = ["removed"]
    common = sorted(ids_a & ids_b)
    if common:
        aa, bb = a.loc[common], b.loc[common]
        for col in ("land_use", "far", "status", "coverage"):
            if col in aa and col in bb:
                va, vb = aa[col].to_numpy(), bb[col].to_numpy()
                diff = ~((va == vb) | (pd.isna(va) & pd.isna(vb)))
                for pid in np.asarray(common)[diff]:
                    rows.setdefault(pid, []).append(col)
        geq = shapely.equals_exact(aa.geometry.to_numpy(), bb.geometry.to_numpy(), tolerance=0.01)
        for pid in np.asarray(common)[~geq]:
            rows.setdefault(pid, []).append("geometry")
    pairs = before["firms"][["parcel_id", "firm_id"]].merge(
        after["firms"][["parcel_id", "firm_id"]], how="outer", indicator=True
    )
    for pid in pd.unique(pairs.loc[pairs["_merge"] != "both", "parcel_id"]):
        if pid in ids_b:
            rows.setdefault(pid, []).append("firms")
    ids = sorted(rows)
    both = pd.concat(
        [b[["land_use", "area_mu"]], a.loc[~a.index.isin(b.index), ["land_use", "area_mu"]]]
    )
    geo = pd.concat([b.geometry, a.geometry[~a.index.isin(b.index)]])
    info = both.reindex(ids)
    out = gpd.GeoDataFrame(
        {
            "parcel_id": ids,
            "change": [",".join(dict.fromkeys(rows[i])) for i in ids],
            "note": ["; ".join(dict.fromkeys((notes or {}).get(i, []))) for i in ids],
            "land_use": info["land_use"].to_numpy(),
            "area_mu": pd.to_numeric(info["area_mu"], errors="coerce").to_numpy(),
        },
        geometry=geo.reindex(ids).to_numpy(),
        crs=after["parcels"].crs,
    )
    return out


@dataclass
class Comparison:
    names: list[str]
    table: pd.DataFrame  # index kpi key; columns: kpi, unit, <name>…, Δ <name>…
    results: list[ScenarioResult]

    def records(self) -> list[dict]:
        out = []
        for key, r in self.table.iterrows():
            row = {
                "key": key,
                "kpi": r["kpi"],
                "unit": r["unit"],
                "values": {n: _r(r[n]) for n in self.names},
            }
            row["delta"] = {n: _r(r[f"Δ {n}"]) for n in self.names[1:]}
            out.append(row)
        return out

    def summary(self) -> dict:
        return {
            "scenarios": [
                {
                    "name": r.name,
                    "phase": r.scenario.phase,
                    "alerts": len(r.alerts),
                    "unplaced_mu": round(sum(u["unplaced_mu"] for u in r.unplaced), 1),
                }
                for r in self.results
            ],
            "baseline": self.names[0],
            "table": self.records(),
        }

    def diff(self, i: int) -> gpd.GeoDataFrame:
        """Parcels scenario *i* changed against the first scenario."""
        return diff_layer(self.results[0].layers, self.results[i].layers)


def compare(results: list[ScenarioResult], *, lang: str = "zh") -> Comparison:
    """KPI table of several scenario results with deltas against the first."""
    if not results:
        msg = "compare: give at least one scenario"
        raise GeoplanError(msg)
    names = []
    for r in results:
        name = r.name
        k = 2
        while name in names:  # the same name twice: keep both columns apart
            name = f"{r.name} ({k})"
            k += 1
        names.append(name)
    table = K.kpi_table({n: r.kpis for n, r in zip(names, results, strict=True)}, lang)
    for n in names[1:]:
        table[f"Δ {n}"] = table[n] - table[names[0]]
    return Comparison(names, table, list(results))


def run_many(
    paths: Sequence[Scenario | str | Path], *, zone=None, progress: Progress | None = None
) -> list[ScenarioResult]:
    out = []
    for i, p in enumerate(paths):
        sub = None
        if progress:

            def sub(f, m, i=i):
                return progress((i + f) / len(paths), m)

        out.append(run_scenario(p, zone, progress=sub))
    return out


__all__ = [
    "Comparison",
    "ScenarioResult",
    "compare",
    "diff_layer",
    "parse_scenario",
    "run_many",
    "run_scenario",
]
