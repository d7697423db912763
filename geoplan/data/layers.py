"""Load and validate planning layers against their declared type (:mod:`geoplan.data.catalog`).

``load_layer`` = read (:mod:`geoplan.data.io`) → CRS check and offset conversion (:mod:`geoplan.data.crs`)
→ validation that collects *every* problem with file, row, field and what to do → coercion to the
declared dtypes → reprojection to the working CRS. Invalid geometry is repaired only when asked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.data import crs as gcrs
from geoplan.data import io
from geoplan.data.catalog import LayerType, layer_type
from geoplan.errors import CRSError, GeoplanError, Problem, ValidationError

logger = logging.getLogger(__name__)

#: Features farther than this outside the zone's extent suggest a wrong CRS (km).
PLAUSIBLE_MARGIN_KM = 30.0


@dataclass
class ValidationReport:
    """Every problem found in one layer, plus what was repaired."""

    source: str
    layer_type: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    repaired: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(
        self,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        hint: str = "",
        severity: str = "error",
    ) -> None:
        self.problems.append(Problem(message, self.source, row, field, hint, severity))

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "type": self.layer_type,
            "rows": self.rows,
            "valid": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "repaired": self.repaired,
            "problems": [p.to_dict() for p in self.problems],
        }

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationError(self.problems, self.source)


def _rows_text(rows: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return shown + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


def _add_rows(
    report: ValidationReport,
    mask: np.ndarray,
    message: str,
    *,
    field: str | None,
    hint: str,
    severity: str = "error",
    per_row_limit: int = 20,
) -> None:
    """Report rows where *mask* is true: one problem per row up to a limit, then a summary."""
    rows = np.flatnonzero(mask) + 1
    if len(rows) == 0:
        return
    for r in rows[:per_row_limit]:
        report.add(message, row=int(r), field=field, hint=hint, severity=severity)
    if len(rows) > per_row_limit:
        report.add(
            f"{message} (also rows {_rows_text(rows[per_row_limit:])})",
            field=field,
            hint=hint,
            severity=severity,
        )


def validate_frame(
    frame: pd.DataFrame,
    ltype: LayerType | str,
    *,
    source: str = "",
    repair: bool = False,
    keep_strings: bool = False,
) -> tuple[pd.DataFrame, ValidationReport]:
    """Check *frame* against a layer type; return a coerced copy and the report.

    Never raises for data problems: every one is collected in the report. With ``repair=True``
    invalid polygons are fixed with :func:`shapely.make_valid` (and reported as warnings). With
    ``keep_strings=True`` text columns stay Arrow strings (the importer writes them as they are)
    instead of Python objects.
    """
    lt = layer_type(ltype) if isinstance(ltype, str) else ltype
    report = ValidationReport(source=source, layer_type=lt.name, rows=len(frame))
    out = frame.copy()
    if len(out) == 0:
        report.add(
            "the layer has no features", hint="check that the right file or layer was chosen"
        )

    # --- columns ---------------------------------------------------------------------------
    cols = set(out.columns)
    geom_col = (
        out.geometry.name
        if isinstance(out, gpd.GeoDataFrame) and out._geometry_column_name in cols
        else None
    )
    for f in lt.fields:
        if f.required and f.name not in cols:
            close = [c for c in cols if c.lower() == f.name.lower()]
            hint = (
                f"rename column {close[0]!r} to {f.name!r}"
                if close
                else f"add a column {f.name!r} ({f.label_zh}, {f.dtype}{', ' + f.unit if f.unit else ''})"
            )
            report.add("required column is missing", field=f.name, hint=hint)
    known = {f.name for f in lt.fields} | ({geom_col} if geom_col else set())
    extra = sorted(c for c in cols - known if isinstance(c, str))
    if extra:
        report.add(
            f"extra column(s) kept but not used: {', '.join(extra)}",
            hint="ignore, or rename if a required field is meant",
            severity="warning",
        )

    # --- values ----------------------------------------------------------------------------
    for f in lt.fields:
        if f.name not in cols:
            continue
        raw = out[f.name]
        missing = raw.isna().to_numpy()
        stripped = None
        if raw.dtype == object or pd.api.types.is_string_dtype(raw):
            stripped = raw.astype("string").str.strip()
            missing = missing | (stripped == "").fillna(False).to_numpy(dtype=bool)
        if f.required:
            _add_rows(
                report, missing, "value is missing", field=f.name, hint=f"fill in {f.label_zh}"
            )
        if f.dtype in ("float", "int"):
            num = pd.to_numeric(raw, errors="coerce").astype("float64")  # nullable ints → NaN
            infinite = np.isinf(num.to_numpy())
            _add_rows(
                report,
                infinite,
                "not a finite number (inf)",
                field=f.name,
                hint=f"give the real value of {f.label_zh}, or leave the cell empty if unknown",
            )
            num = num.where(~infinite)
            bad = num.isna().to_numpy() & ~missing & ~infinite
            for r in np.flatnonzero(bad)[:20]:
                report.add(
                    f"not a number: {raw.iloc[r]!r}",
                    row=int(r) + 1,
                    field=f.name,
                    hint=f"{f.label_zh} must be numeric{' in ' + f.unit if f.unit else ''}",
                )
            if bad.sum() > 20:
                report.add(
                    f"not a number (also rows {_rows_text(np.flatnonzero(bad)[20:] + 1)})",
                    field=f.name,
                    hint=f"{f.label_zh} must be numeric",
                )
            if f.min is not None:
                _add_rows(
                    report,
                    (num < f.min).to_numpy(),
                    f"value below the minimum {f.min:g}",
                    field=f.name,
                    hint=f"{f.label_zh} cannot be below {f.min:g}{' ' + f.unit if f.unit else ''}",
                )
            if f.max is not None:
                _add_rows(
                    report,
                    (num > f.max).to_numpy(),
                    f"value above the maximum {f.max:g}",
                    field=f.name,
                    hint=f"check the unit of {f.label_zh} ({f.unit or 'ratio'})",
                )
            if f.dtype == "int":
                frac = (num.notna() & (num != np.floor(num.fillna(0)))).to_numpy()
                _add_rows(
                    report,
                    frac,
                    "value must be a whole number",
                    field=f.name,
                    hint=f"round {f.label_zh}",
                )
                out[f.name] = num.round().astype("Int64")
            else:
                out[f.name] = num.astype("float64")
        elif f.dtype == "bool":
            mapped = raw.map(_to_bool)
            bad = mapped.isna().to_numpy() & ~missing
            _add_rows(
                report, bad, "not a yes/no value", field=f.name, hint="use true/false, 1/0 or 是/否"
            )
            out[f.name] = mapped.astype("boolean")
        else:
            stripped = stripped if stripped is not None else raw.astype("string").str.strip()
            if keep_strings:
                text = stripped
                out[f.name] = stripped
            else:
                text = raw.where(raw.isna(), stripped.astype(object))
                out[f.name] = text.astype("object")
            if f.choices is not None:
                bad = ~text.isin(f.choices).fillna(False).to_numpy(dtype=bool) & ~missing
                _add_rows(
                    report,
                    bad,
                    "value not allowed",
                    field=f.name,
                    hint=f"use one of: {', '.join(c for c in f.choices if c)}",
                )
        if f.unique:
            dup = out[f.name].duplicated(keep=False).to_numpy() & ~missing
            _add_rows(
                report,
                dup,
                "duplicate id",
                field=f.name,
                hint="ids must be unique; renumber the duplicates",
            )

    # --- geometry --------------------------------------------------------------------------
    if lt.geometry is not None:
        if geom_col is None:
            report.add(
                "the file has no geometry",
                hint=f"a {lt.name} layer needs {'/'.join(lt.geometry)} geometry",
            )
        else:
            out, repaired = _check_geometry(out, lt, report, repair=repair)
            report.repaired = repaired
    return out, report


def _to_bool(v: object) -> object:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return pd.NA
    if isinstance(v, bool | np.bool_):
        return bool(v)
    text = str(v).strip().lower()
    if text in {"1", "true", "t", "yes", "y", "是", "1.0"}:
        return True
    if text in {"0", "false", "f", "no", "n", "否", "0.0"}:
        return False
    return pd.NA


def _check_geometry(
    gdf: gpd.GeoDataFrame, lt: LayerType, report: ValidationReport, *, repair: bool
) -> tuple[gpd.GeoDataFrame, int]:
    geoms = gdf.geometry.to_numpy()
    none = shapely.is_missing(geoms)
    _add_rows(
        report,
        none,
        "feature has no geometry",
        field="geometry",
        hint="draw the feature or delete the row",
    )
    empty = shapely.is_empty(geoms) & ~none
    _add_rows(
        report,
        empty,
        "geometry is empty",
        field="geometry",
        hint="draw the feature or delete the row",
    )
    kinds = lt.geometry or ()
    names = np.array(
        ["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
         "MultiPolygon", "GeometryCollection", None],
        dtype=object,
    )  # fmt: skip
    types = names[shapely.get_type_id(geoms)]  # -1 (missing) → None
    present = ~none & ~empty
    wrong = present & ~np.isin(types, list(kinds))
    if wrong.any():
        found = ", ".join(sorted({t for t in types[wrong] if t}))
        _add_rows(
            report,
            wrong,
            f"geometry type {found} not allowed",
            field="geometry",
            hint=f"a {lt.name} layer takes {'/'.join(kinds)}",
        )
    invalid = present & ~wrong & ~shapely.is_valid(geoms)
    repaired = 0
    if invalid.any():
        if repair:
            fixed = shapely.make_valid(geoms[invalid])
            # make_valid may return a GeometryCollection; keep the parts of the declared kind
            fixed = np.array([_keep_kind(g, kinds) for g in fixed], dtype=object)
            geoms = geoms.copy()
            geoms[invalid] = fixed
            gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
            repaired = int(invalid.sum())
            _add_rows(
                report,
                invalid,
                "invalid geometry was repaired (make_valid)",
                field="geometry",
                hint="check the repaired shape",
                severity="warning",
                per_row_limit=5,
            )
        else:
            reasons = shapely.is_valid_reason(geoms[invalid])
            rows = np.flatnonzero(invalid) + 1
            for r, why in list(zip(rows, reasons, strict=True))[:20]:
                report.add(
                    f"invalid geometry ({why})",
                    row=int(r),
                    field="geometry",
                    hint="fix it in GIS, or load with --repair to apply make_valid",
                )
            if len(rows) > 20:
                report.add(
                    f"invalid geometry (also rows {_rows_text(rows[20:])})",
                    field="geometry",
                    hint="load with --repair",
                )
    return gdf, repaired


def _keep_kind(geom: shapely.Geometry, kinds: tuple[str, ...]) -> shapely.Geometry:
    if geom.geom_type in kinds:
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if g.geom_type in kinds]
        if "Polygon" in kinds or "MultiPolygon" in kinds:
            polys = [p for g in parts for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])]
            if polys:
                return shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
        if parts:
            return parts[0]
    return geom


def check_plausible_location(
    gdf: gpd.GeoDataFrame,
    report: ValidationReport,
    zone_bounds: tuple[float, float, float, float] | None,
) -> None:
    """Flag coordinates that cannot be right: not lon/lat although the CRS says so, outside
    China, or far from the zone's own extent — the classic symptoms of a wrong CRS — and name
    the standard Chinese CRS under which the data would land in the zone."""
    geoms = gdf.geometry
    ok = (~(geoms.isna() | geoms.is_empty)).to_numpy()
    if not ok.any():
        return
    b = geoms[ok].bounds
    finite = np.isfinite(b.to_numpy()).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(ok)[~finite] + 1
        report.add(
            f"coordinates are not finite numbers (rows {_rows_text(rows)})",
            field="geometry",
            hint="fix or delete these features",
        )
        return
    if gdf.crs.is_geographic:
        bad = (
            (b["minx"] < -180) | (b["maxx"] > 180) | (b["miny"] < -90) | (b["maxy"] > 90)
        ).to_numpy()
        if bad.any():
            rows = np.flatnonzero(ok)[bad] + 1
            x, y = (
                float(b["minx"].iloc[int(np.flatnonzero(bad)[0])]),
                float(b["miny"].iloc[int(np.flatnonzero(bad)[0])]),
            )
            hint = "the data is probably projected: name its CRS with --crs"
            if zone_bounds is not None:
                likely = gcrs.likely_crs(
                    b["minx"].to_numpy()[bad], b["miny"].to_numpy()[bad], zone_bounds
                )
                if likely:
                    hint += f" (in {' or '.join(likely[:2])} it would lie in the zone)"
            report.add(
                f"coordinates like ({x:.6g}, {y:.6g}) are not lon/lat although the CRS "
                f"{gdf.crs.to_string()} says so (rows {_rows_text(rows)})",
                field="geometry",
                hint=hint,
            )
            return
    # the centre of each feature's box, transformed alone (not every vertex): fast at 10⁶ features
    mx = ((b["minx"] + b["maxx"]) / 2).to_numpy()
    my = ((b["miny"] + b["maxy"]) / 2).to_numpy()
    try:
        from pyproj import Transformer

        cx, cy = Transformer.from_crs(gdf.crs, gcrs.WGS84, always_xy=True).transform(mx, my)
    except (ValueError, RuntimeError) as exc:  # pyproj raises ProjError (a RuntimeError)
        report.add(
            f"coordinates cannot be transformed from {gdf.crs.to_string()} ({exc})",
            field="geometry",
            hint="check the declared CRS",
        )
        return
    cx, cy = np.asarray(cx, dtype=float), np.asarray(cy, dtype=float)
    if not (np.isfinite(cx).all() and np.isfinite(cy).all()):
        report.add(
            f"coordinates fall outside the area where {gdf.crs.to_string()} is defined",
            field="geometry",
            hint="the declared CRS is probably wrong; name the right one with --crs",
        )
        return
    china = gcrs.in_china(cx, cy)
    if zone_bounds is None and not china.all():
        rows = np.flatnonzero(ok)[~china] + 1
        report.add(
            f"{int((~china).sum())} feature(s) lie outside China when read in "
            f"{gdf.crs.to_string()} (rows {_rows_text(rows)})",
            field="geometry",
            hint="the declared CRS is probably wrong; name the right one with --crs",
        )
        return
    if zone_bounds is None:
        return
    dist = gcrs.distances_outside_km(cx, cy, zone_bounds)
    far = dist > PLAUSIBLE_MARGIN_KM
    if far.any():
        rows = np.flatnonzero(ok)[far] + 1
        hint = (
            f"the CRS {gdf.crs.to_string()} is probably wrong; name the right one with --crs, "
            "or declare GCJ-02/BD-09"
        )
        if gdf.crs.is_projected:
            cx = ((b["minx"] + b["maxx"]) / 2).to_numpy()[far]
            cy = ((b["miny"] + b["maxy"]) / 2).to_numpy()[far]
            likely = [c for c in gcrs.likely_crs(cx, cy, zone_bounds) if c != gdf.crs.to_string()]
            if likely:
                hint = (
                    f"the CRS {gdf.crs.to_string()} is probably wrong: in {' or '.join(likely[:2])} "
                    f"these coordinates lie in the zone — try --crs {likely[0]}"
                )
        report.add(
            f"{int(far.sum())} feature(s) lie up to {np.nanmax(dist[far]):.0f} km outside the zone's "
            f"extent (rows {_rows_text(rows)})",
            field="geometry",
            hint=hint,
        )


#: An area attribute further than this from the geometry's area is reported (relative).
AREA_TOLERANCE = 0.01


def _areas_from_geometry(data: gpd.GeoDataFrame, report: ValidationReport) -> gpd.GeoDataFrame:
    """The geometry is the truth for areas: ``area_m2`` / ``area_mu`` that disagree with it by
    more than 1 % are reported (rows named) and replaced by the geometry's area."""
    from geoplan.settings import M2_PER_MU

    geom = data.geometry.area.to_numpy()
    attr = data["area_m2"].to_numpy(dtype=float)
    rel = np.abs(attr - geom) / np.maximum(geom, 1e-9)
    off = np.isfinite(attr) & (rel > AREA_TOLERANCE)
    if off.any():
        worst = int(np.argmax(np.where(off, rel, 0)))
        _add_rows(
            report,
            off,
            f"the area attribute differs from the geometry's area by more than {AREA_TOLERANCE:.0%} "
            f"(worst: {attr[worst]:,.1f} vs {geom[worst]:,.1f} m²); the geometry's area is used",
            field="area_m2",
            hint="check the unit of the area column (m² expected) or the geometry",
            severity="warning",
            per_row_limit=10,
        )
    if "area_mu" in data.columns:  # an 亩 attribute that disagrees with the geometry is wrong too
        mu = data["area_mu"].to_numpy(dtype=float)
        mu_off = np.isfinite(mu) & (
            np.abs(mu * M2_PER_MU - geom) / np.maximum(geom, 1e-9) > AREA_TOLERANCE
        )
        _add_rows(
            report,
            mu_off & ~off,
            f"the 亩 area attribute differs from the geometry's area by more than {AREA_TOLERANCE:.0%}; "
            "the geometry's area is used",
            field="area_mu",
            hint="check the unit of the area column (亩 expected)",
            severity="warning",
            per_row_limit=10,
        )
        off |= mu_off
    if not off.any():
        return data
    data = data.copy()
    data.loc[off, "area_m2"] = geom[off]
    if "area_mu" in data.columns:
        data.loc[off, "area_mu"] = geom[off] / M2_PER_MU
    return data


