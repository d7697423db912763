"""A bureau's file in, a catalog layer out: mapping → conversion → derivation → validation.

:func:`import_layer` reads one file (控规 parcels, a 三调 地类图斑 layer, a tax bureau's firm list,
evaluation units, roads, facilities, the boundary), recognises its columns by the catalog's
names (:mod:`geoplan.data.columns`), converts units, land-use codes (:mod:`geoplan.standards.
crosswalks`) and values, derives what can be derived (areas from the geometry in the zone's
working CRS, evaluation units by location, 规上 from revenue thresholds, industry from GB/T 4754
codes, each firm's parcel by id, by 统一社会信用代码 through a land register, or by its point),
validates the result against the catalog, and reports every step (:class:`LayerReport`).

Nothing is guessed silently: an ambiguous column, a one-to-many code, an area attribute that
disagrees with the geometry, a value it cannot read — each is a problem with file, row and column
and, where the user must decide, the ``--map`` / ``--code-map`` to write. Rows whose land-use
code cannot be converted are excluded *visibly*: they are returned with their reason.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import shapely

from geoplan.data import columns as C
from geoplan.data import crs as gcrs
from geoplan.data import io, strings, tables
from geoplan.data.catalog import LayerType, layer_type
from geoplan.data.layers import check_plausible_location, validate_frame
from geoplan.errors import CRSError, GeoplanError, LoadError, Problem
from geoplan.settings import M2_PER_MU
from geoplan.standards import crosswalks, industry

logger = logging.getLogger(__name__)

#: An area attribute further than this from the geometry's area is reported (relative).
AREA_TOLERANCE = 0.01
_AREA_UNITS = {"m²": 1.0, "公顷": 10_000.0, "亩": M2_PER_MU}


@dataclass
class ImportOptions:
    """What the user said about one file (CLI options, the wizard's choices, zone.yaml)."""

    type: str
    path: Path
    sheet: str | None = None
    member: str | None = None
    encoding: str | None = None
    crs: str | None = None
    coord_system: str = "wgs84"
    codes: str | None = None
    code_map: dict[str, str] = field(default_factory=dict)
    #: field → (column, unit or None)
    user_map: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: apply make_valid to invalid geometry (reported as warnings) instead of refusing it
    repair: bool = False


@dataclass
class ZoneContext:
    """What an import needs to know of the zone it goes into."""

    name: str
    crs: Any
    bounds: tuple[float, float, float, float] | None = None
    units: gpd.GeoDataFrame | None = None
    units_label: str = "评价单元"
    parcels: gpd.GeoDataFrame | None = None
    land_register: pd.DataFrame | None = None
    industry_map: list[tuple[str, str]] | None = None


@dataclass
class LayerReport:
    """Everything an import did to one file."""

    type: str
    source: str
    count: int = 0
    header: dict[str, Any] | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    conversions: dict[str, str] = field(default_factory=dict)
    codes: dict[str, Any] | None = None
    linked: int | None = None
    unlinked: int | None = None
    link_method: str | None = None
    unlinked_firms: list[dict[str, Any]] = field(default_factory=list)
    excluded: int = 0
    unused_columns: list[str] = field(default_factory=list)
    #: column → a few of its values (for the import wizard's mapping table)
    samples: dict[str, str] = field(default_factory=dict)
    #: field → how it was recognised ("alias", "label", "field name", "mapping")
    how: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        hint: str = "",
        severity: str = "error",
    ) -> None:
        self.problems.append(Problem(message, self.source, row, column, hint, severity))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def to_dict(self) -> dict[str, Any]:
        codes = self.codes or {}
        return {
            "type": self.type, "source": self.source, "count": self.count, "header": self.header,
            "mapping": self.mapping, "conversions": self.conversions,
            "codes": {"converted": {**codes.get("converted", {}), **codes.get("broader", {})},
                      "unmapped": codes.get("unmapped", {}), "review": codes.get("review", {}),
                      "kept": codes.get("kept", 0), "by_name": codes.get("by_name", {}),
                      "classification": codes.get("classification")} if self.codes else None,
            "linked": self.linked, "unlinked": self.unlinked, "link_method": self.link_method,
            "unlinked_firms": self.unlinked_firms[:200], "excluded": self.excluded,
            "unused_columns": self.unused_columns,
            "problems": [p.to_dict() for p in self.problems],
        }  # fmt: skip


