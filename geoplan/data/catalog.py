"""Layer types, declared once.

Each :class:`LayerType` lists its id field, geometry types and :class:`Field` specs (dtype, unit,
range, allowed values, Chinese and English labels). Loading (:mod:`geoplan.data.layers`), validation,
the app's upload page and ``geoplan layers --docs`` all read these declarations; nothing else in
the code base lists a layer's required columns.

Units are part of the field name where a number has one (``area_m2``, ``capacity_m3d_2025``);
money is in 万元, energy in 吨标准煤 (tce), power in MVA/kW, water in m³/d.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

POLYGONS = ("Polygon", "MultiPolygon")
LINES = ("LineString", "MultiLineString")
POINTS = ("Point", "MultiPoint")

#: Phases for which facilities carry a capacity (see geoplan.settings.PHASES).
CAP_PHASES = ("current", "2025", "2035")


@dataclass(frozen=True)
class Field:
    """One attribute column of a layer type."""

    name: str
    dtype: str  # "str" | "int" | "float" | "bool"
    label_zh: str
    label_en: str
    unit: str = ""
    required: bool = True
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    unique: bool = False
    #: Column names a bureau's file may use for this field: Chinese labels and their variants,
    #: national database-standard abbreviations (DKBH, YDDM, TBMJ …). Matched after
    #: normalisation (full-width → half-width, case, spaces, units in brackets removed).
    aliases: tuple[str, ...] = ()
    #: Spellings of allowed values: ``{"已建": "built", "是": "规上"}`` (matched normalised).
    value_aliases: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict:
        d = {
            "name": self.name,
            "dtype": self.dtype,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "unit": self.unit,
            "required": self.required,
        }
        for key in ("min", "max", "choices"):
            if getattr(self, key) is not None:
                d[key] = list(getattr(self, key)) if key == "choices" else getattr(self, key)
        if self.aliases:
            d["aliases"] = list(self.aliases)
        return d


@dataclass(frozen=True)
class LayerType:
    """A kind of planning layer: what it holds, its geometry and its fields."""

    name: str
    label_zh: str
    label_en: str
    id_field: str
    geometry: tuple[str, ...] | None  # None: a table without geometry (firms)
    fields: tuple[Field, ...] = field(default_factory=tuple)
    #: True for layers a zone may have but need not (the bundled sample ships without them)
    optional: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "id_field": self.id_field,
            "geometry": list(self.geometry) if self.geometry else None,
            "fields": [f.to_dict() for f in self.fields],
        }


def _id(name: str, zh: str = "编号", en: str = "identifier") -> Field:
    return Field(name, "str", zh, en, unique=True)


def _name(required: bool = True) -> Field:
    return Field("name", "str", "名称", "name", required=required)


def _provenance() -> tuple[Field, ...]:
    """Optional fields saying where a value comes from and how accurate a position is."""
    return (
        Field("source", "str", "来源", "source", required=False),
        Field(
            "accuracy_m", "float", "位置精度", "position accuracy", unit="m", required=False, min=0
        ),
        Field("assumption", "str", "假设说明", "assumption and its basis", required=False),
    )


FACILITY_STATUS = ("existing", "expand", "new", "planned", "removed")
BUILD_STATUS = ("built", "under_construction", "planned")
PARCEL_STATUS = ("built", "under_construction", "idle", "reserve")


def _capacities(prefix: str, unit: str, zh: str) -> tuple[Field, ...]:
    return tuple(
        Field(f"{prefix}_{phase}", "float", f"{zh}({phase})", f"capacity {phase}", unit=unit, min=0)
        for phase in CAP_PHASES
    )


LAYER_TYPES: dict[str, LayerType] = {}


def _register(lt: LayerType) -> LayerType:
    LAYER_TYPES[lt.name] = lt
    return lt


ZONE = _register(
    LayerType(
        "zone",
        "园区范围",
        "zone boundary",
        "zone_id",
        POLYGONS,
        (_id("zone_id"), _name(), *_provenance()),
    )
)

PLATES = _register(
    LayerType(
        "plates",
        "十三五板块",
        "development plates (13th FYP)",
        "plate_id",
        POLYGONS,
        (
            _id("plate_id"),
            _name(),
            Field("function", "str", "功能定位", "planned function", required=False),
            Field("plan_period", "str", "规划期", "plan period", required=False),
            *_provenance(),
        ),
    )
)

STRUCTURE = _register(
    LayerType(
        "structure",
        "十四五空间结构",
        "spatial structure (14th FYP)",
        "element_id",
        POLYGONS + LINES,
        (
            _id("element_id"),
            _name(),
            Field(
                "kind",
                "str",
                "类型",
                "kind",
                choices=("corridor", "core", "city", "cluster", "ecology"),
            ),
            Field("kind_zh", "str", "类型(中文)", "kind (Chinese)", required=False),
            Field(
                "status",
                "str",
                "状态",
                "status",
                choices=("existing", "planned", "future"),
                required=False,
            ),
            Field("function", "str", "功能", "function", required=False),
            *_provenance(),
        ),
    )
)

CLUSTERS = _register(
    LayerType(
        "clusters",
        "产业集群",
        "industry clusters",
        "cluster_id",
        POLYGONS + POINTS,
        (
            _id("cluster_id"),
            _name(),
            Field("industry", "str", "产业(1+6)", "industry (1+6 system)"),
            Field("chain", "str", "产业链", "industry chain (八大产业链)", required=False),
            Field(
                "tier",
                "str",
                "层级",
                "tier",
                required=False,
                choices=("core", "emerging", "future"),
            ),
            Field("plate", "str", "所在板块", "plate", required=False),
            *_provenance(),
        ),
    )
)

PARCELS = _register(
    LayerType(
        "parcels",
        "地块",
        "land parcels",
        "parcel_id",
        POLYGONS,
        (
            _id("parcel_id", "地块编号", "parcel id"),
            Field("land_use", "str", "用地用海分类代码", "land-use code (用地用海 2023)"),
            Field("area_m2", "float", "用地面积", "land area", unit="m²", min=0, max=1e8),
            Field("area_mu", "float", "用地面积(亩)", "land area", unit="亩", min=0, max=150_000),
            Field("far", "float", "容积率", "floor area ratio", min=0, max=30),
            Field("coverage", "float", "建筑系数", "building coverage", unit="ratio", min=0, max=1),
            Field("status", "str", "状态", "status", choices=PARCEL_STATUS),
            Field("plate", "str", "所在板块", "plate"),
            Field(
                "lease_start",
                "int",
                "出让年份",
                "lease start year",
                required=False,
                min=1950,
                max=2100,
            ),
            Field("holder", "str", "土地使用权人", "land holder", required=False),
            Field(
                "green_ratio",
                "float",
                "绿地率",
                "green ratio",
                unit="ratio",
                required=False,
                min=0,
                max=1,
            ),
            Field(
                "admin_ratio",
                "float",
                "行政办公及生活服务设施用地比例",
                "admin/living facility share",
                unit="ratio",
                required=False,
                min=0,
                max=1,
            ),
            Field(
                "investment",
                "float",
                "固定资产投资",
                "fixed-asset investment",
                unit="万元",
                required=False,
                min=0,
                max=1e9,
            ),
            Field(
                "idle_since",
                "int",
                "闲置起始年",
                "idle since (year)",
                required=False,
                min=1950,
                max=2100,
            ),
            Field("standard_land", "bool", "标准地", "standard land (标准地)", required=False),
            Field("commit_far", "float", "承诺容积率", "committed FAR", required=False, min=0),
            Field(
                "commit_investment_per_mu",
                "float",
                "承诺亩均投资",
                "committed investment per mu",
                unit="万元/亩",
                required=False,
                min=0,
            ),
            Field(
                "commit_tax_per_mu",
                "float",
                "承诺亩均税收",
                "committed tax per mu",
                unit="万元/亩",
                required=False,
                min=0,
            ),
            Field(
                "commit_energy_per_va",
                "float",
                "承诺单位增加值能耗",
                "committed energy per value added",
                unit="tce/万元",
                required=False,
                min=0,
            ),
            *_provenance(),
        ),
    )
)

FIRMS = _register(
    LayerType(
        "firms",
        "企业",
        "firms",
        "firm_id",
        None,
        (
            _id("firm_id", "企业编号", "firm id"),
            Field("parcel_id", "str", "所在地块", "parcel id"),
            Field("name", "str", "企业名称", "firm name"),
            Field("industry", "str", "产业(1+6)", "industry (1+6 system)"),
            Field("scale", "str", "规模", "scale (规上/规下)", choices=("规上", "规下")),
            Field("tax", "float", "税收", "tax paid", unit="万元", min=0, max=1e8),
            Field(
                "revenue",
                "float",
                "营业收入",
                "revenue",
                unit="万元",
                required=False,
                min=0,
                max=1e9,
            ),
            Field(
                "value_added",
                "float",
                "增加值",
                "value added",
                unit="万元",
                required=False,
                min=-1e8,
                max=1e9,
            ),
            Field(
                "energy_tce",
                "float",
                "综合能耗",
                "energy use",
                unit="吨标准煤",
                required=False,
                min=0,
                max=1e8,
            ),
            Field(
                "employees",
                "int",
                "从业人员",
                "employees",
                unit="人",
                required=False,
                min=0,
                max=2e6,
            ),
            Field(
                "emissions_t",
                "float",
                "主要污染物排放",
                "main pollutant emissions",
                unit="t",
                required=False,
                min=0,
                max=1e07,
            ),
            Field(
                "electricity_mwh",
                "float",
                "用电量",
                "electricity use",
                unit="MWh",
                required=False,
                min=0,
                max=1e08,
            ),
            Field(
                "rd_spend",
                "float",
                "研发经费",
                "R&D spend",
                unit="万元",
                required=False,
                min=0,
                max=1e8,
            ),
            Field(
                "fixed_investment",
                "float",
                "固定资产投资",
                "fixed-asset investment",
                unit="万元",
                required=False,
                min=0,
                max=1e9,
            ),
            Field(
                "tenure", "str", "用地方式", "land tenure", required=False, choices=("own", "rent")
            ),
            Field(
                "rented_floor_m2",
                "float",
                "租用建筑面积",
                "rented floor area",
                unit="m²",
                required=False,
                min=0,
                max=1e07,
            ),
            Field(
                "founded", "int", "成立年份", "founding year", required=False, min=1900, max=2100
            ),
            Field("high_tech", "bool", "高新技术企业", "certified high-tech firm", required=False),
            Field(
                "sector",
                "str",
                "行业门类",
                "sector (industry/service/utility)",
                required=False,
                choices=("industry", "service", "utility"),
            ),
            Field(
                "credit_code",
                "str",
                "统一社会信用代码",
                "unified social credit code",
                required=False,
            ),
            Field(
                "industry_code",
                "str",
                "国民经济行业代码",
                "industry code (GB/T 4754-2017)",
                required=False,
            ),
            # firm location as lon/lat (for linking firms to parcels by point-in-polygon)
            Field("lon", "float", "经度", "longitude", unit="°", required=False, min=-180, max=180),
            Field("lat", "float", "纬度", "latitude", unit="°", required=False, min=-90, max=90),
        ),
    )
)

SUBSTATIONS = _register(
    LayerType(
        "substations",
        "变电所",
        "substations",
        "facility_id",
        POINTS,
        (
            _id("facility_id"),
            _name(),
            Field("voltage_kv", "float", "电压等级", "voltage", unit="kV", min=0),
            Field("status", "str", "建设状态", "status", choices=FACILITY_STATUS),
            *_capacities("capacity_mva", "MVA", "主变容量"),
            Field(
                "transformers",
                "int",
                "主变台数",
                "main transformers (for N-1)",
                required=False,
                min=1,
                max=12,
            ),
            Field("plan_period", "str", "规划期", "plan period", required=False),
            *_provenance(),
        ),
    )
)

SEWAGE_PLANTS = _register(
    LayerType(
        "sewage_plants",
        "污水处理厂",
        "sewage treatment plants",
        "facility_id",
        POINTS,
        (
            _id("facility_id"),
            _name(),
            Field("status", "str", "建设状态", "status", choices=FACILITY_STATUS),
            *_capacities("capacity_m3d", "m³/d", "处理规模"),
            Field("plan_period", "str", "规划期", "plan period", required=False),
            *_provenance(),
        ),
    )
)

ROADS = _register(
    LayerType(
        "roads",
        "道路",
        "roads",
        "road_id",
        LINES,
        (
            _id("road_id"),
            _name(),
            Field(
                "road_class",
                "str",
                "道路等级",
                "road class",
                choices=("expressway", "arterial", "secondary", "branch"),
            ),
            Field(
                "frame",
                "str",
                "六纵五横",
                "frame role (六纵/五横)",
                required=False,
                choices=("六纵", "五横", ""),
            ),
            Field("status", "str", "状态", "status", choices=BUILD_STATUS),
            Field(
                "width_m",
                "float",
                "红线宽度",
                "right-of-way width",
                unit="m",
                required=False,
                min=0,
            ),
            *_provenance(),
        ),
    )
)

RAIL = _register(
    LayerType(
        "rail",
        "轨道交通",
        "metro lines and stations",
        "rail_id",
        LINES + POINTS,
        (
            _id("rail_id"),
            _name(),
            Field("kind", "str", "类型", "kind", choices=("line", "station")),
            Field("line", "str", "线路", "line"),
            Field("status", "str", "状态", "status", choices=BUILD_STATUS),
            *_provenance(),
        ),
    )
)

FACILITIES = _register(
    LayerType(
        "facilities",
        "公共服务设施",
        "public facilities",
        "facility_id",
        POINTS + POLYGONS,
        (
            _id("facility_id"),
            _name(),
            Field(
                "kind",
                "str",
                "类型",
                "kind",
                choices=(
                    "park",
                    "school",
                    "kindergarten",
                    "hospital",
                    "clinic",
                    "university",
                    "research",
                    "sports",
                    "culture",
                    "other",
                ),
            ),
            Field("status", "str", "状态", "status", choices=("existing", "planned")),
            Field("area_m2", "float", "占地面积", "site area", unit="m²", required=False, min=0),
            Field("capacity", "float", "规模", "capacity (seats/beds)", required=False, min=0),
            *_provenance(),
        ),
    )
)

CONSTRAINTS = _register(
    LayerType(
        "constraints",
        "管控要素",
        "planning constraints",
        "constraint_id",
        POLYGONS,
        (
            _id("constraint_id"),
            _name(),
            Field(
                "kind",
                "str",
                "类型",
                "kind",
                choices=(
                    "forest_park",
                    "ecological_core",
                    "coastal_setback",
                    "water_source",
                    "reservoir",
                    "steep_slope",
                    "other",
                ),
            ),
            Field("hard", "bool", "刚性约束", "hard constraint"),
            Field(
                "setback_m",
                "float",
                "退让距离",
                "setback distance",
                unit="m",
                required=False,
                min=0,
            ),
            *_provenance(),
        ),
    )
)


CATCHMENTS = _register(
    LayerType(
        "catchments",
        "服务范围",
        "facility catchments (service areas)",
        "catchment_id",
        POLYGONS,
        (
            _id("catchment_id"),
            Field("facility_id", "str", "设施编号", "facility id (substation or sewage plant)"),
            Field(
                "kind", "str", "设施类型", "facility kind", choices=("substation", "sewage_plant")
            ),
            Field("name", "str", "名称", "name", required=False),
            *_provenance(),
        ),
        optional=True,
    )
)


LANDUSE_SURVEY = _register(
    LayerType(
        "landuse_survey",
        "国土调查地类图斑",
        "land-use survey patches (三调 DLTB)",
        "patch_id",
        POLYGONS,
        (
            _id("patch_id", "图斑标识码", "patch id"),
            Field("land_use", "str", "用地用海分类代码", "land-use code (用地用海 2023)"),
            Field("area_m2", "float", "图斑面积", "patch area", unit="m²", min=0, max=1e9),
            Field("area_mu", "float", "图斑面积(亩)", "patch area", unit="亩", min=0, max=1.5e6),
            Field("land_use_name", "str", "地类名称", "land-use class name", required=False),
            Field("owner", "str", "权属单位名称", "owning collective or unit", required=False),
            Field("location", "str", "坐落单位名称", "location unit", required=False),
            Field(
                "town_attr", "str", "城镇村属性码", "urban/town/village attribute", required=False
            ),
            Field(
                "deduct_ratio",
                "float",
                "扣除地类系数",
                "deduction coefficient (田坎)",
                required=False,
                min=0,
                max=1,
            ),
            Field(
                "survey_year", "int", "数据年份", "survey year", required=False, min=2000, max=2100
            ),
            *_provenance(),
        ),
        optional=True,
    )
)

UNITS = _register(
    LayerType(
        "units",
        "评价单元",
        "evaluation units (板块 / 街道 / 组团)",
        "unit_id",
        POLYGONS,
        (
            _id("unit_id", "单元编号", "unit id"),
            _name(),
            Field(
                "kind",
                "str",
                "单元类型",
                "unit kind",
                required=False,
                choices=("plate", "street", "cluster", "district", "other"),
            ),
            *_provenance(),
        ),
        optional=True,
    )
)

LAND_REGISTER = _register(
    LayerType(
        "land_register",
        "宗地登记",
        "land register (宗地 / 不动产 rights)",
        "record_id",
        None,
        (
            Field("record_id", "str", "登记编号", "record id", required=False, unique=True),
            Field("parcel_id", "str", "宗地代码", "parcel id"),
            Field("credit_code", "str", "权利人统一社会信用代码", "right holder's credit code"),
            Field("holder", "str", "权利人", "right holder", required=False),
            Field("use", "str", "土地用途", "registered land use", required=False),
        ),
        optional=True,
    )
)


# --- recognition of a bureau's column names and value spellings (geoplan.data.columns) ---------


def _recognise(
    type_name: str,
    aliases: dict[str, tuple[str, ...]],
    values: dict[str, dict[str, str]] | None = None,
) -> None:
    """Attach column aliases and value spellings to the fields of a registered layer type."""
    lt = LAYER_TYPES[type_name]
    unknown = (set(aliases) | set(values or {})) - {f.name for f in lt.fields}
    if unknown:
        msg = f"catalog: aliases for unknown {type_name} field(s): {', '.join(sorted(unknown))}"
        raise RuntimeError(msg)
    fields = tuple(
        replace(
            f,
            aliases=aliases.get(f.name, f.aliases),
            value_aliases=tuple((values or {}).get(f.name, {}).items()) or f.value_aliases,
        )
        for f in lt.fields
    )
    LAYER_TYPES[type_name] = replace(lt, fields=fields)


# Attach the recognition vocabulary (geoplan.data.aliases holds it as plain data).
from geoplan.data.aliases import ALIASES, VALUE_SPELLINGS  # noqa: E402 - data only, no cycle

for _type, _aliases in ALIASES.items():
    _recognise(_type, _aliases, VALUE_SPELLINGS.get(_type))


def layer_type(name: str) -> LayerType:
    """Look up a layer type by name, with a helpful error."""
    from geoplan.errors import GeoplanError

    try:
        return LAYER_TYPES[name]
    except KeyError:
        msg = f"unknown layer type {name!r}; choose one of: {', '.join(LAYER_TYPES)}"
        raise GeoplanError(msg) from None


def docs_markdown() -> str:
    """Render the catalog as a Markdown reference (used by `geoplan layers --docs`)."""
    lines = ["# 图层目录 / Layer catalog", ""]
    for lt in LAYER_TYPES.values():
        geom = ", ".join(lt.geometry) if lt.geometry else "— (table)"
        lines += [
            f"## `{lt.name}` — {lt.label_zh} / {lt.label_en}",
            "",
            f"id: `{lt.id_field}`; geometry: {geom}",
            "",
        ]
        lines += [
            "| field | 中文 | English | type | unit | required | range / values |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in lt.fields:
            rng = (
                ", ".join(f.choices)
                if f.choices
                else (
                    f"{'' if f.min is None else f.min} … {'' if f.max is None else f.max}"
                    if (f.min is not None or f.max is not None)
                    else ""
                )
            )
            lines.append(
                f"| `{f.name}` | {f.label_zh} | {f.label_en} | {f.dtype} "
                f"| {f.unit} | {'yes' if f.required else ''} | {rng} |"
            )
        lines.append("")
    return "\n".join(lines)
