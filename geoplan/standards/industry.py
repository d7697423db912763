"""What an industry code (GB/T 4754-2017 国民经济行业分类) means for planning and statistics.

- :func:`parse_code` reads ``C3911``, ``I6513``, ``3911``, ``39`` into the 门类 (section letter)
  and the 大类 (two-digit division), with the section found from the division when the letter is
  missing.
- :func:`sector_of` gives a broad sector key and its Chinese name (``data/standards/
  industry_gbt4754.csv``), the default industry list for a zone without its own.
- :func:`above_scale` decides 规上/规下 from revenue by the national statistics thresholds
  (``data/standards/above_scale_thresholds.csv``, each row with its source): 工业 ≥ 2000 万元
  主营业务收入; 批发 2000, 零售 500, 住宿/餐饮 200; 规上服务业 2000 / 1000 / 500 by division. Where
  the rule is a 资质 (construction, real-estate development), revenue cannot decide: ``None``.
- :func:`zone_industry` maps codes to a zone's own industry list through an editable table
  (``tables/industry_map.csv`` in the zone folder: ``code_prefix,industry``, longest prefix wins).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geoplan import settings
from geoplan.data import strings
from geoplan.errors import SchemaError

INDUSTRY_CSV = settings.STANDARDS_DIR / "industry_gbt4754.csv"
THRESHOLDS_CSV = settings.STANDARDS_DIR / "above_scale_thresholds.csv"

#: broad sector key → Chinese name (the default industry list of a zone)
SECTOR_NAMES = {
    "agriculture": "农林牧渔业", "mining": "采矿业", "manufacturing": "制造业",
    "utilities": "电力热力燃气及水", "construction": "建筑业", "wholesale_retail": "批发和零售业",
    "transport_logistics": "交通运输仓储", "hospitality": "住宿和餐饮业",
    "it_software": "信息技术服务业", "finance": "金融业", "real_estate": "房地产业",
    "business_services": "租赁和商务服务业", "research_tech": "科学研究和技术服务业",
    "public_services": "公共服务及其他",
}  # fmt: skip


@dataclass(frozen=True)
class Division:
    code: str  # "39" or "C"
    name_zh: str
    section: str
    sector: str
    muyield_scope: str


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path.name}: cannot read the industry table ({exc})"
        raise SchemaError(msg) from exc


def divisions(path: Path = INDUSTRY_CSV) -> dict[str, Division]:
    """门类 letters and 大类 codes → :class:`Division`."""
    out: dict[str, Division] = {}
    for i, r in enumerate(_rows(path), start=2):
        code = (r.get("code") or "").strip()
        if not re.fullmatch(r"[A-T]|\d{2}", code):
            msg = (
                f"{path.name}: line {i}: field 'code': {code!r} is not a 门类 letter or 大类 number"
            )
            raise SchemaError(msg)
        out[code] = Division(
            code,
            r["name_zh"].strip(),
            r["section"].strip(),
            r["sector"].strip(),
            r["muyield_scope"].strip(),
        )
    return out


_CODE = re.compile(r"^([A-T])?(\d{2,4})?$")


def parse_code(value: object) -> tuple[str | None, str | None]:
    """``(section, division)`` of a GB/T 4754 code; ``(None, None)`` when it is not one."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None, None
    text = str(value).strip().upper().replace(" ", "")
    text = text[:-2] if re.fullmatch(r"\d+\.0", text) else text
    m = _CODE.match(text)
    if not m or not (m.group(1) or m.group(2)):
        return None, None
    letter, digits = m.group(1), m.group(2)
    division = digits[:2] if digits else None
    if letter is None and division is not None:
        d = divisions().get(division)
        letter = d.section if d else None
    return letter, division


def sector_of(codes: pd.Series) -> pd.DataFrame:
    """Per code: ``section``, ``division``, ``sector`` key, ``sector_zh``, ``muyield_scope``."""
    table = divisions()

    def one(v: object) -> tuple[str | None, ...]:
        sec, div = parse_code(v)
        d = table.get(div or "") or table.get(sec or "")
        if d is None:
            return (sec, div, None, None, None)
        return (sec, div, d.sector, SECTOR_NAMES.get(d.sector), d.muyield_scope)

    rows = strings.per_unique(codes, one)
    cols = ["section", "division", "sector", "sector_zh", "muyield_scope"]
    empty = (None,) * len(cols)
    return pd.DataFrame(
        [r if r is not None else empty for r in rows], columns=cols, index=codes.index
    )