@dataclass
class ImportedLayer:
    data: pd.DataFrame
    excluded: pd.DataFrame
    report: LayerReport
    #: firms: whether each row of ``data`` was linked to a parcel of the zone
    linked: np.ndarray | None = None


# --- reading ---------------------------------------------------------------------------------------


def _scorer(lt: LayerType):
    names = {C.units.normalise(n) for f in lt.fields for n in (f.name, f.label_zh, *f.aliases)}

    def score(cells: list[str]) -> int:
        return sum(1 for c in cells if c and C.normalise_header(c) in names)

    return score


def _read(
    opts: ImportOptions, lt: LayerType, report: LayerReport
) -> tuple[pd.DataFrame, np.ndarray]:
    """The file as a frame (GeoDataFrame for vector types) and the file row of each record."""
    p = opts.path
    if p.is_dir():
        msg = f"{p}: is a folder; give the {lt.label_zh} file itself"
        raise LoadError(msg)
    if lt.geometry is not None:
        gdf = io.read_vector(p, layer=opts.member, encoding=opts.encoding)
        return gdf, np.arange(1, len(gdf) + 1)
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".gpkg", ".geojson", ".json", ".zip"):
        frame = io.read_table(p)
        return frame, np.arange(1, len(frame) + 1)
    located = tables.choose_sheet(p, tables.read_raw(p), _scorer(lt), sheet=opts.sheet)
    report.header = {"sheet": located.sheet, "rows": list(located.header_rows)}
    rows = np.arange(located.first_data_row, located.first_data_row + len(located.frame))
    blank = located.frame.isna().all(axis=1).to_numpy()
    if blank.any():  # blank lines keep their file row numbers out of the records
        return located.frame[~blank].reset_index(drop=True), rows[~blank]
    return located.frame, rows


# --- mapping and values -------------------------------------------------------------------------------


def _sample_values(frame: pd.DataFrame, col: str, n: int = 3) -> str:
    vals = frame[col].dropna().astype(str).str.strip()
    vals = vals[vals != ""].drop_duplicates().head(n).tolist()
    return ", ".join(vals)


def _map_columns(
    frame: pd.DataFrame, lt: LayerType, opts: ImportOptions, report: LayerReport
) -> C.ColumnMapping:
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    cols = [str(c) for c in frame.columns if c != geom]
    frame.columns = [str(c) for c in frame.columns]
    for fname, (col, _) in opts.user_map.items():
        if lt.field(fname) is None:
            report.add(
                f"--map names unknown field {lt.name}.{fname}",
                column=fname,
                hint=f"fields of {lt.name}: {', '.join(f.name for f in lt.fields)}",
            )
        elif col not in cols:
            report.add(
                f"--map {lt.name}.{fname}={col}: the file has no column {col!r}",
                column=col,
                hint=f"columns: {', '.join(cols)}",
            )
    user = {f: v for f, v in opts.user_map.items() if lt.field(f) is not None and v[0] in cols}
    mapping = C.match_columns(cols, lt, user)
    for fname, cands in mapping.ambiguous.items():
        f = lt.field(fname)
        label = f.label_zh if f else fname
        report.add(
            f"{len(cands)} columns could be {fname} ({label}): {', '.join(cands)}",
            column=fname,
            hint=f"choose one: --map {lt.name}.{fname}={cands[0]}",
        )
    for fname, msg in mapping.unit_problems:
        report.add(msg, column=fname, hint=f"state the unit: --map {lt.name}.{fname}=COLUMN[unit]")
    report.unused_columns = mapping.unused
    report.samples = {c: _sample_values(frame, c) for c in cols[:200]}
    for fname, m in mapping.matches.items():
        report.mapping[fname] = m.describe()
        report.how[fname] = m.how
        if m.factor != 1.0:
            f = lt.field(fname)
            report.conversions[fname] = (
                f"{m.column}: {m.stated_unit} → {f.unit if f else ''} ×{m.factor:g}"
            )
    return mapping


