"""用地用海分类 (2023) codes: names, groups and map colours.

The table lives in ``data/standards/landuse_colors.csv`` (one row per code, with whether its colour
was verified against 市级国土空间总体规划制图规范 附录B). Codes are hierarchical (``100101`` →
``1001`` → ``10``); a code missing from the table takes its nearest listed ancestor's entry.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geoplan import settings
from geoplan.errors import SchemaError

COLORS_CSV = settings.STANDARDS_DIR / "landuse_colors.csv"
UNKNOWN_COLOR = "#9e9e9e"

#: Groups used for legends and KPI cards, with Chinese and English labels.
GROUPS: dict[str, tuple[str, str]] = {
    "industrial": ("工业仓储", "industry & storage"),
    "public": ("公共管理与服务", "public services"),
    "commercial": ("商业服务业", "commercial"),
    "residential": ("居住", "residential"),
    "green": ("绿地与开敞空间", "green & open space"),
    "utility": ("公用设施", "utilities"),
    "transport": ("交通运输", "transport"),
    "eco": ("生态", "ecological"),
    "agri": ("农业", "agricultural"),
    "other": ("留白及其他", "reserve & other"),
}


@dataclass(frozen=True)
class LandUse:
    code: str
    name_zh: str
    name_en: str
    group: str
    rgb: tuple[int, int, int]
    verified: bool

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


def read_table(path: str | Path = COLORS_CSV) -> dict[str, LandUse]:
    """Read and validate the colour table. Raises SchemaError naming the file, line and field."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{p}: cannot read the land-use colour table ({exc})"
        raise SchemaError(msg) from exc
    out: dict[str, LandUse] = {}
    reader = csv.DictReader(text.splitlines())
    need = {"code", "name_zh", "name_en", "group", "r", "g", "b", "verified"}
    missing = need - set(reader.fieldnames or [])
    if missing:
        msg = f"{p.name}: missing column(s) {', '.join(sorted(missing))}"
        raise SchemaError(msg)
    for line, row in enumerate(reader, start=2):
        code = (row["code"] or "").strip()
        if not code.isdigit() or len(code) not in (2, 4, 6):
            msg = (
                f"{p.name}: line {line}: field 'code': {code!r} is not a 2/4/6-digit 用地用海 code"
            )
            raise SchemaError(msg)
        try:
            rgb = tuple(int(row[k]) for k in ("r", "g", "b"))
        except (TypeError, ValueError):
            msg = f"{p.name}: line {line}: field 'r/g/b': not integers"
            raise SchemaError(msg) from None
        if not all(0 <= v <= 255 for v in rgb):
            msg = f"{p.name}: line {line}: field 'r/g/b': {rgb} outside 0…255"
            raise SchemaError(msg)
        if row["group"] not in GROUPS:
            msg = f"{p.name}: line {line}: field 'group': {row['group']!r} not one of {', '.join(GROUPS)}"
            raise SchemaError(msg)
        if code in out:
            msg = f"{p.name}: line {line}: field 'code': duplicate {code}"
            raise SchemaError(msg)
        out[code] = LandUse(
            code,
            row["name_zh"].strip(),
            row["name_en"].strip(),
            row["group"],
            (rgb[0], rgb[1], rgb[2]),
            row["verified"].strip().lower() == "yes",
        )
    return out


@lru_cache(maxsize=2)
def _table(path: str) -> dict[str, LandUse]:
    return read_table(path)


def table() -> dict[str, LandUse]:
    return dict(_table(str(COLORS_CSV)))


def lookup(code: object) -> LandUse | None:
    """Entry for *code* or its nearest listed ancestor (``100101`` → ``1001`` → ``10``)."""
    t = _table(str(COLORS_CSV))
    c = str(code).strip() if code is not None else ""
    while c:
        if c in t:
            return t[c]
        c = c[:-2] if len(c) > 2 else ""
    return None


def name(code: object, lang: str = "zh") -> str:
    lu = lookup(code)
    if lu is None:
        return str(code)
    if lu.code != str(code):
        return f"{lu.name(lang)} ({code})"
    return lu.name(lang)


def color(code: object) -> str:
    lu = lookup(code)
    return lu.hex if lu else UNKNOWN_COLOR


def group(code: object) -> str:
    lu = lookup(code)
    return lu.group if lu else "other"


def colors_for(codes: pd.Series | np.ndarray | list) -> np.ndarray:
    """Hex colour per code, vectorised over the distinct codes."""
    s = pd.Series(codes, dtype="object").astype(str)
    uniq = s.unique()
    mapping = {c: color(c) for c in uniq}
    return s.map(mapping).to_numpy()


def groups_for(codes: pd.Series | np.ndarray | list) -> np.ndarray:
    s = pd.Series(codes, dtype="object").astype(str)
    mapping = {c: group(c) for c in s.unique()}
    return s.map(mapping).to_numpy()


def legend_entries(
    codes: pd.Series | np.ndarray | list, lang: str = "zh"
) -> list[tuple[str, str, str]]:
    """(code, label, colour) for the distinct codes present, sorted by code."""
    uniq = sorted({str(c) for c in pd.Series(codes, dtype="object").dropna()})
    return [(c, name(c, lang), color(c)) for c in uniq]


# --- predicates over code families (the analyses ask these; they never test code prefixes) ------

#: 工业用地 (industrial land) family code.
INDUSTRIAL_LAND = "1001"
#: Land uses a firm operates on for the 低效用地 tests: 工业用地, 科研用地, 商业用地, 商务金融用地.
BUSINESS_LANDS = ("1001", "0802", "0901", "0902")


def in_families(codes: pd.Series | np.ndarray | list, families: tuple[str, ...]) -> np.ndarray:
    """Whether each code is one of *families* or a sub-code of one (``100101`` ∈ ``1001``);
    codes are hierarchical, two digits per level. Vectorised over the distinct codes."""
    idx, uniq = pd.factorize(pd.Series(codes), use_na_sentinel=True)
    fam = tuple(families)
    hit = np.array([str(c).strip().startswith(fam) for c in uniq] + [False], dtype=bool)
    return hit[np.where(idx < 0, len(uniq), idx)]


def is_industrial(codes: pd.Series | np.ndarray | list) -> np.ndarray:
    """True for 工业用地 (1001 and its sub-classes 100101–100103)."""
    return in_families(codes, (INDUSTRIAL_LAND,))


def is_business(codes: pd.Series | np.ndarray | list) -> np.ndarray:
    """True for the land uses firms operate on (:data:`BUSINESS_LANDS`)."""
    return in_families(codes, BUSINESS_LANDS)