@dataclass(frozen=True)
class Threshold:
    key: str
    name_zh: str
    codes: tuple[str, ...]  # 门类 letters, 大类 (2 digits) or 中类/小类 (4 digits)
    metric: str
    wan_yuan: float | None


def thresholds(path: Path = THRESHOLDS_CSV) -> list[Threshold]:
    out = []
    for i, r in enumerate(_rows(path), start=2):
        raw = (r.get("threshold_wan_yuan") or "").strip()
        try:
            value = float(raw) if raw else None
        except ValueError:
            msg = f"{path.name}: line {i}: field 'threshold_wan_yuan': {raw!r} is not a number"
            raise SchemaError(msg) from None
        codes = tuple(c.strip() for c in (r.get("gbt4754_codes") or "").split("|") if c.strip())
        out.append(
            Threshold(
                r["scope_key"].strip(), r["name_zh"].strip(), codes, r["metric"].strip(), value
            )
        )
    return out


def _threshold_for(code: object, rules: list[Threshold]) -> Threshold | None:
    text = str(code).strip().upper() if code is not None else ""
    sec, div = parse_code(code)
    digits = re.sub(r"^[A-T]", "", text)
    best: tuple[int, Threshold] | None = None
    for rule in rules:
        for c in rule.codes:
            hit = c in (sec, div) or (c.isdigit() and digits.startswith(c))
            if hit:
                rank = len(c) if c.isdigit() else 1
                if best is None or rank > best[0]:
                    best = (rank, rule)
    return best[1] if best else None


def above_scale(codes: pd.Series, revenue: pd.Series) -> tuple[pd.Series, pd.Series]:
    """规上 (True) / 规下 (False) / unknown (NA) from revenue, and the rule applied per firm."""
    rules = thresholds()
    rule = strings.per_unique(codes, lambda c: _threshold_for(c, rules))
    limit = pd.Series(
        [r.wan_yuan if r is not None else None for r in rule], index=codes.index, dtype="float64"
    )
    names = pd.Series(
        [None if r is None else (f"{r.name_zh} ≥ {r.wan_yuan:g} 万元{r.metric}" if r.wan_yuan is not None
                                 else r.name_zh) for r in rule],
        index=codes.index, dtype=object,
    )  # fmt: skip
    rev = pd.to_numeric(revenue, errors="coerce").astype("float64")
    known = limit.notna() & rev.notna()
    flag = pd.Series(pd.NA, index=codes.index, dtype="boolean")
    flag[known] = (rev[known] >= limit[known]).to_numpy()
    return flag, names


def read_industry_map(path: Path) -> list[tuple[str, str]]:
    """A zone's ``code_prefix,industry`` table, longest prefix first."""
    rows = _rows(path)
    out = []
    for i, r in enumerate(rows, start=2):
        prefix = (r.get("code_prefix") or "").strip().upper()
        industry = (r.get("industry") or "").strip()
        if not prefix or not industry:
            msg = f"{path.name}: line {i}: needs code_prefix and industry"
            raise SchemaError(msg)
        out.append((prefix, industry))
    return sorted(out, key=lambda t: -len(t[0]))


def zone_industry(codes: pd.Series, table: list[tuple[str, str]] | None) -> pd.Series:
    """A zone's industry for each code: the zone table's longest matching prefix, else the broad
    sector's Chinese name (``None`` where the code is not a GB/T 4754 code)."""
    sectors = sector_of(codes)["sector_zh"]
    if not table:
        return sectors

    def one(code: object) -> object:
        return _zone_rows(pd.Series([code]), sector_of(pd.Series([code]))["sector_zh"], table)[0]

    return strings.per_unique(codes, one)


def _zone_rows(codes: pd.Series, sectors: pd.Series, table: list[tuple[str, str]]) -> list[object]:
    out = []
    for code, fallback in zip(codes.tolist(), sectors.tolist(), strict=True):
        text = (
            ""
            if code is None or (isinstance(code, float) and np.isnan(code))
            else str(code).strip().upper()
        )
        sec, _ = parse_code(code)
        full = text if text[:1].isalpha() else f"{sec or ''}{text}"
        hit = next((ind for prefix, ind in table if full.startswith(prefix)), None)
        out.append(hit or fallback)
    return out
