"""Land-use classifications a zone's files arrive in, and their conversion to 用地用海 2023.

Three classifications are in use (see ``data/standards/``):

- ``ydyh2023`` — 国土空间调查、规划、用途管制用地用海分类 (2023): GeoPlan's internal codes
  (``landuse_codes_2023.csv``, every code to the third level);
- ``gb50137`` — GB 50137-2011 城市用地分类 (most 控规 made before ~2021: ``M1``, ``A35``, ``B29``),
  plus the local 新型产业用地 ``M0`` (→ 100101 with the flag ``new_industrial``);
- ``sandiao`` — 第三次全国国土调查 工作分类 (三调 地类图斑: ``0601``, ``05H1``, ``08H2``, ``1004``).

The crosswalk tables (``crosswalk_gb50137.csv``, ``crosswalk_sandiao.csv``) carry a ``relation``
per row: ``one`` converts; ``broader`` converts to the nearest 2023 parent (e.g. 三调 0601 工业用地
→ 1001, the 一/二/三类 level unknown, reported); ``many`` is *not guessed*: the parcel keeps no
2023 code, is counted under "review" and is excluded from analyses visibly until the user decides
(``--code-map 08H2=0804``). Codes found in no table are counted as unmapped. The original code
always stays in a column beside the converted one.

Codes that look alike across classifications (三调 ``0601`` 工业用地 vs 2023 ``0601`` 农村道路)
are never resolved per value: a file's classification is detected once, from its letters, its
column name and its layer type, and reported with the reason (:func:`detect`).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geoplan import settings
from geoplan.errors import GeoplanError, SchemaError

CLASSIFICATIONS = ("ydyh2023", "gb50137", "sandiao")
LABELS = {
    "ydyh2023": ("用地用海分类(2023)", "用地用海 classification (2023)"),
    "gb50137": ("GB 50137-2011 城市用地分类", "GB 50137-2011 urban land classification"),
    "sandiao": ("三调工作分类", "3rd national land survey working classification"),
}
RELATIONS = ("one", "broader", "many")

CODES_CSV = settings.STANDARDS_DIR / "landuse_codes_2023.csv"
TABLES = {
    "gb50137": settings.STANDARDS_DIR / "crosswalk_gb50137.csv",
    "sandiao": settings.STANDARDS_DIR / "crosswalk_sandiao.csv",
}


@dataclass(frozen=True)
class Row:
    source_code: str
    source_name: str
    targets: tuple[str, ...]
    relation: str
    flag: str
    note: str
    verified: bool


@dataclass(frozen=True)
class Crosswalk:
    classification: str
    rows: dict[str, Row]
    names: dict[str, str]  # normalised source name → source code


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path.name}: cannot read the land-use table ({exc})"
        raise SchemaError(msg) from exc
    return list(csv.DictReader(text.splitlines()))


def known_codes(path: Path = CODES_CSV) -> dict[str, str]:
    """Every 用地用海 2023 code → its Chinese name."""
    rows = _read_csv(path)
    out: dict[str, str] = {}
    for i, r in enumerate(rows, start=2):
        code = (r.get("code") or "").strip()
        if not re.fullmatch(r"\d{2}(\d{2}){0,2}", code):
            msg = f"{path.name}: line {i}: field 'code': {code!r} is not a 2/4/6-digit code"
            raise SchemaError(msg)
        out[code] = (r.get("name_zh") or "").strip()
    return out


def read_crosswalk(classification: str, path: Path | None = None) -> Crosswalk:
    """Read and check one crosswalk table (every target must be a known 2023 code)."""
    p = path or TABLES[classification]
    known = known_codes()
    rows: dict[str, Row] = {}
    names: dict[str, str] = {}
    for i, r in enumerate(_read_csv(p), start=2):
        code = _norm_code(r.get("source_code") or "")
        relation = (r.get("relation") or "").strip()
        if not code:
            msg = f"{p.name}: line {i}: field 'source_code' is empty"
            raise SchemaError(msg)
        if relation not in RELATIONS:
            msg = f"{p.name}: line {i}: field 'relation': {relation!r}; use one of {', '.join(RELATIONS)}"
            raise SchemaError(msg)
        targets = tuple(t.strip() for t in (r.get("target_code") or "").split("|") if t.strip())
        bad = [t for t in targets if t not in known]
        if not targets or bad:
            msg = (
                f"{p.name}: line {i}: field 'target_code': {bad or 'empty'} not in {CODES_CSV.name}"
            )
            raise SchemaError(msg)
        if relation != "many" and len(targets) != 1:
            msg = f"{p.name}: line {i}: relation {relation!r} needs exactly one target"
            raise SchemaError(msg)
        if code in rows:
            msg = f"{p.name}: line {i}: source code {code} is listed twice"
            raise SchemaError(msg)
        rows[code] = Row(
            code,
            (r.get("source_name_zh") or "").strip(),
            targets,
            relation,
            (r.get("flag") or "").strip(),
            (r.get("review_note") or "").strip(),
            (r.get("verified") or "").strip().lower() == "yes",
        )
        if rows[code].source_name:
            names.setdefault(_norm_name(rows[code].source_name), code)
    return Crosswalk(classification, rows, names)


def _norm_code(v: object) -> str:
    text = unicodedata.normalize("NFKC", str(v)).strip().upper().replace(" ", "")
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def _norm_name(v: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(v)))


def normalise_codes(values: pd.Series) -> tuple[pd.Series, int]:
    """Codes as text: full-width and spaces removed, upper case, ``802.0`` → ``802``; and
    leading zeros restored on numeric codes of odd length (``802`` → ``0802``, read as numbers by
    Excel or a .dbf). Returns the codes and how many zeros were restored."""
    from geoplan.data import strings

    text, n = strings.codes(values)
    return text.astype(object).where(text.notna(), None), n


_GB = re.compile(r"^[RABMWSUGHE]\d{0,2}$|^M0$")
_SANDIAO = re.compile(r"^\d{2}(H\d|\d{2})[AK]?$")


@dataclass
class Detection:
    classification: str
    reason_zh: str
    reason_en: str


def detect(
    codes: pd.Series, *, column: str = "", layer_type: str = "parcels", declared: str | None = None
) -> Detection:
    """Which classification a file's codes are in; :class:`GeoplanError` when it cannot be told."""
    if declared:
        if declared not in CLASSIFICATIONS:
            msg = f"unknown land-use classification {declared!r}; use one of {', '.join(CLASSIFICATIONS)}"
            raise GeoplanError(msg)
        return Detection(declared, "由参数指定", "given by the user")
    vals = pd.Series(codes.dropna().unique()).astype(str)  # decided on the distinct codes
    vals = vals[vals != ""]
    if len(vals) == 0:
        return Detection("ydyh2023", "无代码", "no codes")
    letters = vals.str.match(r"^[A-Z]")
    if letters.mean() >= 0.5:
        return Detection(
            "gb50137", "代码以字母开头(如 M1、A35)", "codes start with letters (M1, A35 …)"
        )
    if vals.str.contains(r"H\d", regex=True).any() or vals.str.fullmatch(r"\d{4}[AK]").any():
        return Detection(
            "sandiao",
            "含三调特有代码(如 05H1、08H2、0810A)",
            "codes only 三调 uses (05H1, 08H2, 0810A …)",
        )
    col = column.strip().upper()
    if layer_type == "landuse_survey" or col in {"DLBM", "地类编码"}:
        return Detection(
            "sandiao", f"字段 {column} 为三调地类编码", f"column {column} is a 三调 land-class code"
        )
    known = known_codes()
    if vals.isin(list(known)).all():
        return Detection(
            "ydyh2023", "全部为用地用海(2023)代码", "every code is a 用地用海 2023 code"
        )
    msg = (
        f"cannot tell which classification the codes in column {column!r} use "
        f"(e.g. {', '.join(vals.drop_duplicates().head(5))}); name it with --codes ydyh2023|gb50137|sandiao"
    )
    raise GeoplanError(msg)


