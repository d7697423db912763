"""The scenario's working copy of the zone: an explicit :class:`State` (no side channels).

Operations read and replace the state's layers (never edit a frame in place, so the state can
start from the base frames themselves), note what they changed per parcel, and use the state's
memos for what several operations share: the union of hard constraints, per-industry profiles,
the base firms' ids and the suitability analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely


@dataclass
class State:
    """The scenario's working copy of the zone. The base zone is never touched."""

    layers: dict[str, pd.DataFrame]
    phase: str
    year: int
    base_eval: Any  # geoplan.analysis.land_yield.Evaluation of the base zone
    catalog: str | None = None  # the zone's catalog (for the suitability analysis of allocate)
    dem_path: Any = None  # the zone's DEM when there is no catalog
    changes: dict[str, list[str]] = field(default_factory=dict)  # parcel_id → change notes
    warnings: list[str] = field(default_factory=list)
    unplaced: list[dict] = field(default_factory=list)
    op_reports: list[dict] = field(default_factory=list)
    # --- memos shared by the operations of one run -------------------------------------------
    hard: shapely.Geometry | None = None  # union of the hard constraints (see hard_computed)
    hard_computed: bool = False
    profiles: dict[tuple, Any] = field(default_factory=dict)  # (industry, level) → Profile
    base_firm_ids: set[str] | None = None
    suitability: Any = None  # geoplan.analysis.suitability result, computed on first use
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
        out: list[str] = []
        while len(out) < k:
            n += 1
            cand = f"{prefix}{n:03d}"
            if cand not in existing:
                out.append(cand)
        self._seq[prefix] = n
        return out

    def hard_union(self) -> shapely.Geometry | None:
        """Union of the hard constraints (刚性管控: forest park, water source, coastal setback …)."""
        if not self.hard_computed:
            cons = self.layers.get("constraints")
            hard = None
            if cons is not None and len(cons) and "hard" in cons:
                sel = cons["hard"].astype(bool).to_numpy()
                geoms = gpd.GeoSeries(cons.geometry).to_numpy()
                hard = shapely.union_all(geoms[sel]) if sel.any() else None
            self.hard, self.hard_computed = hard, True
        return self.hard