def _coerce_all(
    frame: pd.DataFrame,
    lt: LayerType,
    mapping: C.ColumnMapping,
    rows: np.ndarray,
    report: LayerReport,
) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for fname, m in mapping.matches.items():
        f = lt.field(fname)
        if f is None:
            continue
        got = C.coerce(frame[m.column], f, header=m.column, factor=m.factor)
        out[fname] = got.values
        for note in got.notes:
            report.conversions[fname] = note
        for i, msg in got.bad_rows[:20]:
            report.add(msg, row=int(rows[i]), column=m.column, hint=f"{f.label_zh} ({f.name})")
        if len(got.bad_rows) > 20:
            report.add(
                f"… and {len(got.bad_rows) - 20} more rows that cannot be read", column=m.column
            )
        example = {"万元": "元", "吨标准煤": "千克标准煤", "MWh": "kWh"}.get(f.unit)
        if fname in mapping.assumed_units and example is not None and m.how != "field name":
            report.add(
                f"no unit stated for {m.column!r}; taken as {f.unit}",
                column=m.column,
                hint=f"if it is not {f.unit}, state it: --map {lt.name}.{fname}={m.column}[{example}]",
                severity="warning",
            )
    return out


def _missing(
    lt: LayerType, out: pd.DataFrame, frame: pd.DataFrame, report: LayerReport, fields: list[str]
) -> None:
    """Report required fields that no column gave and nothing could derive."""
    candidates = "; ".join(
        f"{c} (e.g. {_sample_values(frame, c)})" for c in report.unused_columns[:8]
    )
    for fname in fields:
        if fname in out.columns:
            continue
        f = lt.field(fname)
        label = f"{f.label_zh}, {f.unit}" if f and f.unit else (f.label_zh if f else fname)
        report.add(
            f"no column gives {fname} ({label})",
            column=fname,
            hint=f"map one: --map {lt.name}.{fname}=COLUMN"
            + (f" — unused columns: {candidates}" if candidates else ""),
        )


# --- derivations ------------------------------------------------------------------------------------------


def _land_use(
    out: pd.DataFrame,
    mapping: C.ColumnMapping,
    opts: ImportOptions,
    lt: LayerType,
    report: LayerReport,
) -> pd.Series:
    """Convert the land-use column to 2023 codes; keep the original; mark what is excluded."""
    col = mapping.matches["land_use"].column
    codes, _ = crosswalks.normalise_codes(out["land_use"])
    det = crosswalks.detect(codes, column=col, layer_type=lt.name, declared=opts.codes)
    conv = crosswalks.convert(out["land_use"], det.classification, code_map=opts.code_map)
    report.codes = conv.to_dict() | {"detected_because": det.reason_en}
    label = crosswalks.LABELS[det.classification][0]
    report.conversions["land_use"] = f"{col}: {label} → 用地用海(2023) ({det.reason_zh})"
    out["land_use_source"] = out["land_use"]
    out["land_use"] = conv.codes
    if conv.flags is not None and (conv.flags != "").any():
        out["land_use_flag"] = conv.flags
    for code, n in conv.review.items():
        choices = "|".join(crosswalks.review_choices(det.classification, code))
        report.add(
            f"land-use code {code} ({n} rows) maps to several 用地用海 codes ({choices}); not converted",
            column=col,
            hint=f"decide: --code-map {code}=CODE (one of {choices})",
            severity="warning",
        )
    for code, n in conv.unmapped.items():
        report.add(
            f"unknown land-use code {code!r} ({n} rows); those rows are excluded",
            column=col,
            hint=f"correct the code, or map it: --code-map {code}=CODE",
            severity="warning",
        )
    reason = pd.Series(None, index=out.index, dtype="object")
    missing = out["land_use"].isna()
    src = out["land_use_source"].astype("object")
    reason[missing] = [
        ("一对多代码,待确认: " if str(s).strip().upper() in conv.review else "未知代码: ") + str(s)
        if s is not None and not (isinstance(s, float) and np.isnan(s))
        else "无用地代码"
        for s in src[missing]
    ]
    return reason


