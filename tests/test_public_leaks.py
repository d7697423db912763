"""Every public (公示) output of the sample, scanned for every firm's figures.

Produced here: the ``evaluate --public --excel`` workbook (zh and en), the ``evaluate --public
--out`` GeoPackage, the app's 公示 download and the ``map --theme muyield --public`` HTML map.
Every cell, attribute, header, sheet/layer name and every number inside a text is scanned for
each firm's tax, revenue, value added, energy, R&D and investment and their per-亩 values (the
firm's own, and each parcel's), compared at the precision the number is shown with.

How a number is judged (no coincidence may fail the test, no leak may pass it):

- *row-linked*: a row that names a firm (``firm_id``) or a parcel is checked against the figures
  of that firm / of every firm on that parcel and the parcel's own sums and per-亩 values; an
  aggregate row (板块) of fewer than 3 firms against the figures of its firms. A number shown
  with decimals hits when it equals a figure rounded to those decimals; a whole number hits when
  it equals a figure exactly.
- *global*: any number with 6 or more significant digits anywhere hits when it equals any firm's
  figure at its shown precision (a 6-digit coincidence among the sample's figures is unlikely).
- a number equal to a public planning attribute of the same row (area, FAR, building coverage,
  green and office ratios, committed FAR, number of firms) or to a control value of the
  compliance table is explained, not a leak; rank-band texts (前20% …) are words.

``test_the_scan_catches_planted_leaks`` plants leaks in copies of the outputs and checks each is
caught, so the scan cannot pass by finding nothing.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoplan.cli.main import main

SECRET_FIELDS = ("tax", "revenue", "value_added", "energy_tce", "rd_spend", "fixed_investment")
PARCEL_SECRETS = (
    "tax",
    "revenue",
    "value_added",
    "energy_tce",
    "rd_spend",
    "firm_fixed_investment",
    "investment",
    "tax_per_mu",
    "revenue_per_mu",
    "va_per_mu",
    "investment_per_mu",
)
PUBLIC_ATTRS = (
    "area_mu",
    "area_m2",
    "far",
    "coverage",
    "green_ratio",
    "admin_ratio",
    "commit_far",
    "n_firms",
    "n_tenants",
)
#: significant digits from which a number is compared with every firm's figures, not only the
#: figures of the firm or parcel its row names (5 digits still meet chance equalities among the
#: sample's ≈ 150 000 figures: a 板块's 亩均增加值 131.57 against one firm's 131.569)
GLOBAL_DIGITS = 6
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?\d+(?:\.\d+)?(?![A-Za-z0-9_])")  # 收75.6低: a number
#: identifiers whose digits are no figures (parcel ids, firm ids, credit codes)
IDENT = re.compile(r"[A-Z]{2}-[A-Z]{2}-\d+|F\d{6}|[0-9A-Z]{18}")


@dataclass
class Secrets:
    by_firm: dict[str, np.ndarray]
    by_parcel: dict[str, np.ndarray]
    by_plate_small: dict[str, np.ndarray]
    firm_by_name: dict[str, str]
    all_values: np.ndarray
    explained_by_parcel: dict[str, np.ndarray]
    explained_global: np.ndarray
    words: set[str] = field(default_factory=set)


def _clean(values) -> np.ndarray:
    a = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(float)
    a = a[np.isfinite(a) & (a != 0)]
    return np.unique(a)


def build_secrets(ev, zone) -> Secrets:
    from geoplan.present import redact

    f = ev.firms
    land = pd.to_numeric(f["land_mu"], errors="coerce").to_numpy(float)
    per_firm: dict[str, list[float]] = {}
    cols = {
        c: pd.to_numeric(f[c], errors="coerce").to_numpy(float) for c in SECRET_FIELDS if c in f
    }
    ids = f["firm_id"].astype(str).to_numpy()
    for i, fid in enumerate(ids):
        vals = []
        for a in cols.values():
            v = a[i]
            vals.append(v)
            if land[i] > 0:
                vals.append(v / land[i])
        per_firm[fid] = vals
    for c in ("tax_per_mu", "revenue_per_mu", "va_per_mu", "investment_per_mu"):
        if c in f:
            for fid, v in zip(ids, pd.to_numeric(f[c], errors="coerce"), strict=True):
                per_firm[fid].append(v)
    by_firm = {k: _clean(v) for k, v in per_firm.items()}
    p = ev.parcels
    pids = p["parcel_id"].astype(str).to_numpy()
    firms_of: dict[str, list[str]] = {}
    for fid, pid in zip(ids, f["parcel_id"].astype(str), strict=True):
        firms_of.setdefault(pid, []).append(fid)
    pcols = {
        c: pd.to_numeric(p[c], errors="coerce").to_numpy(float) for c in PARCEL_SECRETS if c in p
    }
    area = pd.to_numeric(p["area_mu"], errors="coerce").to_numpy(float)
    by_parcel = {}
    for i, pid in enumerate(pids):
        vals = [a[i] for a in pcols.values()]
        vals += [a[i] / area[i] for a in pcols.values() if area[i] > 0]
        for fid in firms_of.get(pid, []):
            vals.extend(by_firm[fid])
        by_parcel[pid] = _clean(vals)
    plate_n = ev.aggregates["plate"].set_index("plate")["n_firms"]
    by_plate_small = {}
    for plate, n in plate_n.items():
        if n < redact.MIN_AGGREGATE_FIRMS:
            fids = ids[(f["plate"].astype(str) == str(plate)).to_numpy()]
            by_plate_small[str(plate)] = _clean(np.concatenate([by_firm[x] for x in fids] or [[]]))
    base = zone.layers["parcels"].set_index(zone.layers["parcels"]["parcel_id"].astype(str))
    expl = {}
    pub = {c: pd.to_numeric(base[c], errors="coerce") for c in PUBLIC_ATTRS if c in base}
    nf = p.set_index(p["parcel_id"].astype(str))
    for c in ("n_firms", "n_tenants"):
        if c in nf:
            pub[c] = pd.to_numeric(nf[c], errors="coerce")
    for pid in pids:
        expl[pid] = _clean([s.get(pid) for s in pub.values()])
    required = _clean(ev.compliance["required"]) if len(ev.compliance) else np.array([])
    return Secrets(
        by_firm=by_firm,
        by_parcel=by_parcel,
        by_plate_small=by_plate_small,
        firm_by_name=dict(zip(f["name"].astype(str), ids, strict=False)),
        all_values=_clean(np.concatenate(list(by_firm.values()))),
        explained_by_parcel=expl,
        explained_global=required,
        words=redact.band_labels("zh") | redact.band_labels("en") | _standard_texts(ev.compliance),
    )


def _standard_texts(comp: pd.DataFrame) -> set[str]:
    """Check names and their basis (standards' texts: "建筑系数≥40%", "…(2023)") in both languages."""
    from geoplan.text import t

    out: set[str] = set()
    for c in ("check_zh", "basis"):
        if c in comp:
            out |= set(comp[c].dropna().astype(str))
    if "check" in comp:
        for x in comp["check"].dropna().astype(str).unique():
            out |= {t(f"check_{x}", "zh"), t(f"check_{x}", "en")}
    return out


# --- tokens --------------------------------------------------------------------------------------


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _sig(text: str) -> int:
    return len(text.replace("-", "").replace(".", "").lstrip("0"))


def tokens(cell) -> list[tuple[float, int, int]]:
    """(value, decimals shown, significant digits) of every number a cell shows."""
    if cell is None or isinstance(cell, bool):
        return []
    if isinstance(cell, (int, np.integer)):
        s = str(int(cell))
        return [(float(cell), 0, _sig(s))]
    if isinstance(cell, (float, np.floating)):
        if not math.isfinite(cell):
            return []
        s = repr(float(cell))
        if "e" in s:
            return [(float(cell), 12, 12)]
        if s.endswith(".0"):
            s = s[:-2]
        return [(float(cell), _decimals(s), _sig(s))]
    text = IDENT.sub(" ", str(cell))
    # a list's published land threshold (规下工业(≥3亩)) is the scheme's rule, not a firm's figure
    text = re.sub(r"[≥≤<>＜＞‹›]\s*\d+(?:\.\d+)?\s*亩", " ", text)
    return [(float(m), _decimals(m), _sig(m)) for m in NUMBER.findall(text)]


def _matches(x: float, k: int, values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return values
    if k == 0:
        return values[np.abs(values - x) < 1e-9 * max(1.0, abs(x))]
    kk = min(k, 9)
    return values[np.abs(np.round(values, kk) - x) < 0.5 * 10.0**-kk * 1e-3 + 1e-12 * abs(x)]


def _explained(x: float, k: int, explained: np.ndarray) -> bool:
    if len(explained) == 0:
        return False
    kk = min(max(k, 0), 9)
    return bool(np.any(np.abs(explained - x) <= 0.5 * 10.0**-kk + 1e-9))


@dataclass
class Hit:
    output: str
    where: str
    cell: str
    secret: float


def scan_rows(
    output: str,
    rows: list[dict],
    sec: Secrets,
    *,
    parcel_keys=("parcel_id",),
    plate_keys=("plate",),
) -> list[Hit]:
    """Scan rows (dicts of column → cell) of one table of *output*."""
    hits: list[Hit] = []
    for i, row in enumerate(rows):
        linked: list[np.ndarray] = []
        explained = [sec.explained_global]
        for key, val in row.items():
            s = str(val)
            if s in sec.by_firm and key not in plate_keys:
                linked.append(sec.by_firm[s])
            if s in sec.by_parcel:
                linked.append(sec.by_parcel[s])
                explained.append(sec.explained_by_parcel.get(s, np.array([])))
            if s in sec.firm_by_name:
                linked.append(sec.by_firm[sec.firm_by_name[s]])
            if key in plate_keys and s in sec.by_plate_small:
                linked.append(sec.by_plate_small[s])
        lv = np.unique(np.concatenate(linked)) if linked else np.array([])
        ex = np.concatenate(explained)
        for key, cell in row.items():
            if isinstance(cell, str) and cell in sec.words:
                continue
            for x, k, sig in tokens(cell):
                if _explained(x, k, ex):
                    continue
                m = _matches(x, k, lv)
                if len(m) == 0 and sig >= GLOBAL_DIGITS:
                    m = _matches(x, k, sec.all_values)
                if len(m):
                    hits.append(Hit(output, f"row {i} column {key!r}", str(cell)[:80], float(m[0])))
    return hits


def scan_frame(output: str, frame: pd.DataFrame, sec: Secrets) -> list[Hit]:
    df = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
    header_row = {f"header {j}": str(c) for j, c in enumerate(df.columns)}
    hits = scan_rows(output, [header_row], sec)
    rows = df.astype(object).where(df.notna(), None).to_dict("records")
    return hits + scan_rows(output, rows, sec)


def scan_workbook(output: str, path_or_bytes, sec: Secrets) -> list[Hit]:
    import openpyxl

    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    hits: list[Hit] = []
    for ws in wb.worksheets:
        hits += scan_rows(f"{output}:{ws.title}", [{"sheet": ws.title}], sec)
        it = ws.iter_rows(values_only=True)
        header = [str(h) for h in next(it, ())]
        hits += scan_rows(f"{output}:{ws.title}", [{f"h{j}": h for j, h in enumerate(header)}], sec)
        rows = [dict(zip(header, r, strict=False)) for r in it]
        hits += scan_rows(f"{output}:{ws.title}", rows, sec)
    return hits


def scan_gpkg(output: str, path: Path, sec: Secrets) -> list[Hit]:
    import pyogrio

    hits: list[Hit] = []
    for name, _ in pyogrio.list_layers(path):
        hits += scan_rows(output, [{"layer": name}], sec)
        df = pyogrio.read_dataframe(path, layer=name, read_geometry=False)
        hits += scan_frame(f"{output}:{name}", df, sec)
    return hits


def html_data_blocks(html: str) -> list[dict]:
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r'\{"kind":', html):
        with contextlib.suppress(json.JSONDecodeError):
            obj, _ = dec.raw_decode(html, m.start())
            out.append(obj)
    return out


def scan_html(output: str, html: str, sec: Secrets) -> list[Hit]:
    """Every layer's attribute data (ids, tooltip properties, labels) and the legend/title text."""
    hits: list[Hit] = []
    blocks = html_data_blocks(html)
    assert blocks, "no map data found in the HTML"
    for b in blocks:
        props = b.get("p") or {}
        ids = b.get("ids")
        n = len(ids) if ids else (len(next(iter(props.values()))) if props else 0)
        rows = []
        for i in range(n):
            row = {c: v[i] for c, v in props.items()}
            if ids:
                row["parcel_id" if "parcel_id" not in row else "_id"] = ids[i]
            rows.append(row)
        hits += scan_rows(output, rows, sec)
        hits += scan_rows(output, [{"tip": json.dumps(b.get("tip"), ensure_ascii=False)}], sec)
        hits += scan_rows(
            output, [{"labels": " ".join(str(lab[2]) for lab in b.get("labels") or [])}], sec
        )
    text = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), html)
    legends = re.findall(r'innerHTML = "(.*?)";', text)
    title = re.findall(r"<title>(.*?)</title>", text)
    hits += scan_rows(output, [{"legend": x} for x in legends + title], sec)
    return hits