@dataclass
class Conversion:
    """The result of :func:`convert`: 2023 codes (``None`` where not converted) and the counts."""

    codes: pd.Series
    original: pd.Series
    classification: str
    converted: Counter = field(default_factory=Counter)  # "M1→100101": n
    kept: int = 0  # already 2023 codes
    broader: Counter = field(default_factory=Counter)  # "0601→1001": n (level below unknown)
    review: Counter = field(default_factory=Counter)  # one-to-many codes: "08H2": n
    unmapped: Counter = field(default_factory=Counter)  # codes in no table: "X9": n
    by_name: Counter = field(default_factory=Counter)  # "二类工业用地→M2": n
    flags: pd.Series | None = None  # e.g. "new_industrial"
    zeros_restored: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "classification": self.classification,
            "kept": self.kept,
            "converted": dict(self.converted),
            "broader": dict(self.broader),
            "review": dict(self.review),
            "unmapped": dict(self.unmapped),
            "by_name": dict(self.by_name),
            "zeros_restored": self.zeros_restored,
        }

    @property
    def excluded(self) -> int:
        return int(self.codes.isna().sum() - self.original.isna().sum())


def convert(
    values: pd.Series,
    classification: str,
    *,
    code_map: dict[str, str] | None = None,
) -> Conversion:
    """Convert land-use codes (or class names) of *classification* to 用地用海 2023.

    *code_map* holds the user's decisions (``{"08H2": "0804"}``) and wins over the table; its
    targets must be known 2023 codes.
    """
    known = known_codes()
    code_map = {_norm_code(k): str(v).strip() for k, v in (code_map or {}).items()}
    bad = sorted(v for v in code_map.values() if v not in known)
    if bad:
        msg = f"--code-map: {', '.join(bad)} are not 用地用海 2023 codes (see data/standards/landuse_codes_2023.csv)"
        raise GeoplanError(msg)
    original = values.copy()
    codes, zeros = normalise_codes(values)
    out = pd.Series([None] * len(codes), index=codes.index, dtype="object")
    flags = pd.Series([""] * len(codes), index=codes.index, dtype="object")
    conv = Conversion(out, original, classification, zeros_restored=zeros)
    xwalk = read_crosswalk(classification) if classification != "ydyh2023" else None
    name_to_2023 = {_norm_name(v): k for k, v in known.items()}
    for code, idx in codes.groupby(codes, sort=False).groups.items():
        n = len(idx)
        code = str(code)
        if code in code_map:
            out.loc[idx] = code_map[code]
            conv.converted[f"{code}→{code_map[code]}"] += n
            continue
        if xwalk is None:
            if code in known:
                out.loc[idx] = code
                conv.kept += n
            elif _norm_name(code) in name_to_2023:
                target = name_to_2023[_norm_name(code)]
                out.loc[idx] = target
                conv.by_name[f"{code}→{target}"] += n
            else:
                conv.unmapped[code] += n
            continue
        src = code if code in xwalk.rows else xwalk.names.get(_norm_name(code))
        if src is not None and src != code:
            conv.by_name[f"{code}→{src}"] += n
        row = xwalk.rows.get(src) if src is not None else None
        if row is None:
            conv.unmapped[code] += n
        elif row.relation == "many":
            conv.review[row.source_code] += n
        else:
            out.loc[idx] = row.targets[0]
            (conv.broader if row.relation == "broader" else conv.converted)[
                f"{row.source_code}→{row.targets[0]}"
            ] += n
            if row.flag:
                flags.loc[idx] = row.flag
    conv.flags = flags
    return conv


def review_choices(classification: str, code: str) -> tuple[str, ...]:
    """The 2023 codes a one-to-many source code may become (for the wizard's choice list)."""
    xwalk = read_crosswalk(classification)
    row = xwalk.rows.get(_norm_code(code))
    return row.targets if row is not None else ()