def _areas(
    gdf: gpd.GeoDataFrame,
    out: pd.DataFrame,
    mapping: C.ColumnMapping,
    rows: np.ndarray,
    lt: LayerType,
    report: LayerReport,
) -> None:
    """Areas from the geometry (the truth); an area attribute is compared and its unit checked."""
    geom_m2 = gdf.geometry.area.to_numpy()
    if "area_m2" in out.columns:
        col = mapping.matches["area_m2"].column
        attr = out["area_m2"].to_numpy(dtype=float)
        ok = np.isfinite(attr) & (attr > 0) & (geom_m2 > 0)
        if "area_m2" in mapping.assumed_units and ok.any():
            ratio = float(np.median(geom_m2[ok] / attr[ok]))
            unit = next((u for u, fac in _AREA_UNITS.items() if abs(ratio / fac - 1) < 0.02), None)
            if unit is None:
                report.add(
                    f"the area column {col!r} matches no unit of the geometry's area "
                    f"(median ratio {ratio:.4g})",
                    column=col,
                    hint="state its unit: --map parcels.area_m2=COLUMN[公顷]",
                    severity="warning",
                )
            else:
                attr = attr * _AREA_UNITS[unit]
                report.conversions["area_m2"] = f"{col}: unit read from the geometry: {unit} → m²"
        rel = np.where(ok, np.abs(attr - geom_m2) / np.maximum(geom_m2, 1e-9), 0.0)
        off = np.flatnonzero(rel > AREA_TOLERANCE)
        for i in off[:20]:
            report.add(
                f"area attribute {attr[i]:,.1f} m² differs from the geometry's {geom_m2[i]:,.1f} m² "
                f"by {rel[i]:.1%}; the geometry's area is used",
                row=int(rows[i]),
                column=col,
                severity="warning",
            )
        if len(off) > 20:
            report.add(
                f"… {len(off) - 20} more rows whose area attribute differs by > {AREA_TOLERANCE:.0%}",
                column=col,
                severity="warning",
            )
        report.mapping["area_m2"] = f"derived: geometry area (working CRS); {col} compared"
    else:
        report.mapping["area_m2"] = "derived: geometry area (working CRS)"
    out["area_m2"] = geom_m2
    out["area_mu"] = geom_m2 / M2_PER_MU
    report.mapping["area_mu"] = "derived: area_m2 / 666.67"


def _unit_names(
    gdf: gpd.GeoDataFrame, ctx: ZoneContext, report: LayerReport, fname: str
) -> pd.Series:
    """Each feature's evaluation unit by location (representative point in a unit polygon)."""
    if ctx.units is None or len(ctx.units) == 0:
        report.mapping[fname] = f"derived: the whole zone ({ctx.name})"
        return pd.Series(ctx.name, index=gdf.index, dtype="object")
    units = ctx.units.to_crs(gdf.crs)
    pts = gdf.geometry.representative_point()
    src, dst = units.sindex.query(pts.to_numpy(), predicate="within")
    names = pd.Series(None, index=gdf.index, dtype="object")
    first = np.unique(src, return_index=True)
    names.iloc[first[0]] = units["name"].to_numpy()[dst[first[1]]]
    outside = int(names.isna().sum())
    if outside:
        report.add(
            f"{outside} feature(s) lie in no {ctx.units_label}; assigned to the whole zone",
            column=fname,
            severity="warning",
        )
        names = names.fillna(ctx.name)
    report.mapping[fname] = f"derived: {ctx.units_label} by location"
    return names