# --- the outputs ---------------------------------------------------------------------------------


def _cli(*argv: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return main(list(argv))


@pytest.fixture(scope="module")
def evaluation(sample_zone):
    from geoplan.analysis.land_yield import evaluate

    z = sample_zone
    return evaluate(
        z.layers["parcels"],
        z.layers["firms"],
        "dalian_default",
        plates=z.layers.get("plates"),
        structure=z.layers.get("structure"),
        clusters=z.layers.get("clusters"),
    )


@pytest.fixture(scope="module")
def secrets(evaluation, sample_zone) -> Secrets:
    return build_secrets(evaluation, sample_zone)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, evaluation) -> dict[str, object]:
    d = tmp_path_factory.mktemp("public")
    out: dict[str, object] = {}
    for lang in ("zh", "en"):
        x = d / f"pub_{lang}.xlsx"
        assert _cli("evaluate", "--public", "--lang", lang, "--excel", str(x), "--json") == 0
        out[f"excel_{lang}"] = x
    g = d / "pub.gpkg"
    assert _cli("evaluate", "--public", "--out", str(g), "--json") == 0
    out["gpkg"] = g
    h = d / "pub.html"
    assert _cli("map", "--theme", "muyield", "--public", "--out", str(h), "--json") == 0
    out["html"] = h.read_text(encoding="utf-8")
    pytest.importorskip("streamlit")
    from app_pages import _eval as E

    out["app_download"] = E._workbook(evaluation, "public")
    return out


