"""Deterministic generator of the illustrative (示意) Dalian sample data in ``data/``.

``python -m geoplan.sample`` reads the authored layers in ``layers/`` and writes

- ``layers/parcels.parquet`` — GeoParquet, working CRS: plots subdivided from the blocks between
  roads inside the 十三五 plates, kept off road corridors, hard constraints (forest park, water
  source, reservoir, coastal setback) and the hill land; land-use codes of
  国土空间调查、规划、用途管制用地用海分类 (2023);
- ``layers/firms.parquet`` — firms linked to parcels: one land holder per developed parcel plus
  tenants renting floor area in towers and 工业上楼 buildings, calibrated so the zone's value added
  is the 2020 GDP of 362.8 亿元 (3,628,000 万元) with heavy-tailed distributions;
- ``layers/dem.tif`` — a synthetic DEM (int16 metres, working CRS) whose hills follow the
  ``steep_slope`` / forest-park constraints and which falls to 0 m at the coast.

Nothing here is real: plan facts (names, capacities, plates) come from the layers; parcels, firms,
firm names and the terrain are generated. Every parcel carries ``source`` and ``assumption``.
The same seed gives the same files (byte-identical on the same library versions).

Industry names (the 1+6 system, short form) are :data:`INDUSTRIES`; plate names :data:`PLATES`.

Modules: :mod:`.params` (seed, targets, mixes), :mod:`.geometry` (inputs, plot subdivision),
:mod:`.parcels`, :mod:`.firms`, :mod:`.dem`; this module orchestrates and writes the files.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from geoplan import settings
from geoplan.data.crs import WORKING_CRS
from geoplan.sample.dem import build_dem
from geoplan.sample.firms import build_firms
from geoplan.sample.geometry import read_layers
from geoplan.sample.params import (
    DATA_YEAR,
    DEFAULT_SEED,
    INDUSTRIAL,
    INDUSTRIES,
    LAND_USE_NAMES,
    PLATES,
    TARGET_HIGH_TECH,
    TARGET_VALUE_ADDED,
)
from geoplan.sample.parcels import build_parcels

__all__ = [
    "DATA_YEAR",
    "DEFAULT_SEED",
    "INDUSTRIAL",
    "INDUSTRIES",
    "LAND_USE_NAMES",
    "PLATES",
    "TARGET_HIGH_TECH",
    "TARGET_VALUE_ADDED",
    "build_dem",
    "build_firms",
    "build_parcels",
    "generate",
    "main",
    "read_layers",
]

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------
# orchestration
# ------------------------------------------------------------------------------------------------


def generate(
    out_dir: str | Path = settings.SAMPLE_ZONE_DIR,
    seed: int = DEFAULT_SEED,
    *,
    layers_dir: str | Path = settings.LAYERS_DIR,
) -> dict[str, Path]:
    """Regenerate ``parcels.parquet``, ``firms.parquet`` and ``dem.tif`` in *out_dir*.

    Deterministic for a given *seed* and the same ``layers/``. Returns the written paths.
    """
    from geoplan.data.io import atomic_path, write_geoparquet_atomic

    out = Path(out_dir)
    layers = read_layers(layers_dir)
    rng = np.random.default_rng(seed)
    parcels = build_parcels(layers, rng)
    firms = build_firms(parcels, np.random.default_rng(seed + 1))
    dem, tf = build_dem(layers, np.random.default_rng(seed + 2))
    parcels.attrs.clear()

    paths = {
        "parcels": out / "parcels.parquet",
        "firms": out / "firms.parquet",
        "dem": out / "dem.tif",
    }
    write_geoparquet_atomic(paths["parcels"], parcels)
    write_geoparquet_atomic(paths["firms"], firms)
    import rasterio

    with (
        atomic_path(paths["dem"], suffix=".tif") as tmp,
        rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            width=dem.shape[1],
            height=dem.shape[0],
            count=1,
            dtype="int16",
            crs=WORKING_CRS.to_wkt(),
            transform=tf,
            nodata=-32768,
            tiled=True,
            blockxsize=256,
            blockysize=256,
            compress="deflate",
            predictor=2,
        ) as ds,
    ):
        ds.write(dem, 1)
        ds.update_tags(
            source="geoplan.sample synthetic DEM (示意)",
            units="m",
            assumption="synthetic relief following the steep_slope/forest_park constraints; not survey data",
        )
    logger.info(
        "sample: %d parcels, %d firms, DEM %dx%d",
        len(parcels),
        len(firms),
        dem.shape[1],
        dem.shape[0],
    )
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m geoplan.sample",
        description="Regenerate the illustrative Dalian sample data (示意样例) from layers/.",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=settings.SAMPLE_ZONE_DIR,
        help="output folder (default: layers/)",
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--layers", type=Path, default=settings.LAYERS_DIR, help="folder with the authored layers"
    )
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    generate(a.out, a.seed, layers_dir=a.layers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
