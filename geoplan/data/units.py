"""Units a bureau's file may carry, and their conversion to the catalog's canonical unit.

A header says its unit in brackets (``税收(万元)``, ``用地面积（公顷）``, ``用电量(万kWh)``) or an
import mapping names it (``--map firms.tax=实缴税金[元]``). Each canonical unit of the catalog
(``m²``, ``亩``, ``万元``, ``吨标准煤``, ``MWh`` …) belongs to a family of spellings with factors;
:func:`factor` gives the multiplier from a stated unit to the canonical one, and every conversion
is reported by the importer.
"""

from __future__ import annotations

import re
import unicodedata

from geoplan.settings import M2_PER_MU

#: canonical unit → {spelling (normalised): factor to the canonical unit}
FAMILIES: dict[str, dict[str, float]] = {
    "m²": {
        "m²": 1.0, "m2": 1.0, "㎡": 1.0, "平方米": 1.0, "平米": 1.0, "sqm": 1.0,
        "公顷": 10_000.0, "ha": 10_000.0, "hm2": 10_000.0, "hm²": 10_000.0,
        "亩": M2_PER_MU, "mu": M2_PER_MU,
        "平方公里": 1e6, "km2": 1e6, "km²": 1e6, "万平方米": 10_000.0, "万m2": 10_000.0,
    },
    "亩": {
        "亩": 1.0, "mu": 1.0, "公顷": 15.0, "ha": 15.0, "hm2": 15.0, "hm²": 15.0,
        "m²": 1 / M2_PER_MU, "m2": 1 / M2_PER_MU, "㎡": 1 / M2_PER_MU, "平方米": 1 / M2_PER_MU,
    },
    "万元": {
        "万元": 1.0, "万": 1.0, "元": 1e-4, "千元": 0.1, "百万元": 100.0, "亿元": 10_000.0,
        "亿": 10_000.0, "万元人民币": 1.0, "元人民币": 1e-4,
    },
    "万元/亩": {"万元/亩": 1.0, "元/亩": 1e-4, "万元/公顷": 1 / 15.0, "元/平方米": M2_PER_MU * 1e-4},
    "吨标准煤": {
        "吨标准煤": 1.0, "tce": 1.0, "吨标煤": 1.0, "t标准煤": 1.0, "万吨标准煤": 10_000.0,
        "千克标准煤": 1e-3, "kgce": 1e-3,
    },
    "MWh": {
        "mwh": 1.0, "兆瓦时": 1.0, "kwh": 1e-3, "千瓦时": 1e-3, "度": 1e-3, "万千瓦时": 10.0,
        "万kwh": 10.0, "万度": 10.0, "gwh": 1000.0, "亿千瓦时": 100_000.0,
    },
    "人": {"人": 1.0, "名": 1.0, "万人": 10_000.0},
    "t": {"t": 1.0, "吨": 1.0, "kg": 1e-3, "千克": 1e-3, "公斤": 1e-3, "万吨": 10_000.0},
    "m": {"m": 1.0, "米": 1.0, "km": 1000.0, "公里": 1000.0},
    "MVA": {"mva": 1.0, "兆伏安": 1.0, "kva": 1e-3, "千伏安": 1e-3},
    "m³/d": {"m³/d": 1.0, "m3/d": 1.0, "立方米/日": 1.0, "吨/日": 1.0, "t/d": 1.0, "万m3/d": 1e4,
             "万立方米/日": 1e4, "万吨/日": 1e4},
    "ratio": {"ratio": 1.0, "%": 0.01, "百分比": 0.01, "‰": 0.001},
}  # fmt: skip

_BRACKETS = re.compile(r"[\(\[（【]\s*([^\)\]）】]*?)\s*[\)\]）】]")


def normalise(text: str) -> str:
    """Full-width → half-width, lower case, no spaces (for comparing names and units)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def split_header(header: str) -> tuple[str, str | None]:
    """``"税收(万元)"`` → ``("税收", "万元")``; the unit is the last bracketed part, if any."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    units = _BRACKETS.findall(text)
    name = _BRACKETS.sub("", text).strip()
    unit = units[-1].strip() if units else None
    return name, (unit or None)


def family_of(canonical: str) -> dict[str, float] | None:
    """The spellings of the catalog unit *canonical* (``None`` for unitless fields)."""
    return FAMILIES.get(canonical)


def factor(stated: str, canonical: str) -> float | None:
    """Multiplier from *stated* to *canonical*; ``None`` when *stated* is not a unit of that family.

    An unrecognised spelling is not guessed: the caller reports it and asks for ``--map``.
    """
    fam = FAMILIES.get(canonical)
    if fam is None:
        return None
    key = normalise(stated).replace("^2", "2").replace("^3", "3")
    table = {normalise(k): v for k, v in fam.items()}
    return table.get(key)


def is_unit_of(stated: str, canonical: str) -> bool:
    return factor(stated, canonical) is not None


def looks_like_unit(text: str) -> bool:
    """Whether a bracketed header part is a unit of any family (not e.g. ``(2023年)``)."""
    key = normalise(text)
    return any(key in {normalise(k) for k in fam} for fam in FAMILIES.values())
