"""Infrastructure standards: the demand coefficient table and the balance factors, as typed models.

Both are editable data files in the standards folder, naming their source; unverified values say
``verified: no``:

- ``infra_coefficients.csv`` — one :class:`CoefficientRow` per 用地用海 code prefix (power per
  floor or land area, water per land area, sewage return factor, planned FAR);
- ``infra_factors.yaml`` — :class:`Factors` (simultaneity, power factor, infiltration, alert
  threshold, supply radii …), read through the one YAML loader.

A mistake names file, line and field (``infra_coefficients.csv: line 4: field
'power_w_m2_floor': must be ≥ 0, got -40``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from geoplan import settings
from geoplan.config.loader import YamlDoc, read_yaml_doc, validate
from geoplan.errors import SchemaError

#: Parcel statuses that carry demand per phase, and at which FAR: "actual" (the parcel's FAR)
#: or "planned" (committed FAR, else the table's planned FAR, never below the actual one).
PHASE_STATUS: dict[str, dict[str, str]] = {
    "current": {"built": "actual"},
    "2025": {"built": "actual", "under_construction": "planned"},
    "2035": {"built": "actual", "under_construction": "planned", "idle": "planned"},
}
#: Road statuses that are part of the network per phase.
ROAD_STATUS: dict[str, tuple[str, ...]] = {
    "current": ("built",),
    "2025": ("built", "under_construction"),
    "2035": ("built", "under_construction", "planned"),
}
KINDS = ("substation", "sewage_plant")
LAYER_OF = {"substation": "substations", "sewage_plant": "sewage_plants"}
CAPACITY_PREFIX = {"substation": "capacity_mva", "sewage_plant": "capacity_m3d"}
UNIT = {"substation": "MVA", "sewage_plant": "m³/d"}
COEF_COLUMNS = (
    "power_w_m2_floor",
    "power_kw_hm2_land",
    "water_m3_hm2d",
    "return_factor",
    "planned_far",
)

Num = Annotated[float, Field(allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CoefficientRow(BaseModel):
    """One row of ``infra_coefficients.csv`` (other columns such as notes are kept, unchecked)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: Annotated[str, Field(pattern=r"^\d{2}(\d{2})*$")]
    power_w_m2_floor: NonNeg  # W per m² floor area (GB/T 50293 style)
    power_kw_hm2_land: NonNeg  # kW per hm² land (where FAR is 0)
    water_m3_hm2d: NonNeg  # m³ per hm² and day (GB 50282 style)
    return_factor: Share  # share of water returned as sewage (GB 50318 style)
    planned_far: NonNeg  # FAR assumed for land developed in a later phase


class Radius(_Model):
    """Supply radius (m, network distance) per facility level."""

    substation: NonNeg = 6000.0
    upstream_substation: NonNeg = 20000.0
    sewage_plant: NonNeg = 8000.0


class Factors(_Model):
    """``infra_factors.yaml``: the balance factors."""

    source: str = ""
    verified: bool = False
    simultaneity: Share = 0.6  # MVA = Σ kW × simultaneity / power_factor / 1000
    power_factor: Annotated[float, Field(ge=0.1, le=1.0, allow_inf_nan=False)] = 0.9
    infiltration: Share = 0.1  # sewage = water × return_factor × (1 + infiltration)
    alert_high: Share = 0.8  # utilisation above this is "high"; above 1 an overload
    distribution_max_kv: NonNeg = 110.0  # stations up to this voltage supply parcels
    default_transformers: Annotated[int, Field(ge=1, le=12)] = 2  # N-1 when the layer has none
    radius_m: Radius = Field(default_factory=Radius)
    max_access_m: NonNeg = 500.0  # farther from a road: attached by straight line
    corridor_road: Annotated[str, Field(min_length=1)] = "旅顺南路"