def _derive_parcels(
    gdf: gpd.GeoDataFrame,
    out: pd.DataFrame,
    mapping: C.ColumnMapping,
    rows: np.ndarray,
    opts: ImportOptions,
    ctx: ZoneContext,
    lt: LayerType,
    report: LayerReport,
) -> pd.Series | None:
    reason = None
    if "land_use" in out.columns:
        reason = _land_use(out, mapping, opts, lt, report)
    if lt.id_field not in out.columns:
        out[lt.id_field] = [f"P{int(r):06d}" for r in rows]
        report.mapping[lt.id_field] = "derived: row number (no id column)"
        report.add(
            "no id column; ids made from row numbers",
            column=lt.id_field,
            hint=f"map the id: --map {lt.name}.{lt.id_field}=COLUMN",
            severity="warning",
        )
    _areas(gdf, out, mapping, rows, lt, report)
    if lt.field("status") is not None and "status" not in out.columns:
        out["status"] = "built"
        report.mapping["status"] = "derived: default 'built' (no status column)"
        report.add(
            "no status column: every parcel taken as built",
            column="status",
            hint="give 状态 (已建/在建/闲置/储备) or --map parcels.status=COLUMN",
            severity="warning",
        )
    if lt.field("plate") is not None and "plate" not in out.columns:
        out["plate"] = _unit_names(gdf, ctx, report, "plate")
    return reason


_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_CREDIT_INDEX = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(_CREDIT_ALPHABET):
    _CREDIT_INDEX[ord(_c)] = _i


def _credit_check(codes: pd.Series) -> pd.Series:
    """Whether each 统一社会信用代码 has the GB 32100-2015 form and check digit (vectorised)."""
    text = codes.astype("string").str.strip().str.upper()
    form = text.str.fullmatch(f"[{_CREDIT_ALPHABET}]{{18}}").fillna(False).to_numpy(bool)
    ok = np.zeros(len(codes), dtype=bool)
    if form.any():
        raw = np.frombuffer("".join(text[form].tolist()).encode("ascii"), dtype=np.uint8).reshape(
            -1, 18
        )
        idx = _CREDIT_INDEX[raw]
        total = idx[:, :17] @ _CREDIT_WEIGHTS
        ok[form] = ((31 - total % 31) % 31) == idx[:, 17]
    return pd.Series(ok, index=codes.index)


