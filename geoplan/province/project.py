"""A province project: ``province.yaml`` = the province layer + the zone folders that exist + the
evaluation values and rule parameters.

Example (the bundled ``data/province/liaoning/province.yaml``)::

    name: 辽宁省高新区
    layer: zones.yaml                 # the province layer (seed 003)
    indicators: evaluation_sample.csv # zone, year, 开发程度, 产业集聚度, 技术创新能力, 创新创业环境
    evaluation: {weights: {开发程度: 25, …}, fail_below: 60}
    zone_folders:
      - {zone: dalian, folder: ../../../layers}

Paths are relative to the folder of ``province.yaml``. A zone folder listed twice (the same
folder, however spelled) or a zone id not in the layer is an error naming the line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from geoplan.config.loader import read_yaml_doc, validate
from geoplan.errors import GeoplanError, SchemaError
from geoplan.province.evaluation import DIMENSIONS, RuleParams, apply_rule, read_indicators
from geoplan.province.layer import ROOT, ProvinceLayer, lead_industry_check, read_layer

logger = logging.getLogger(__name__)

#: The bundled Liaoning project (seed 003 layer + the bundled 大连 sample folder).
DEFAULT_PROJECT = ROOT / "data" / "province" / "liaoning" / "province.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvaluationParams(_Model):
    weights: dict[str, float] = Field(default_factory=lambda: dict.fromkeys(DIMENSIONS, 25.0))
    fail_below: float = Field(default=60.0, ge=0, le=100)
    dimension_fail_below: float | None = Field(default=None, ge=0, le=100)
    basis: str = RuleParams().basis


class ZoneFolder(_Model):
    zone: str = Field(min_length=1)
    folder: str = Field(min_length=1)


class ProvinceFile(_Model):
    name: str = Field(min_length=1)
    sample: bool = False
    note: str | None = None
    layer: str = Field(min_length=1)
    indicators: str | None = None
    evaluation: EvaluationParams = Field(default_factory=EvaluationParams)
    zone_folders: tuple[ZoneFolder, ...] = ()


@dataclass
class Project:
    path: Path
    spec: ProvinceFile
    layer: ProvinceLayer
    folders: dict[str, Path]
    values: pd.DataFrame
    params: RuleParams
    drill: dict[str, dict] = field(default_factory=dict)

    def evaluation(self) -> pd.DataFrame:
        return apply_rule(self.values, self.params)


def load_project(path: str | Path | None = None) -> Project:
    """Read ``province.yaml``, its layer, its evaluation values and check its zone folders."""
    p = Path(path) if path else DEFAULT_PROJECT
    if p.is_dir():
        p = p / "province.yaml"
    doc = read_yaml_doc(p, "province project")
    spec = validate(ProvinceFile, doc)
    base = p.parent
    layer = read_layer(base / spec.layer)
    ids = {z.id for z in layer.zones}
    problems: list[str] = []
    folders: dict[str, Path] = {}
    seen: dict[Path, int] = {}
    for i, zf in enumerate(spec.zone_folders):
        where = doc.where(("zone_folders", i))
        if zf.zone not in ids:
            problems.append(
                f"{where}: zone {zf.zone!r} is not in the province layer ({', '.join(sorted(ids))})"
            )
            continue
        folder = (base / zf.folder).resolve()
        if folder in seen:
            first = doc.where(("zone_folders", seen[folder]))
            problems.append(f"{where}: zone folder {folder} is listed twice (first at {first})")
            continue
        if zf.zone in folders:
            problems.append(f"{where}: zone {zf.zone!r} already has a folder ({folders[zf.zone]})")
            continue
        if not (folder / "zone.yaml").is_file():
            problems.append(f"{where}: {folder} is not a zone folder (no zone.yaml)")
            continue
        seen[folder] = i
        folders[zf.zone] = folder
    if problems:
        raise SchemaError("\n".join(problems))
    dims = layer.evaluation.dimensions
    unknown = [d for d in spec.evaluation.weights if d not in dims]
    if unknown:
        where = doc.where(("evaluation", "weights"))
        msg = f"{where}: unknown dimension(s) {', '.join(unknown)}; use {', '.join(dims)}"
        raise SchemaError(msg)
    if sum(spec.evaluation.weights.values()) <= 0:
        msg = f"{doc.where(('evaluation', 'weights'))}: the weights must add up to more than 0"
        raise SchemaError(msg)
    params = RuleParams(
        weights=dict(spec.evaluation.weights),
        fail_below=spec.evaluation.fail_below,
        dimension_fail_below=spec.evaluation.dimension_fail_below,
        basis=spec.evaluation.basis,
    )
    if spec.indicators:
        values = read_indicators(base / spec.indicators, ids, dims)
    else:
        values = pd.DataFrame(columns=["zone", "year", *dims])
    return Project(p, spec, layer, folders, values, params)


def drill_in(folder: Path) -> dict[str, Any]:
    """亩均 class counts, 低效用地 and the infrastructure headline of one zone folder (in-memory)."""
    from geoplan.analysis import infrastructure as infra
    from geoplan.analysis.infrastructure.kpis import kind_summary
    from geoplan.analysis.land_yield import evaluate
    from geoplan.zone import load_zone

    zone = load_zone(folder / "zone.yaml")
    scheme = zone.profile.file.default_scheme if zone.profile is not None else None
    ev = evaluate(
        zone.layers["parcels"],
        zone.layers["firms"],
        scheme or "dalian_default",
        plates=zone.layers.get("plates"),
    )
    low = ev.low_efficiency
    out: dict[str, Any] = {
        "zone": zone.name,
        "folder": str(folder),
        "scheme": ev.scheme,
        "year": ev.year,
        "classes": ev.class_counts(),
        "low_efficiency": {
            "parcels": len(low),
            "area_mu": round(float(low["area_mu"].sum()), 2) if len(low) else 0.0,
        },
    }
    if {"substations", "sewage_plants", "roads", "parcels"} <= set(zone.layers):
        res = infra.analyse(zone, "current")
        out["infrastructure"] = {
            k: {
                kk: (round(v, 4) if isinstance(v, float) else v)
                for kk, v in kind_summary(res, k).items()
            }
            for k in ("substation", "sewage_plant")
        }
    else:
        out["infrastructure"] = None
    return out


def report(project: Project, *, drill: bool = True) -> dict[str, Any]:
    """The JSON document of ``geoplan province --json``."""
    ev = project.evaluation()
    layer = project.layer
    zones: list[dict[str, Any]] = []
    for z in layer.zones:
        zev = ev[ev["zone"] == z.id]
        years: list[dict[str, Any]] = [
            {
                "year": int(r["year"]),
                "values": {d: float(r[d]) for d in layer.evaluation.dimensions},
                "score": round(float(r["score"]), 4),
                "failed": bool(r["failed"]),
                "card": r["card"],
            }
            for r in zev.to_dict("records")
        ]
        zones.append(
            {
                "id": z.id,
                "name": z.name,
                "name_en": z.name_en,
                "city": z.city,
                "level": z.level,
                "level_source": z.level_source,
                "management": z.management,
                "management_source": z.management_source,
                "management_note": z.management_note.model_dump() if z.management_note else None,
                "lead_industries": z.lead_industries.model_dump(),
                "one_zone_one_industry": lead_industry_check(z, layer.lead_industry_rule),
                "clusters": z.clusters.model_dump(),
                "alliances": z.alliances.model_dump(),
                "platforms": z.platforms.model_dump(),
                "makerspaces": z.makerspaces.model_dump(),
                "funds": z.funds.model_dump(),
                "location": z.location.model_dump(),
                "evaluation": years,
                "latest_card": years[-1]["card"] if years else None,
                "zone_folder": str(project.folders[z.id]) if z.id in project.folders else None,
            }
        )
    drilled: dict[str, dict[str, Any]] = {}
    if drill:
        for zid, folder in project.folders.items():
            try:
                drilled[zid] = drill_in(folder)
            except GeoplanError as exc:  # a broken zone folder is reported, the rest still shown
                drilled[zid] = {"folder": str(folder), "error": str(exc)}
    n_ok = sum(1 for z in zones if z["one_zone_one_industry"]["ok"])
    return {
        "province": layer.province,
        "name": project.spec.name,
        "sample": project.spec.sample,
        "note": project.spec.note,
        "source": layer.source,
        "total_area_km2": layer.total_area_km2.model_dump(),
        "zones_n": len(zones),
        "national": sum(1 for z in zones if z["level"] == "national"),
        "provincial": sum(1 for z in zones if z["level"] == "provincial"),
        "one_zone_one_industry": {
            "rule": layer.lead_industry_rule.model_dump(),
            "meeting": n_ok,
            "not_meeting": [z["id"] for z in zones if not z["one_zone_one_industry"]["ok"]],
        },
        "evaluation_rule": {
            "dimensions": list(layer.evaluation.dimensions),
            "source": layer.evaluation.source,
            "rule": layer.evaluation.rule,
            "weights": project.params.weights,
            "fail_below": project.params.fail_below,
            "dimension_fail_below": project.params.dimension_fail_below,
            "basis": project.params.basis,
        },
        "at_risk": {
            "yellow": [z["id"] for z in zones if z["latest_card"] == "yellow"],
            "delist": [z["id"] for z in zones if z["latest_card"] == "delist"],
        },
        "location_note": layer.location_note,
        "zones": zones,
        "drill_in": drilled,
    }
