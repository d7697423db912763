"""Golden outputs of the CLI on the bundled sample, for refactors that must not change behaviour.

``python tests/golden/record.py`` (re)writes ``tests/golden/out/*``; ``tests/test_golden.py``
recomputes the same outputs and compares them byte for byte. Re-record only when a change of
behaviour is intended, and say so in the commit.

Each output is produced in-process through :func:`geoplan.cli.main` (as a user would see it on
stdout with ``--json``), normalised only where a run legitimately differs: wall-clock times,
temporary paths, library versions.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROOT = HERE.parent.parent

#: (name, CLI arguments). Scenario paths are relative to the project root.
COMMANDS: list[tuple[str, list[str]]] = [
    ("layers", ["layers", "--json"]),
    ("evaluate_dalian_default", ["evaluate", "--json"]),
    ("evaluate_zhejiang_county", ["evaluate", "--scheme", "zhejiang_county", "--json"]),
    ("evaluate_jiangsu", ["evaluate", "--scheme", "jiangsu", "--json"]),
    ("evaluate_anhui_minmax", ["evaluate", "--scheme", "anhui_minmax", "--json"]),
    ("evaluate_holder", ["evaluate", "--tenant-rule", "holder", "--edition", "2008", "--json"]),
    ("explain_F000001", ["explain", "F000001", "--json"]),
    ("explain_F000500", ["explain", "F000500", "--scheme", "jiangsu", "--json"]),
    ("explain_F004000", ["explain", "F004000", "--scheme", "zhejiang_county", "--json"]),
    ("infra_current", ["infra", "--phase", "current", "--json"]),
    ("infra_2025", ["infra", "--phase", "2025", "--json"]),
    ("infra_2035", ["infra", "--phase", "2035", "--json"]),
    ("suitability", ["suitability", "--json"]),
    ("suitability_headroom", ["suitability", "--headroom-phase", "2035", "--json"]),
    ("scenario_01", ["scenario", "run", "layers/scenarios/01_现状.yaml", "--json"]),
    ("scenario_02", ["scenario", "run", "layers/scenarios/02_十四五近期2025.yaml", "--json"]),
    ("scenario_03", ["scenario", "run", "layers/scenarios/03_西拓北延远期2035.yaml", "--json"]),
    ("scenario_04", ["scenario", "run", "layers/scenarios/04_腾笼换鸟.yaml", "--json"]),
]

#: keys whose values change from run to run (times, versions, where temp files went)
_VOLATILE = {
    "seconds",
    "elapsed_s",
    "time",
    "created",
    "started",
    "finished",
    "versions",
    "run_at",
    "timestamp",
    "duration_s",
    "generated_at",
}


def _scrub(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: ("<volatile>" if k in _VOLATILE else _scrub(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    if isinstance(obj, str):
        obj = obj.replace(str(ROOT), "<root>")
        return re.sub(r"/tmp/[^\s'\"]+", "<tmp>", obj)
    return obj


def run_json(args: list[str]) -> str:
    """Run one CLI command in-process; return its normalised JSON text."""
    from geoplan.cli.main import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.chdir(ROOT):
        code = main(args)
    if code != 0:
        msg = f"geoplan {' '.join(args)} exited {code}"
        raise RuntimeError(msg)
    doc = json.loads(buf.getvalue())
    return json.dumps(_scrub(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def excel_digest(args: list[str]) -> str:
    """Shape, columns and a sha256 of each sheet (as CSV) of a workbook written by ``evaluate --excel``."""
    import pandas as pd

    from geoplan.cli.main import main

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ev.xlsx"
        with contextlib.redirect_stdout(io.StringIO()), contextlib.chdir(ROOT):
            code = main([*args, "--excel", str(path), "--json"])
        if code != 0:
            raise RuntimeError(f"excel export exited {code}")
        sheets = pd.read_excel(path, sheet_name=None)
    lines = []
    for name, df in sheets.items():
        text = df.to_csv(index=False)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        lines.append(
            f"{name}\t{df.shape[0]}x{df.shape[1]}\t{digest}\t{'|'.join(map(str, df.columns))}"
        )
    return "\n".join(lines) + "\n"


def sample_digest() -> str:
    """sha256 of every file the sample generator writes, against the committed data/."""
    from geoplan import settings
    from geoplan.sample.generate import generate

    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(tmp)
        for name in sorted(paths):
            p = Path(paths[name])
            lines.append(f"{p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}")
        for name in sorted(paths):
            committed = settings.SAMPLE_ZONE_DIR / Path(paths[name]).name
            lines.append(
                f"committed {committed.name} {hashlib.sha256(committed.read_bytes()).hexdigest()}"
            )
    return "\n".join(lines) + "\n"


def collect(names: set[str] | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, args in COMMANDS:
        if names is None or name in names:
            out[f"{name}.json"] = run_json(args)
    if names is None or "excel_internal" in names:
        out["excel_internal.txt"] = excel_digest(["evaluate"])
    if names is None or "excel_public" in names:
        out["excel_public.txt"] = excel_digest(["evaluate", "--public"])
    if names is None or "sample" in names:
        out["sample.sha256"] = sample_digest()
    return out


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, text in collect().items():
        (OUT / name).write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {name} ({len(text)} chars)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
