"""工业项目建设用地控制指标 checks and 标准地 commitments vs actual (达产复核).

:func:`check` takes the evaluated parcels (:func:`geoplan.analysis.land_yield.parcel_indicators`) and
returns a long table, one row per parcel × check:

- control indicators on built industrial parcels (用地用海 1001xx): 容积率 ≥ the industry minimum,
  建筑系数 ≥ 40 % (2023 edition; 30 % for 2008), 行政办公及生活服务设施用地 ≤ 7 %, 绿地率 ≤ 20 %,
  投资强度 ≥ the configured table;
- on built 标准地 parcels, each commitment against the actual value: 容积率, 亩均投资, 亩均税收 (≥)
  and 单位增加值能耗 (≤).

Thresholds come from ``data/standards/industrial_land_control.yaml`` (each value tagged with its
evidence level); pass another mapping to use a provincial table.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from geoplan import settings
from geoplan.errors import SchemaError
from geoplan.standards import landuse

logger = logging.getLogger(__name__)

STANDARDS_FILE = settings.STANDARDS_DIR / "industrial_land_control.yaml"
EDITIONS = ("2023", "2008")
COLUMNS = [
    "parcel_id",
    "plate",
    "land_use",
    "industry",
    "kind",
    "check",
    "check_zh",
    "op",
    "required",
    "actual",
    "passed",
    "gap",
    "basis",
]


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        msg = f"{p.name}: cannot read the control-indicator table ({exc})"
        raise SchemaError(msg) from exc
    for key in ("editions", "min_far", "industry_gb", "investment_min_per_mu"):
        if not isinstance(doc, dict) or key not in doc:
            msg = f"{p.name}: field '{key}' is missing"
            raise SchemaError(msg)
    for ed, vals in doc["editions"].items():
        for k in ("coverage_min", "admin_max", "green_max"):
            v = vals.get(k) if isinstance(vals, dict) else None
            if not isinstance(v, int | float) or not 0 <= v <= 1:
                msg = f"{p.name}: field 'editions.{ed}.{k}' must be a ratio between 0 and 1"
                raise SchemaError(msg)
    for code, v in doc["min_far"].items():
        if not isinstance(v, dict) or not isinstance(v.get("far"), int | float) or v["far"] <= 0:
            msg = f"{p.name}: field 'min_far.{code}.far' must be a positive number"
            raise SchemaError(msg)
    return doc


def load_standards(path: str | Path | None = None) -> dict:
    """The control-indicator table (validated). Cached per path."""
    return _load(str(Path(path) if path else STANDARDS_FILE))


def min_far_for(industry: np.ndarray, standards: dict | None = None) -> np.ndarray:
    """Minimum 容积率 for each firm industry (1+6 name, or a GB/T 4754 two-digit code)."""
    std = standards or load_standards()
    gb_of = {k: str(v["gb"]) for k, v in std["industry_gb"].items()}
    far_of = {str(k): float(v["far"]) for k, v in std["min_far"].items()}
    default = far_of.get(str(std.get("default_gb", "35")), 0.7)
    ind = pd.Series(industry, dtype=object).fillna("").astype(str)
    codes = ind.map(gb_of).fillna(ind.str[:2])
    return codes.map(far_of).fillna(default).to_numpy(dtype="float64")


def investment_min_for(industry: np.ndarray, standards: dict | None = None) -> np.ndarray:
    std = standards or load_standards()
    tab = std["investment_min_per_mu"]
    vals = {str(k): float(v) for k, v in tab["values"].items()}
    return (
        pd.Series(industry, dtype=object)
        .map(vals)
        .fillna(float(tab.get("default", np.nan)))
        .to_numpy(dtype="float64")
    )


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def check(
    parcels: pd.DataFrame,
    *,
    edition: str = "2023",
    standards: dict | str | Path | None = None,
    investment_min: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Compliance table for evaluated parcels (long format, see module doc).

    ``passed`` is ``True``/``False``, or ``NA`` where the actual value is missing. ``gap`` is
    signed so that a negative value is a shortfall (actual − required for ≥ checks, required −
    actual for ≤ checks). ``investment_min`` overrides the table per industry (万元/亩).
    """
    if edition not in EDITIONS:
        msg = (
            f"unknown edition {edition!r} of 工业项目建设用地控制指标; use {' or '.join(EDITIONS)}"
        )
        raise SchemaError(msg)
    std = standards if isinstance(standards, dict) else load_standards(standards)
    ed = std["editions"][edition]
    lu_s = parcels["land_use"].astype(str)
    lu = lu_s.to_numpy(dtype=object)
    built = (
        (parcels["status"] == "built").to_numpy(dtype=bool)
        if "status" in parcels.columns
        else np.ones(len(parcels), bool)
    )
    industrial = landuse.is_industrial(lu_s) & built
    industry = (
        parcels["industry"].to_numpy(dtype=object)
        if "industry" in parcels.columns
        else np.full(len(parcels), None)
    )
    far = _num(parcels, "far")
    inv_per_mu = _num(parcels, "investment_per_mu")
    inv_min = investment_min_for(industry, std)
    if investment_min:
        over = (
            pd.Series(industry, dtype=object)
            .map({k: float(v) for k, v in investment_min.items()})
            .to_numpy(dtype="float64")
        )
        inv_min = np.where(np.isfinite(over), over, inv_min)
    basis_ctl = f"工业项目建设用地控制指标({edition})"
    checks: list[tuple[str, str, str, str, np.ndarray, np.ndarray, np.ndarray, str]] = [
        (
            "control",
            "far_min",
            "容积率不低于行业最低值",
            ">=",
            industrial,
            min_far_for(industry, std),
            far,
            basis_ctl + " 容积率表 (industry→GB/T 4754 mapping)",
        ),
        (
            "control",
            "coverage_min",
            f"建筑系数≥{ed['coverage_min']:.0%}",
            ">=",
            industrial,
            np.full(len(parcels), float(ed["coverage_min"])),
            _num(parcels, "coverage"),
            basis_ctl,
        ),
        (
            "control",
            "admin_max",
            "行政办公及生活服务设施用地≤7%",
            "<=",
            industrial,
            np.full(len(parcels), float(ed["admin_max"])),
            _num(parcels, "admin_ratio"),
            basis_ctl,
        ),
        (
            "control",
            "green_max",
            "绿地率≤20%",
            "<=",
            industrial,
            np.full(len(parcels), float(ed["green_max"])),
            _num(parcels, "green_ratio"),
            basis_ctl,
        ),
        (
            "control",
            "investment_min",
            "投资强度不低于控制值(万元/亩)",
            ">=",
            industrial,
            inv_min,
            inv_per_mu,
            "投资强度表 " + str(std["investment_min_per_mu"].get("verified", "")),
        ),
    ]
    std_land = (
        parcels["standard_land"].fillna(False).astype(bool).to_numpy()
        if "standard_land" in parcels.columns
        else np.zeros(len(parcels), bool)
    )
    std_built = std_land & built
    for col, name, zh, op, actual in (
        ("commit_far", "commit_far", "标准地承诺容积率", ">=", far),
        ("commit_investment_per_mu", "commit_investment", "标准地承诺亩均投资", ">=", inv_per_mu),
        (
            "commit_tax_per_mu",
            "commit_tax",
            "标准地承诺亩均税收",
            ">=",
            _num(parcels, "tax_per_mu"),
        ),
        (
            "commit_energy_per_va",
            "commit_energy",
            "标准地承诺单位增加值能耗",
            "<=",
            _num(parcels, "energy_per_va"),
        ),
    ):
        req = _num(parcels, col)
        checks.append(
            (
                "standard_land",
                name,
                zh,
                op,
                std_built & np.isfinite(req),
                req,
                actual,
                "标准地出让承诺 达产复核",
            )
        )

    frames = []
    pid = parcels["parcel_id"].to_numpy()
    plate = (
        parcels["plate"].to_numpy() if "plate" in parcels.columns else np.full(len(parcels), None)
    )
    for kind, name, zh, op, mask, req, act, basis in checks:
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        r, a = req[idx], act[idx]
        known = np.isfinite(a) & np.isfinite(r)
        if name in ("admin_max", "green_max"):
            idx, r, a, known = idx[known], r[known], a[known], known[known]  # only where reported
            if not len(idx):
                continue
        gap = (a - r) if op == ">=" else (r - a)
        passed = pd.array(np.where(known, gap >= -1e-9, False), dtype="boolean")
        passed[~known] = pd.NA
        frames.append(
            pd.DataFrame(
                {
                    "parcel_id": pid[idx],
                    "plate": plate[idx],
                    "land_use": lu[idx],
                    "industry": industry[idx],
                    "kind": kind,
                    "check": name,
                    "check_zh": zh,
                    "op": op,
                    "required": r,
                    "actual": a,
                    "passed": passed,
                    "gap": np.where(known, gap, np.nan),
                    "basis": basis,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    logger.info("compliance: %d checks, %d failed", len(out), int((out["passed"] == False).sum()))  # noqa: E712
    return out


def failing_parcels(table: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """One row per parcel that fails at least one check: ``parcel_id``, ``failed`` (list of checks)."""
    t = table[table["passed"] == False]  # noqa: E712
    if kind:
        t = t[t["kind"] == kind]
    return t.groupby("parcel_id")["check"].agg(lambda s: ",".join(s)).rename("failed").reset_index()


def to_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")