@dataclass
class Layer:
    """A loaded, validated layer in the working CRS (or a table for firms)."""

    type: str
    data: pd.DataFrame
    report: ValidationReport
    path: Path | None = None


def load_layer(
    path: str | Path,
    ltype: str,
    *,
    crs: object | None = None,
    coord_system: str = "wgs84",
    repair: bool = False,
    strict: bool = True,
    layer: str | None = None,
    to_working: bool = True,
    target_crs: object | None = None,
    zone_bounds: tuple[float, float, float, float] | None = None,
    encoding: str | None = None,
) -> Layer:
    """Read, validate and reproject one layer file.

    Parameters
    ----------
    path
        The file (GeoPackage, GeoJSON, zipped Shapefile, GeoParquet; CSV/Parquet/Excel for firms).
    ltype
        Layer type name from :data:`geoplan.data.catalog.LAYER_TYPES`.
    crs
        CRS to assume when the file has none. Contradicting the file's own CRS is an error.
    coord_system
        ``"gcj02"`` or ``"bd09"`` when lon/lat come from 高德/腾讯 or 百度; converted on entry.
    repair
        Apply ``make_valid`` to invalid geometry instead of reporting it as an error.
    strict
        Raise :class:`ValidationError` when the report has errors (default). Otherwise return
        the layer with its report.
    target_crs
        The zone's working CRS (``to_working``); default the bundled sample's.
    zone_bounds
        The zone's lon/lat extent: data far outside it is an error naming the likely CRS.
    """
    lt = layer_type(ltype)
    p = Path(path)
    source = p.name
    if lt.geometry is None:
        frame: pd.DataFrame = io.read_table(p)
        if isinstance(frame, gpd.GeoDataFrame):
            frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        data, report = validate_frame(frame, lt, source=source)
        if strict:
            report.raise_if_errors()
        return Layer(lt.name, data, report, p)

    gdf = io.read_vector(p, layer=layer, encoding=encoding)
    report_crs: list[Problem] = []
    try:
        gdf = gcrs.require_crs(gdf, crs, source=source)
    except CRSError as exc:
        report_crs.append(
            Problem(
                str(exc).removeprefix(f"{source}: "),
                source,
                None,
                "crs",
                "name the CRS with --crs",
                "error",
            )
        )
    if not report_crs and coord_system.lower().replace("-", "") != "wgs84":
        try:
            gdf = gcrs.convert_offset(gdf, coord_system, "wgs84")
        except CRSError as exc:
            report_crs.append(Problem(str(exc), source, None, "crs", "", "error"))
    data, report = validate_frame(gdf, lt, source=source, repair=repair)
    report.problems[:0] = report_crs
    if not report_crs and report.ok:
        check_plausible_location(data, report, zone_bounds)
    if strict:
        report.raise_if_errors()
    if to_working and data.crs is not None and report.ok:
        data = gcrs.to_working(data, target_crs)  # type: ignore[arg-type]
        if "area_m2" in data.columns and lt.name in ("parcels", "landuse_survey"):
            data = _areas_from_geometry(data, report)
    logger.info(
        "loaded %s: %d %s features (%d warnings)", source, len(data), lt.name, len(report.warnings)
    )
    return Layer(lt.name, data, report, p)


def validate_file(path: str | Path, ltype: str, **kwargs: object) -> ValidationReport:
    """Validate a file and return the report (never raises for data problems)."""
    try:
        return load_layer(path, ltype, strict=False, **kwargs).report  # type: ignore[arg-type]
    except GeoplanError as exc:
        report = ValidationReport(source=Path(path).name, layer_type=ltype)
        report.add(str(exc).removeprefix(f"{Path(path).name}: "), hint="")
        return report