def _link_firms(
    out: pd.DataFrame, rows: np.ndarray, opts: ImportOptions, ctx: ZoneContext, report: LayerReport
) -> None:
    parcels = ctx.parcels
    ids = strings.arrow(parcels["parcel_id"]).combine_chunks() if parcels is not None else None

    def known(values: pd.Series) -> pd.Series:
        if ids is None:
            return values.notna()
        hit = pc.fill_null(pc.is_in(strings.arrow(values), value_set=ids), False)
        return pd.Series(hit.to_numpy(zero_copy_only=False), index=values.index)

    linked = pd.Series(False, index=out.index)
    if "parcel_id" in out.columns:
        out["parcel_id"] = out["parcel_id"].astype("object")
        linked = known(out["parcel_id"])
        report.link_method = "parcel_id"
    if (~linked).any() and ctx.land_register is not None and "credit_code" in out.columns:
        reg = ctx.land_register.drop_duplicates("credit_code").set_index("credit_code")["parcel_id"]
        via = out["credit_code"].map(reg)
        take = ~linked & via.notna()
        out.loc[take, "parcel_id"] = via[take]
        linked = linked | (take & known(via))
        report.link_method = (
            report.link_method + "+" if report.link_method else ""
        ) + "credit_code (land register)"
    if (~linked).any() and {"lon", "lat"} <= set(out.columns) and parcels is not None:
        todo = ~linked & out["lon"].notna() & out["lat"].notna()
        if todo.any():
            lon, lat = out.loc[todo, "lon"].to_numpy(float), out.loc[todo, "lat"].to_numpy(float)
            if opts.coord_system != "wgs84":
                conv = {"gcj02": gcrs.gcj02_to_wgs84, "bd09": gcrs.bd09_to_wgs84}[opts.coord_system]
                lon, lat = conv(lon, lat)
                report.conversions["lon/lat"] = f"{opts.coord_system.upper()} → WGS84"
            pts = gpd.GeoSeries(shapely.points(lon, lat), crs=4326).to_crs(parcels.crs)
            src, dst = parcels.sindex.query(pts.to_numpy(), predicate="within")
            first = np.unique(src, return_index=True)
            idx = np.flatnonzero(todo.to_numpy())
            hit = pd.Series(None, index=out.index, dtype="object")
            hit.iloc[idx[first[0]]] = parcels["parcel_id"].to_numpy()[dst[first[1]]]
            out.loc[hit.notna(), "parcel_id"] = hit[hit.notna()]
            linked = linked | hit.notna()
            report.link_method = (
                report.link_method + "+" if report.link_method else ""
            ) + "points in parcels"
    if "parcel_id" not in out.columns:
        out["parcel_id"] = None
    report.linked, report.unlinked = int(linked.sum()), int((~linked).sum())
    if report.link_method is None:
        report.add(
            "firms cannot be linked to parcels: no parcel id, no credit code with a land register, no lon/lat",
            column="parcel_id",
            hint="map 所在地块 (--map firms.parcel_id=COLUMN), or give --land-register, "
            "or 经度/纬度 columns",
        )
    for i in np.flatnonzero((~linked).to_numpy())[:200]:
        report.unlinked_firms.append({
            "row": int(rows[i]), "firm_id": out["firm_id"].iloc[i], "name": out.get("name", pd.Series()).iloc[i]
            if "name" in out.columns else None, "parcel_id": out["parcel_id"].iloc[i],
        })  # fmt: skip
    out["_linked"] = linked.to_numpy()


def _upper(values: pd.Series) -> pd.Series:
    up = values.astype("string").str.strip().str.upper()
    return up.astype(object).where(up.notna(), None)


def _derive_firms(
    out: pd.DataFrame, rows: np.ndarray, opts: ImportOptions, ctx: ZoneContext, report: LayerReport
) -> None:
    if "credit_code" in out.columns:
        out["credit_code"] = _upper(out["credit_code"])
        bad = ~_credit_check(out["credit_code"]) & out["credit_code"].notna()
        for i in np.flatnonzero(bad.to_numpy())[:10]:
            report.add(
                f"{out['credit_code'].iloc[i]!r} is not a valid 统一社会信用代码 (GB 32100: 18 characters, "
                "check digit)",
                row=int(rows[i]),
                column=report.mapping.get("credit_code"),
                severity="warning",
            )
    if "firm_id" not in out.columns:
        if (
            "credit_code" in out.columns
            and out["credit_code"].notna().all()
            and out["credit_code"].is_unique
        ):
            out["firm_id"] = out["credit_code"]
            report.mapping["firm_id"] = "derived: credit_code"
        else:
            out["firm_id"] = [f"F{int(r):06d}" for r in rows]
            report.mapping["firm_id"] = "derived: row number"
    if "industry_code" in out.columns:
        out["industry_code"] = _upper(out["industry_code"])
    if "industry" not in out.columns:
        if "industry_code" in out.columns:
            out["industry"] = industry.zone_industry(out["industry_code"], ctx.industry_map)
            how = "zone industry table" if ctx.industry_map else "GB/T 4754 broad sectors"
            report.mapping["industry"] = f"derived: industry_code via {how}"
        else:
            out["industry"] = None
        unknown = out["industry"].isna()
        if unknown.any():
            out.loc[unknown, "industry"] = "未分类"
            report.add(
                f"{int(unknown.sum())} firm(s) without a known industry are listed as 未分类",
                column="industry",
                hint="give 行业代码 (GB/T 4754) or 产业 columns",
                severity="warning",
            )
    if "scale" not in out.columns and "revenue" in out.columns and "industry_code" in out.columns:
        flag, rule = industry.above_scale(out["industry_code"], out["revenue"])
        out["scale"] = flag.map({True: "规上", False: "规下"}).astype("object")
        report.mapping["scale"] = (
            "derived: revenue ≥ the national 规上 threshold of the firm's industry"
        )
        used = sorted(set(rule.dropna()))
        report.conversions["scale"] = "; ".join(used[:6])
        undecided = out["scale"].isna()
        for i in np.flatnonzero(undecided.to_numpy())[:10]:
            report.add(
                "规上/规下 cannot be decided from revenue for this industry (资质 rule or no revenue)",
                row=int(rows[i]),
                column="scale",
                hint="give a 是否规上 column",
            )
    _link_firms(out, rows, opts, ctx, report)
    for fname in ("revenue", "value_added", "energy_tce", "employees"):
        if fname not in out.columns:
            out[fname] = np.nan
    absent = [
        f for f in ("revenue", "value_added", "energy_tce", "employees") if f not in report.mapping
    ]
    if absent:
        report.add(
            f"not in the file: {', '.join(absent)}; 亩均 indicators that need them are not available "
            "for these firms (the scheme's missing-data rule applies)",
            severity="warning",
        )


