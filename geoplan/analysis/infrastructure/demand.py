"""Infrastructure demand per parcel: land use × area × FAR with the coefficient table.

Power per floor area (or per land area where the parcel has no floor area), water per land area,
sewage = water × return factor × (1 + infiltration). Which parcels count in a phase, and at which
FAR, is :data:`~geoplan.analysis.infrastructure.standards.PHASE_STATUS`: 现状 the built ones at
their actual FAR; 2025 adds land under construction, 2035 also redevelops idle land, both at the
committed FAR or the table's planned FAR. Reserve land (留白) counts only when a scenario develops it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan import settings
from geoplan.analysis.infrastructure.standards import (
    PHASE_STATUS,
    InfraStandards,
    load_standards,
    lookup_codes,
)
from geoplan.errors import GeoplanError


def parcel_demand(
    parcels: pd.DataFrame, phase: str = "current", standards: InfraStandards | None = None
) -> pd.DataFrame:
    """Per parcel: ``counted`` in the phase, ``floor_m2``, ``power_kw`` (before simultaneity),
    ``water_m3d`` and ``sewage_m3d`` (0 where the parcel does not count in the phase)."""
    phase = settings.phase_key(phase)
    std = standards or load_standards()
    for col in ("land_use", "area_m2", "far", "status"):
        if col not in parcels:
            msg = f"parcels: column '{col}' is required for the infrastructure demand"
            raise GeoplanError(msg)
    coef = std.coefficients
    row = lookup_codes(parcels["land_use"], coef)

    def take(col: str) -> np.ndarray:
        vals = coef[col].to_numpy(float)
        return np.where(row >= 0, vals[np.maximum(row, 0)], 0.0)

    mode = parcels["status"].map(PHASE_STATUS[phase]).to_numpy(dtype=object)
    counted = pd.notna(mode)
    far = pd.to_numeric(parcels["far"], errors="coerce").fillna(0).to_numpy(float)
    pfar = take("planned_far")
    if "commit_far" in parcels:
        commit = pd.to_numeric(parcels["commit_far"], errors="coerce").to_numpy(float)
        pfar = np.where(np.isfinite(commit), commit, pfar)
    use_far = np.where(mode == "planned", np.maximum(far, pfar), far)
    area = pd.to_numeric(parcels["area_m2"], errors="coerce").fillna(0).to_numpy(float)
    floor = area * use_far
    power = np.where(
        floor > 0, floor * take("power_w_m2_floor") / 1000.0, area / 1e4 * take("power_kw_hm2_land")
    )
    water = area / 1e4 * take("water_m3_hm2d")
    sewage = water * take("return_factor") * (1.0 + std.infiltration)
    z = np.zeros(len(parcels))
    return pd.DataFrame(
        {
            "counted": counted,
            "floor_m2": np.where(counted, floor, z),
            "power_kw": np.where(counted, power, z),
            "water_m3d": np.where(counted, water, z),
            "sewage_m3d": np.where(counted, sewage, z),
            "coefficient_row": row,
        },
        index=parcels.index,
    )