def scan_all(outputs: dict[str, object], sec: Secrets) -> list[Hit]:
    hits: list[Hit] = []
    for name, o in outputs.items():
        if name.startswith("excel") or name == "app_download":
            hits += scan_workbook(name, o, sec)
        elif name == "gpkg":
            hits += scan_gpkg(name, Path(str(o)), sec)
        elif name == "html":
            hits += scan_html(name, str(o), sec)
    return hits


def test_no_public_output_leaks_a_firm_figure(outputs, secrets):
    hits = scan_all(outputs, secrets)
    shown = "\n".join(f"{h.output} {h.where}: {h.cell!r} = {h.secret:g}" for h in hits[:30])
    assert not hits, f"{len(hits)} leak(s):\n{shown}"


def test_the_scan_catches_planted_leaks(outputs, secrets, evaluation, tmp_path):
    """Each planted leak — a firm's tax in a cell, a per-亩 value in a reason text, a firm's
    revenue on its parcel in the GeoPackage, a parcel's 亩均税收 in a map tooltip — is found."""
    import openpyxl

    from geoplan.data.io import write_gpkg_atomic
    from geoplan.present import redact

    f = evaluation.firms
    scored = f[(pd.to_numeric(f["tax"], errors="coerce") > 1) & (f["land_mu"] > 0)]
    firm = scored.iloc[0]
    # 1. a firm's tax beside its name in the 公示 list
    wb = openpyxl.load_workbook(outputs["excel_zh"])
    ws = next(s for s in wb.worksheets if s.title.startswith("名单-") and s.max_row > 1)
    name = ws.cell(row=2, column=2).value
    fid = ws.cell(row=2, column=1).value
    tax = float(f.loc[f["firm_id"] == fid, "tax"].iloc[0])
    ws.cell(row=2, column=6, value=f"{tax:.1f}")
    planted = tmp_path / "planted.xlsx"
    wb.save(planted)
    hits = scan_workbook("planted", planted, secrets)
    assert name and any(h.secret == pytest.approx(tax) for h in hits), hits[:5]
    # 2. a per-亩 value in a number-bearing reason (the leak of issue 15: "亩均税收 X")
    low = redact.public_low_efficiency(evaluation.low_efficiency)
    pid = str(evaluation.low_efficiency["parcel_id"].iloc[0])
    tpm = float(evaluation.parcels.set_index("parcel_id").loc[pid, "tax_per_mu"])
    low.loc[0, "reasons"] = f"效益不高: 亩均税收{tpm:.1f}低于板块中位数"
    assert scan_frame("planted_low", low, secrets), "a per-亩 value in a reason was not caught"
    # 3. the firm's revenue on its parcel in the GeoPackage
    parcels = redact.public_parcels(evaluation.parcels)
    j = int(np.flatnonzero(parcels["parcel_id"].astype(str) == str(firm["parcel_id"]))[0])
    parcels["note"] = np.nan
    parcels.loc[j, "note"] = float(firm["revenue"])
    g = tmp_path / "planted.gpkg"
    write_gpkg_atomic(g, {"parcels": parcels})
    assert scan_gpkg("planted_gpkg", g, secrets)
    # 4. a parcel's 亩均税收 in the HTML tooltip data
    html = str(outputs["html"])
    blocks = html_data_blocks(html)
    b = next(b for b in blocks if b.get("ids") and b.get("p"))
    k = b["ids"].index(pid) if pid in b["ids"] else 0
    tp = evaluation.parcels.set_index("parcel_id")["tax_per_mu"]
    b["p"]["far"][k] = round(float(tp.loc[b["ids"][k]]), 2)
    fake = "<script>var x = " + json.dumps(b, ensure_ascii=False) + ";</script>"
    assert scan_html("planted_html", fake, secrets)
    # 5. a large figure anywhere (global scan), e.g. in a legend text without any row link
    big = float(f.loc[pd.to_numeric(f["revenue"], errors="coerce") > 10000, "revenue"].iloc[0])
    assert scan_rows("planted_text", [{"legend": f"园区说明 {big:.1f}"}], secrets)


def test_no_number_in_public_reasons(evaluation):
    from geoplan.present import redact

    for lang in ("zh", "en"):
        low = redact.public_low_efficiency(evaluation.low_efficiency, lang)
        assert len(low)
        assert not low["reasons"].str.contains(r"\d", regex=True).any()
        assert (low["reasons"].str.len() > 0).all()


def test_small_aggregates_show_no_per_mu_value():
    from geoplan.present import redact

    agg = pd.DataFrame(
        {
            "plate": ["a", "b"],
            "n_firms": [2, 3],
            "tax": [10.0, 30.0],
            "occupied_mu": [1.0, 3.0],
            "tax_per_mu": [10.0, 10.0],
        }
    )
    out = redact.public_aggregate(agg, "plate")
    assert "tax" not in out and "occupied_mu" not in out
    assert math.isnan(out.loc[0, "tax_per_mu"]) and out.loc[1, "tax_per_mu"] == 10.0