def _derive_simple(
    gdf: gpd.GeoDataFrame | None,
    out: pd.DataFrame,
    rows: np.ndarray,
    lt: LayerType,
    report: LayerReport,
) -> None:
    """Ids from row numbers, names empty, status defaults — for roads, facilities, units, boundary."""
    if lt.id_field not in out.columns:
        prefix = {"roads": "R", "facilities": "FA", "units": "U", "zone": "Z"}.get(lt.name, "X")
        out[lt.id_field] = [f"{prefix}{int(r):05d}" for r in rows]
        report.mapping[lt.id_field] = "derived: row number"
    name = lt.field("name")
    if name is not None and name.required and "name" not in out.columns:
        out["name"] = out[lt.id_field]
        report.mapping["name"] = f"derived: {lt.id_field}"
    status = lt.field("status")
    if status is not None and status.choices and "status" not in out.columns:
        default = "existing" if "existing" in status.choices else status.choices[0]
        out["status"] = default
        report.mapping["status"] = f"derived: default {default!r}"
        report.add(
            f"no status column: every feature taken as {default}",
            column="status",
            severity="warning",
        )


# --- the entry point ----------------------------------------------------------------------------------------


def _validated(
    out: pd.DataFrame, lt: LayerType, rows: np.ndarray, report: LayerReport, *, repair: bool = False
) -> pd.DataFrame:
    geom = [out.geometry.name] if isinstance(out, gpd.GeoDataFrame) else []
    keep = [f.name for f in lt.fields if f.name in out.columns]
    extra = [
        c for c in out.columns if c not in keep and c not in geom and not str(c).startswith("_")
    ]
    frame = out[keep + extra + geom]
    data, vrep = validate_frame(frame, lt, source=report.source, keep_strings=True, repair=repair)
    reported = {p.field for p in report.problems if p.message.startswith("no column gives")}
    for p in vrep.problems:
        if p.message.startswith("extra column") or (
            p.message == "required column is missing" and p.field in reported
        ):
            continue
        row = int(rows[p.row - 1]) if p.row is not None and 0 < p.row <= len(rows) else p.row
        report.problems.append(replace(p, row=row))
    return data