@dataclass(frozen=True)
class InfraStandards:
    """The demand coefficients (one row per land-use code prefix) and the balance factors."""

    coefficients: pd.DataFrame
    simultaneity: float
    power_factor: float
    infiltration: float
    alert_high: float
    distribution_max_kv: float
    default_transformers: int
    radius_m: dict[str, float]
    max_access_m: float
    corridor_road: str
    source: str = ""
    verified: bool = False

    def sources(self) -> dict:
        rows = self.coefficients[["code", "name_zh", "verified", "source"]].to_dict("records")
        return {"factors": self.source, "factors_verified": self.verified, "coefficients": rows}


def load_standards(folder: str | Path | None = None) -> InfraStandards:
    """Read and validate ``infra_coefficients.csv`` and ``infra_factors.yaml`` (cached by mtime)."""
    d = Path(folder or settings.STANDARDS_DIR)
    files = (d / "infra_coefficients.csv", d / "infra_factors.yaml")
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in files)
    return _load_standards(str(d), stamp)


def load_coefficients(path: Path) -> pd.DataFrame:
    """The coefficient table, every row validated as a :class:`CoefficientRow`."""
    try:
        table = pd.read_csv(path, comment="#", dtype={"code": str}, encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read the infrastructure coefficient table ({exc})"
        raise SchemaError(msg) from exc
    missing = [c for c in ("code", *COEF_COLUMNS) if c not in table]
    if missing:
        msg = f"{path.name}: missing column(s) {', '.join(missing)}"
        raise SchemaError(msg)
    # line numbers: comment lines and the header come first
    first_data_line = (
        1 + sum(1 for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("#")) + 1
    )
    cols = ["code", *COEF_COLUMNS]
    for i, rec in enumerate(table[cols].to_dict("records")):
        line = first_data_line + i
        validate(CoefficientRow, YamlDoc(rec, path.name, {(c,): line for c in cols}))
    for col in COEF_COLUMNS:
        table[col] = pd.to_numeric(table[col]).astype(float)
    dup = table["code"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        msg = f"{path.name}: line {first_data_line + i}: field 'code': {table['code'].iloc[i]} is listed twice"
        raise SchemaError(msg)
    for col, default in (("name_zh", ""), ("verified", "no"), ("source", "")):
        table[col] = table[col].fillna(default).astype(str) if col in table else default
    return table


@lru_cache(maxsize=8)
def _load_standards(folder: str, _stamp: tuple) -> InfraStandards:
    d = Path(folder)
    table = load_coefficients(d / "infra_coefficients.csv")
    doc = read_yaml_doc(d / "infra_factors.yaml", "infrastructure factors file")
    if doc.data is None:
        doc = YamlDoc({}, doc.source, doc.lines)
    f = validate(Factors, doc)
    return InfraStandards(
        coefficients=table,
        simultaneity=f.simultaneity,
        power_factor=f.power_factor,
        infiltration=f.infiltration,
        alert_high=f.alert_high,
        distribution_max_kv=f.distribution_max_kv,
        default_transformers=f.default_transformers,
        radius_m=f.radius_m.model_dump(),
        max_access_m=f.max_access_m,
        corridor_road=f.corridor_road,
        source=f.source,
        verified=f.verified,
    )


def lookup_codes(codes: pd.Series | np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """Row of *table* for each land-use code by longest listed prefix (-1: no row). Vectorised."""
    c = pd.Series(np.asarray(codes, dtype=object)).fillna("").astype(str).to_numpy()
    out = np.full(len(c), -1, dtype=np.int64)
    keys = table["code"].astype(str).to_numpy()
    by_len: dict[int, dict[str, int]] = {}
    for i, k in enumerate(keys):
        by_len.setdefault(len(k), {})[k] = i
    for length in sorted(by_len):  # longer prefixes overwrite shorter ones
        pref = pd.Series(c).str[:length]
        hit = pref.map(by_len[length]).to_numpy()
        ok = ~pd.isna(hit) & (pd.Series(c).str.len().to_numpy() >= length)
        out[ok] = hit[ok].astype(np.int64)
    return out