def import_layer(opts: ImportOptions, ctx: ZoneContext) -> ImportedLayer:
    """Import one file as a layer of the zone (see the module docstring)."""
    lt = layer_type(opts.type)
    report = LayerReport(lt.name, opts.path.name)
    frame, rows = _read(opts, lt, report)
    report.count = len(frame)
    if len(frame) == 0:
        report.add(
            "the file holds no records", hint="check that the right file, sheet or layer was chosen"
        )
        return ImportedLayer(frame, frame.iloc[:0], report)
    gdf = None
    if lt.geometry is not None:
        gdf = _to_zone_crs(frame, opts, ctx, report)
        if gdf is None:
            return ImportedLayer(frame.iloc[:0], frame.iloc[:0], report)
    mapping = _map_columns(frame, lt, opts, report)
    out = _coerce_all(frame, lt, mapping, rows, report)
    reason = None
    if lt.name in ("parcels", "landuse_survey") and gdf is not None:
        reason = _derive_parcels(gdf, out, mapping, rows, opts, ctx, lt, report)
    elif lt.name == "firms":
        _derive_firms(out, rows, opts, ctx, report)
    else:
        _derive_simple(gdf, out, rows, lt, report)
    _missing(lt, out, frame, report, [f.name for f in lt.fields if f.required])
    if gdf is not None:
        out = gpd.GeoDataFrame(out, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    excluded = out.iloc[:0]
    if reason is not None and reason.notna().any():
        mask = reason.notna().to_numpy()
        excluded = out[mask].assign(reason=reason[mask].to_numpy(), source_row=rows[mask])
        out, rows = out[~mask], rows[~mask]
        report.excluded = int(mask.sum())
    data = _validated(
        out, lt, rows, report, repair=opts.repair
    )  # every problem, not just the first kind
    linked = out["_linked"].to_numpy(bool) if "_linked" in out.columns else None
    return ImportedLayer(data, excluded, report, linked)


def _to_zone_crs(
    frame: pd.DataFrame, opts: ImportOptions, ctx: ZoneContext, report: LayerReport
) -> gpd.GeoDataFrame | None:
    """The geometry checked for plausibility against the zone and reprojected to its CRS."""
    try:
        gdf = gcrs.require_crs(frame, opts.crs, source=report.source)
        if opts.coord_system != "wgs84":
            gdf = gcrs.convert_offset(gdf, opts.coord_system, "wgs84")
            report.conversions["geometry"] = f"{opts.coord_system.upper()} → WGS84"
    except CRSError as exc:
        report.add(
            str(exc).removeprefix(f"{report.source}: "),
            column="crs",
            hint="name the CRS with --crs",
        )
        return None
    from geoplan.data.layers import ValidationReport

    vrep = ValidationReport(report.source, report.type)
    check_plausible_location(gdf, vrep, ctx.bounds)
    report.problems += vrep.problems
    if vrep.errors:
        return None
    src = gdf.crs.to_string()
    gdf = gdf.to_crs(ctx.crs)
    report.conversions.setdefault("geometry", "")
    report.conversions["geometry"] = (
        report.conversions["geometry"] + f" {src} → {ctx.crs.name}"
    ).strip()
    return gdf


def parse_map_options(specs: list[str]) -> dict[str, dict[str, tuple[str, str | None]]]:
    """``--map TYPE.FIELD=COLUMN[unit]`` options → ``{type: {field: (column, unit)}}``."""
    out: dict[str, dict[str, tuple[str, str | None]]] = {}
    for spec in specs:
        try:
            ltype, fname, col, unit = C.parse_map_spec(spec)
        except ValueError as exc:
            msg = f"--map {exc}"
            raise GeoplanError(msg) from None
        layer_type(ltype)
        out.setdefault(ltype, {})[fname] = (col, unit)
    return out


def parse_code_map(specs: list[str]) -> dict[str, str]:
    """``--code-map 08H2=0804`` options → ``{"08H2": "0804"}``."""
    out = {}
    for spec in specs:
        m = re.match(r"^\s*([^=\s]+)\s*=\s*(\d{2,6})\s*$", spec)
        if not m:
            msg = f"--code-map {spec!r}: write SOURCE=CODE, e.g. 08H2=0804"
            raise GeoplanError(msg)
        out[m.group(1)] = m.group(2)
    return out
